import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { BOARD_COLUMNS, type Card } from '../../../shared/domain';
import { checkMove } from '../../../shared/transitions';
import { parentsDoneOf, type MovePatch } from '../store/boardStore';
import { useBoardContext, useBoardIndex } from '../store/context';
import { assigneeOfLane, laneKeyOf, laneLabel, laneTestId } from '../store/laneModel';

/**
 * "Move to…" on every card (docs/architecture.md §7): the same moves as a drag, for keyboards and for people who
 * prefer menus. Columns the state machine refuses are shown disabled with the reason.
 */
export function MoveMenu({ task }: { task: Card }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: globalThis.MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
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
      {open && <MoveMenuList task={task} onDone={() => setOpen(false)} />}
    </div>
  );
}

function MoveMenuList({ task, onDone }: { task: Card; onDone: () => void }) {
  const { store } = useBoardContext();
  const { lanes } = useBoardIndex();
  const parentsDone = parentsDoneOf(store.getState(), task.id);
  const currentLane = laneKeyOf(task.assignee);
  const move = (patch: MovePatch) => {
    onDone();
    void store.getState().moveTask(task.id, patch);
  };
  const firstItem = useRef<HTMLButtonElement>(null);
  useEffect(() => firstItem.current?.focus(), []);

  let first = true;
  const refFor = () => {
    if (!first) return undefined;
    first = false;
    return firstItem;
  };

  return (
    <div className="move-menu-list" role="menu" aria-label="Move to">
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
