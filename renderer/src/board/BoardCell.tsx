import { useDndContext, useDroppable } from '@dnd-kit/core';
import { memo, useState, type UIEvent } from 'react';
import { checkMove } from '../../../shared/transitions';
import { cardById, parentsDoneOf, startsWorkerNow } from '../store/boardStore';
import { useBoard, useBoardContext } from '../store/context';
import { laneKeyOf, laneLabel, laneTestId, type BoardColumn } from '../store/laneModel';
import { cellTotal } from '../store/selectors';
import { CardSlot } from './CardSlot';
import { cellDroppableId } from './dropTargets';

/** Cards rendered at first, and added per step as the cell scrolls: long columns stay light. */
export const CELL_PAGE = 30;

interface BoardCellProps {
  lane: string;
  status: BoardColumn;
  ids: readonly string[];
}

export const BoardCell = memo(function BoardCell({ lane, status, ids }: BoardCellProps) {
  const { setNodeRef, isOver } = useDroppable({ id: cellDroppableId(lane, status), data: { lane, status } });
  const { store } = useBoardContext();
  const [limit, setLimit] = useState(CELL_PAGE);
  const shown = ids.length > limit ? ids.slice(0, limit) : ids;
  // Cards of this cell the core holds and the board has not loaded (only unfiltered: a filter
  // shows the core's matches instead).
  const unloaded = useBoard((state) => cellTotal(state, lane, status, ids.length) - ids.length);
  const hidden = ids.length - shown.length + unloaded;
  const showMore = (step: number) => {
    if (limit + step > ids.length && unloaded > 0) void store.getState().loadMoreCards(lane, status, step);
    setLimit((value) => value + step);
  };

  const onScroll = (event: UIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    if (hidden > 0 && element.scrollTop + element.clientHeight >= element.scrollHeight - 200) {
      showMore(CELL_PAGE);
    }
  };

  return (
    <div
      ref={setNodeRef}
      className={`cell cell-${status}${isOver ? ' cell-over' : ''}`}
      data-testid={`cell-${laneTestId(lane)}-${status}`}
      data-count={ids.length}
      onScroll={onScroll}
    >
      {isOver && <DropHint lane={lane} status={status} />}
      {shown.map((id) => (
        <CardSlot key={id} taskId={id} />
      ))}
      {hidden > 0 && (
        <button type="button" className="cell-more" onClick={() => showMore(CELL_PAGE * 4)}>
          Show {Math.min(hidden, CELL_PAGE * 4)} more of {hidden}
        </button>
      )}
    </div>
  );
});

/**
 * While hovering a cell, say where the card lands (lane and column: auto-scroll can bring a lane
 * the user never saw under the pointer), whether the core will accept it (the same rule), and
 * that the dispatcher starts a worker at once when it will (issue 15).
 */
function DropHint({ lane, status }: { lane: string; status: BoardColumn }) {
  const { active } = useDndContext();
  const { store } = useBoardContext();
  const state = store.getState();
  const task = active ? cardById(state, String(active.id)) : undefined;
  if (!task) return null;
  const sameLane = laneKeyOf(task.assignee) === lane;
  if (task.status === status && sameLane) return null;
  const where = `${laneLabel(lane)} · ${status}`;
  const verdict =
    task.status === status
      ? ({ allowed: true, stopsWorker: false } as const)
      : checkMove(task.status, status, { parentsDone: parentsDoneOf(state, task.id) });
  if (!verdict.allowed) {
    return (
      <div className="drop-hint refused" title={verdict.reason} data-testid="drop-hint">
        {where}: {verdict.reason}
      </div>
    );
  }
  const effect = verdict.stopsWorker
    ? ' — stops the worker'
    : startsWorkerNow(state, task, lane, status)
      ? ` — starts ${lane} now`
      : '';
  return (
    <div className={`drop-hint ok${effect ? ' drop-hint-effect' : ''}`} data-testid="drop-hint">
      → {where}
      {effect}
    </div>
  );
}
