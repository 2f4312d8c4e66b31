import { Menu, Tray, type NativeImage } from 'electron';
import { describeDispatcher, type DispatcherState } from '../../shared/dispatch';
import type { EngineHandle } from '../core/dispatch/engineHandle';

/**
 * The tray (docs/architecture.md §7): dispatcher on/off (persisted by the engine), running / ready / stuck counts,
 * lanes whose daily budget is spent (docs/architecture.md §10), open board, quit. The menu is rebuilt when the dispatcher's state changes what it shows.
 */

export const TRAY_ITEM_IDS = {
  dispatcher: 'dispatcher',
  counts: 'counts',
  /** One item per lane whose budget is spent: `budget:<lane>`. */
  budget: 'budget',
  open: 'open',
  quit: 'quit',
} as const;

export function countsLabel(state: Pick<DispatcherState, 'running' | 'ready' | 'stuck'>): string {
  return `Running ${state.running} · Ready ${state.ready}${state.stuck ? ' · Stuck' : ''}`;
}

/** docs/architecture.md §10: what the tray says of a lane whose daily budget is spent. */
export function budgetLabel(entry: DispatcherState['budgetExhausted'][number]): string {
  return `Budget spent: ${entry.lane}${entry.detail ? ` — ${entry.detail}` : ''}`;
}

export interface TrayOptions {
  engine: Pick<EngineHandle, 'dispatcherState' | 'setDispatcherEnabled' | 'subscribe'>;
  icon: NativeImage | string;
  onOpenBoard(): void;
  onQuit(): void;
}

export interface BoardTray {
  readonly tray: Tray;
  /** The menu as last built (tests read its items). */
  menu(): Menu;
  dispose(): void;
}

export function createTray(options: TrayOptions): BoardTray {
  const tray = new Tray(options.icon);
  let shown = '';
  let menu: Menu;

  function render(state: DispatcherState): void {
    const budgets = state.budgetExhausted.map(budgetLabel);
    const summary = describeDispatcher(state);
    const key = `${state.enabled}|${summary.label}|${countsLabel(state)}|${budgets.join('|')}`;
    if (key === shown) return;
    shown = key;
    menu = Menu.buildFromTemplate([
      {
        id: TRAY_ITEM_IDS.dispatcher,
        label: 'Dispatcher on',
        type: 'checkbox',
        checked: state.enabled,
        // Electron flips a checkbox before calling click: `checked` is the wanted state.
        click: (item) => {
          try {
            options.engine.setDispatcherEnabled(item.checked);
          } catch (error) {
            console.error('switchyard: cannot switch the dispatcher:', error);
          }
          render(options.engine.dispatcherState());
        },
      },
      { id: TRAY_ITEM_IDS.counts, label: countsLabel(state), enabled: false },
      ...state.budgetExhausted.map((entry, index) => ({
        id: `${TRAY_ITEM_IDS.budget}:${entry.lane}`,
        label: budgets[index] as string,
        enabled: false,
      })),
      { type: 'separator' },
      { id: TRAY_ITEM_IDS.open, label: 'Open board', click: () => options.onOpenBoard() },
      { id: TRAY_ITEM_IDS.quit, label: 'Quit', click: () => options.onQuit() },
    ]);
    tray.setContextMenu(menu);
    const spent = state.budgetExhausted.length;
    tray.setToolTip(
      `Switchyard — ${summary.on ? countsLabel(state) : summary.label.toLowerCase()}` +
        (spent > 0 ? ` · budget spent: ${state.budgetExhausted.map((entry) => entry.lane).join(', ')}` : ''),
    );
  }

  render(options.engine.dispatcherState());
  const unsubscribe = options.engine.subscribe((change) => {
    if (change.type === 'dispatcher') render(change.state);
  });
  tray.on('click', () => options.onOpenBoard());

  return {
    tray,
    menu: () => menu,
    dispose() {
      unsubscribe();
      tray.destroy();
    },
  };
}
