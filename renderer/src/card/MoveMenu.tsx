import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
} from 'react';
import { createPortal } from 'react-dom';
import { BOARD_COLUMNS, type Card } from '../../../shared/domain';
import type { ChangeCard } from '../../../shared/repository';
import { checkMove } from '../../../shared/transitions';
import { parentsDoneOf, type MovePatch } from '../store/boardStore';
import { useBoardContext, useBoardIndex } from '../store/context';
import { assigneeOfLane, laneKeyOf, laneLabel, laneTestId } from '../store/laneModel';

/**
 * "Move to…" on every card (docs/architecture.md §7): the same moves as a drag, for keyboards and for people who
 * prefer menus. Columns the state machine refuses are shown disabled with the reason.
 */
export function MoveMenu({ task, changes }: { task: Card; changes?: ChangeCard | undefined }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: globalThis.MouseEvent) => {
      const target = event.target as Node;
      if (!root.current?.contains(target) && !list.current?.contains(target)) setOpen(false);
    };
    // The menu is placed once, where the button was: if the board scrolls under it, it goes.
    const closeOnScroll = (event: Event) => {
      if (!list.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('scroll', closeOnScroll, true);
    window.addEventListener('resize', closeOnScroll);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('scroll', closeOnScroll, true);
      window.removeEventListener('resize', closeOnScroll);
    };
  }, [open]);

  // Keep the card's drag sensor and click-to-open away from the menu.
  const stop = (event: MouseEvent | KeyboardEvent) => event.stopPropagation();

  return (
    <div
      className="move-menu"
      ref={root}
      onClick={stop}
      onPointerDown={(event) => event.stopPropagation()}
      onKeyDown={(event) => {
        event.stopPropagation();
        if (event.key === 'Escape') setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="icon-button move-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`Move ${task.title} to…`}
        title="Move to…"
        data-testid={`move-${task.id}`}
        onClick={() => setOpen((value) => !value)}
      >
        ⋯
      </button>
      {open &&
        // In a portal on <body>: inside the card the cell's scroll box clipped the lower items.
        createPortal(
          <MoveMenuList
            task={task}
            changes={changes}
            anchor={button}
            listRef={list}
            onDone={() => {
              setOpen(false);
              button.current?.focus();
            }}
          />,
          document.body,
        )}
    </div>
  );
}

const VIEWPORT_MARGIN = 8;

/**
 * Where the menu goes: below the button, right edges aligned; above it when there is more room
 * there; always inside the viewport, scrolling itself when taller than the room it has.
 */
export function menuPlacement(
  anchor: { top: number; bottom: number; right: number },
  menu: { width: number; height: number },
  viewport: { width: number; height: number },
): CSSProperties {
  const below = viewport.height - anchor.bottom - VIEWPORT_MARGIN;
  const above = anchor.top - VIEWPORT_MARGIN;
  const downwards = menu.height <= below || below >= above;
  const room = Math.max(120, downwards ? below : above);
  const height = Math.min(menu.height, room);
  const top = downwards ? anchor.bottom + 2 : anchor.top - 2 - height;
  const left = Math.min(
    Math.max(VIEWPORT_MARGIN, anchor.right - menu.width),
    viewport.width - menu.width - VIEWPORT_MARGIN,
  );
  return {
    position: 'fixed',
    top: Math.max(VIEWPORT_MARGIN, Math.min(top, viewport.height - height - VIEWPORT_MARGIN)),
    left,
    maxHeight: room,
  };
}

function MoveMenuList({
  task,
  changes,
  anchor,
  listRef,
  onDone,
}: {
  task: Card;
  changes: ChangeCard | undefined;
  anchor: RefObject<HTMLButtonElement | null>;
  listRef: RefObject<HTMLDivElement | null>;
  onDone: () => void;
}) {
  // Hidden until placed (measured in a layout effect, before the first paint).
  const [style, setStyle] = useState<CSSProperties>({ position: 'fixed', visibility: 'hidden' });
  useLayoutEffect(() => {
    const button = anchor.current?.getBoundingClientRect();
    const menu = listRef.current;
    if (!button || !menu) return;
    setStyle(
      menuPlacement(
        button,
        { width: menu.offsetWidth, height: menu.scrollHeight },
        { width: window.innerWidth, height: window.innerHeight },
      ),
    );
  }, [anchor, listRef]);
  const { store } = useBoardContext();
  const { lanes } = useBoardIndex();
  const parentsDone = parentsDoneOf(store.getState(), task.id);
  const currentLane = laneKeyOf(task.assignee);
  const move = (patch: MovePatch) => {
    onDone();
    void store
      .getState()
      .moveTask(task.id, patch)
      .then(() => refocusCard(task.id));
  };
  const firstItem = useRef<HTMLButtonElement>(null);
  // Focus once placed: while hidden to be measured the menu takes no focus, which stayed on ⋯.
  const placed = style.visibility !== 'hidden';
  useEffect(() => {
    if (placed) firstItem.current?.focus();
  }, [placed]);

  let first = true;
  const refFor = () => {
    if (!first) return undefined;
    first = false;
    return firstItem;
  };

  return (
    <div
      ref={listRef}
      className="move-menu-list"
      role="menu"
      aria-label="Move to"
      style={style}
      data-testid={`move-menu-${task.id}`}
      onClick={(event) => event.stopPropagation()}
      onPointerDown={(event) => event.stopPropagation()}
      onKeyDown={(event) => {
        event.stopPropagation();
        if (event.key === 'Escape') onDone();
        else if (focusMenuItem(event.currentTarget, event.key)) event.preventDefault();
      }}
    >
      {changes && <ChangeActions task={task} changes={changes} onDone={onDone} />}
      <div className="move-menu-heading">Column</div>
      {[...BOARD_COLUMNS, 'archived' as const].map((status) => {
        if (status === task.status) return null;
        const verdict = checkMove(task.status, status, { parentsDone });
        return (
          <button
            key={status}
            ref={verdict.allowed ? refFor() : undefined}
            type="button"
            role="menuitem"
            disabled={!verdict.allowed}
            title={verdict.allowed ? undefined : verdict.reason}
            data-testid={`move-to-status-${status}`}
            onClick={() => move({ status })}
          >
            {status}
          </button>
        );
      })}
      <div className="move-menu-heading">Lane</div>
      {lanes
        .filter((lane) => lane.key !== currentLane)
        .map((lane) => (
          <button
            key={lane.key || 'unassigned'}
            ref={refFor()}
            type="button"
            role="menuitem"
            data-testid={`move-to-lane-${laneTestId(lane.key)}`}
            onClick={() => move({ assignee: assigneeOfLane(lane.key) })}
          >
            {laneLabel(lane.key)}
          </button>
        ))}
    </div>
  );
}

/**
 * A card moved to another cell is drawn anew there, and the focus its ⋯ had went to the page:
 * it goes to the card in its new place, so a keyboard carries on from there. Never taken from
 * wherever the person went meanwhile.
 */
function refocusCard(id: string): void {
  requestAnimationFrame(() => {
    if (document.activeElement && document.activeElement !== document.body) return;
    document.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(id)}"]`)?.focus();
  });
}

