import { useRef, type KeyboardEvent } from 'react';
import type { DrawerTab } from '../store/boardStore';

const TABS: readonly { id: DrawerTab; label: string }[] = [
  { id: 'details', label: 'Details' },
  { id: 'changes', label: 'Changes' },
];

/** The id of a tab's panel (the drawer body it shows), for `aria-controls` and `aria-labelledby`. */
export function drawerPanelId(tab: DrawerTab): string {
  return `drawer-panel-${tab}`;
}

/** The id of a tab's button, which labels its panel. */
export function drawerTabId(tab: DrawerTab): string {
  return `drawer-tab-${tab}`;
}

/** How far an arrow key moves the selection along the tabs (WAI-ARIA tabs pattern); 0 for other keys. */
function stepOf(key: string): number {
  if (key === 'ArrowRight') return 1;
  if (key === 'ArrowLeft') return -1;
  return 0;
}

/**
 * A task's Details / Changes switch. Tabs, not buttons: one stop in the Tab order (the selected tab),
 * ←/→ to change it, so keyboard users move between the views as they do in any tab strip.
 */
export function DrawerTabs({
  selected,
  onSelect,
}: {
  selected: DrawerTab;
  onSelect: (tab: DrawerTab) => void;
}) {
  const buttons = useRef(new Map<DrawerTab, HTMLButtonElement>());
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = stepOf(event.key);
    if (step === 0) return;
    event.preventDefault();
    const at = TABS.findIndex((tab) => tab.id === selected);
    const next = TABS[(at + step + TABS.length) % TABS.length]!.id;
    onSelect(next);
    buttons.current.get(next)?.focus();
  };
  return (
    <div className="drawer-tabs" role="tablist" aria-label="Task views" onKeyDown={onKeyDown}>
      {TABS.map((tab) => (
        <button
          key={tab.id}
          ref={(element) => {
            if (element) buttons.current.set(tab.id, element);
            else buttons.current.delete(tab.id);
          }}
          type="button"
          role="tab"
          className="drawer-tab"
          id={drawerTabId(tab.id)}
          aria-selected={tab.id === selected}
          aria-controls={drawerPanelId(tab.id)}
          tabIndex={tab.id === selected ? 0 : -1}
          data-testid={drawerTabId(tab.id)}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}