/**
 * The arrow keys, Home and End go through a menu's items that can be chosen, wrapping at the
 * ends (WAI-ARIA menu pattern). False for any other key.
 */
function focusMenuItem(menu: HTMLElement, key: string): boolean {
  const items = [...menu.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not(:disabled)')];
  if (items.length === 0) return false;
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  const next: Record<string, number> = {
    ArrowDown: (at + 1) % items.length,
    ArrowUp: (at - 1 + items.length) % items.length,
    Home: 0,
    End: items.length - 1,
  };
  const index = next[key];
  if (index === undefined) return false;
  items[index]?.focus();
  return true;
}

/**
 * docs/architecture.md §9 from the card: merge the task's work into base, send it back with a comment (in the
 * drawer's Changes tab, where the diff is), or discard it (confirmed). Only while the worktree lives.
 */
function ChangeActions({ task, changes, onDone }: { task: Card; changes: ChangeCard; onDone: () => void }) {
  const { store } = useBoardContext();
  const summary = changes.summary;
  if (!summary || summary.removed) return null;
  const land = async (action: 'merge' | 'discard') => {
    onDone();
    const state = store.getState();
    if (action === 'discard') {
      const confirmed = await state.askConfirm(
        `Discard the work of “${task.title}”? Its worktree and branch are deleted.`,
        'Discard',
      );
      if (!confirmed) return;
    }
    const result = await state.run('landTask', { id: task.id, action });
    if (result) state.pushToast('info', result.message, task.id);
  };
  const canMerge = (summary.files > 0 || summary.uncommittedFiles > 0) && !summary.merged;
  return (
    <>
      <div className="move-menu-heading">Changes</div>
      {canMerge && (
        <button
          type="button"
          role="menuitem"
          data-testid={`card-merge-${task.id}`}
          title={
            summary.conflicts.length > 0
              ? `would conflict in ${summary.conflicts.join(', ')}: it will be refused`
              : 'merge into the base branch in the board’s merge mode'
          }
          onClick={() => void land('merge')}
        >
          Merge into base
        </button>
      )}
      {task.status !== 'running' && (
        <button
          type="button"
          role="menuitem"
          data-testid={`card-send-back-${task.id}`}
          onClick={() => {
            onDone();
            store.getState().openTask(task.id, 'changes');
          }}
        >
          Send back…
        </button>
      )}
      {task.status !== 'running' && (
        <button
          type="button"
          role="menuitem"
          className="danger"
          data-testid={`card-discard-${task.id}`}
          onClick={() => void land('discard')}
        >
          Discard…
        </button>
      )}
    </>
  );
}
