import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { memo, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { BOARD_COLUMNS } from '../../../shared/domain';
import { TaskCard } from '../card/TaskCard';
import { cardById, type BoardState } from '../store/boardStore';
import { useBoard, useBoardContext } from '../store/context';
import { EMPTY_FILTER, isFilterActive } from '../store/filter';
import type { LaneView } from '../store/laneModel';
import { laneTallestCell, type BoardIndex } from '../store/selectors';
import { estimatedCellsHeight, LaneRow } from './LaneRow';
import { LaneWindow } from './laneWindow';
import {
  boardAnnouncements,
  cellKeyboardCoordinates,
  isCellTarget,
  patchForDrop,
  screenReaderInstructions,
} from './dropTargets';
import '../styles/board.css';

/**
 * The sensors' options, made once: dnd-kit makes every card's drag listeners anew when an options
 * object changes, and the board renders again when a drag starts and ends (`activeId`), so options
 * written inline re-rendered every card on the board at pick-up and at drop (bench/RESULTS.md,
 * row 6b, engineer drag). Pointer drags start after 5 px, so a click still opens the card.
 */
const POINTER_OPTIONS = { activationConstraint: { distance: 5 } };
const KEYBOARD_OPTIONS = {
  coordinateGetter: cellKeyboardCoordinates,
  keyboardCodes: { start: ['Space'], cancel: ['Escape'], end: ['Space', 'Enter'] },
};

/** Keyboard drags have no pointer: fall back to the overlap of the dragged card with the cells. */
const collisionDetection: CollisionDetection = (args) => {
  if (!args.pointerCoordinates) return rectIntersection(args);
  // Cells scrolled under the sticky column heads are hidden: a drop there would land in a lane
  // the user cannot see (issue 15).
  const heads = document.querySelector('.board-columns')?.getBoundingClientRect();
  if (heads && args.pointerCoordinates.y < heads.bottom) return [];
  return pointerWithin(args);
};

/**
 * Performance marks for the first render of the board (bench "board", DevTools' timings track):
 * committed by React, then painted (the task after the next animation frame runs after the paint).
 */
function useFirstRenderMarks(): void {
  useLayoutEffect(() => {
    if (typeof performance.mark !== 'function') return;
    performance.mark('switchyard:board-commit');
    requestAnimationFrame(() => setTimeout(() => performance.mark('switchyard:board-painted'), 0));
  }, []);
}

/**
 * How many lanes (from the top) fill the first screen, by estimate: the last one counted is the
 * one crossing its bottom edge. Only decided once, for the first render. The lanes below render
 * their cards when they come near (LaneRow, `NEAR_MARGIN_PX`), which the observer reports right
 * after the first paint. A second screen of lanes before it meant 144 cards in the first render on
 * "large", of which 64 are on the screen; now 96 (bench/RESULTS.md, row 7, engineer paint, 14:40).
 */
function useFirstScreenLanes(state: BoardState, index: BoardIndex): number {
  const [count] = useState(() => {
    const budget = window.innerHeight;
    let height = 0;
    let lanes = 0;
    for (const lane of index.lanes) {
      const cells = index.cells.get(lane.key);
      if (!cells) continue;
      lanes++;
      height += 42 + estimatedCellsHeight(laneTallestCell(state, lane.key, cells), window.innerHeight);
      if (height > budget) break;
    }
    return lanes;
  });
  return count;
}

/**
 * Lane rows the first render mounts at most (more only if the first screen needs them): on a board
 * of 300 lanes, mounting every row before the first paint was most of the render after the snapshot
 * arrived (bench/RESULTS.md, targets 7 and 10). The rows after them wait as one block of their
 * estimated height and mount right after the first paint, `LANE_ROWS_PER_STEP` per task, so no
 * step is a long task and the scroll height is right from the start.
 */
export const FIRST_LANE_ROWS = 40;
export const LANE_ROWS_PER_STEP = 60;

/** How many of the board's `total` lane rows are mounted: the first ones, then more after each paint. */
function useMountedLaneRows(total: number, first: number): number {
  const [mounted, setMounted] = useState(first);
  useEffect(() => {
    if (mounted >= total) return;
    // After the next paint: the task after an animation frame runs once the frame is painted.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setMounted((count) => Math.min(total, count + LANE_ROWS_PER_STEP)), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [mounted, total]);
  return Math.min(mounted, total);
}

/** The height the lane rows not mounted yet will take, as their placeholders estimate it. */
function LanesNotMounted({ lanes }: { lanes: readonly LaneView[] }) {
  const { store, selectIndex } = useBoardContext();
  if (lanes.length === 0) return null;
  const state = store.getState();
  const index = selectIndex(state);
  let height = 0;
  for (const lane of lanes) {
    const cells = index.cells.get(lane.key);
    // A placeholder row (LaneRow) and the 10 px between rows (board.css .lane).
    if (cells)
      height += 10 + 32 + estimatedCellsHeight(laneTallestCell(state, lane.key, cells), window.innerHeight);
  }
  return <div className="lanes-not-mounted" data-testid="lanes-not-mounted" style={{ height }} />;
}

/** The board (docs/architecture.md §7): a row per lane, a column per status, drag and drop between cells. */
export function Board() {
  useFirstRenderMarks();
  const { store, selectIndex } = useBoardContext();
  // Only the rows: a task event re-renders the lanes it touched (BoardLane), never the board, since
  // every board render also re-renders dnd-kit's context, whose change walks all the cards.
  const lanes = useBoard((state) => selectIndex(state).lanes);
  const filtering = useBoard((state) => isFilterActive(state.filter));
  // A board loaded in part asks the core for the filter's matches: no "no match" before it answers.
  const searching = useBoard((state) => state.search?.state === 'loading');
  const eagerLanes = useFirstScreenLanes(store.getState(), selectIndex(store.getState()));
  const mounted = useMountedLaneRows(lanes.length, Math.max(FIRST_LANE_ROWS, eagerLanes));
  const [laneWindow] = useState(() => new LaneWindow());
  useEffect(() => () => laneWindow.disconnect(), [laneWindow]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const sensors = useSensors(
    useSensor(PointerSensor, POINTER_OPTIONS),
    useSensor(KeyboardSensor, KEYBOARD_OPTIONS),
  );
  const accessibility = useMemo(
    () => ({
      announcements: boardAnnouncements((id) => cardById(store.getState(), id)),
      screenReaderInstructions,
    }),
    [store],
  );

  const onDragStart = (event: DragStartEvent) => setActiveId(String(event.active.id));
  const onDragEnd = (event: DragEndEvent) => {
    setActiveId(null);
    const target = event.over?.data.current;
    const task = cardById(store.getState(), String(event.active.id));
    if (!task || !isCellTarget(target)) return;
    const patch = patchForDrop(task, target);
    if (patch) void store.getState().moveTask(task.id, patch);
  };

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collisionDetection}
      accessibility={accessibility}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragCancel={() => setActiveId(null)}
    >
      <div className={`board${activeId ? ' board-dragging' : ''}`} data-testid="board">
        <ColumnHeads />
        {lanes.slice(0, mounted).map((lane, i) => (
          <BoardLane
            key={lane.key || '(unassigned)'}
            lane={lane}
            laneWindow={laneWindow}
            eager={i < eagerLanes}
          />
        ))}
        <LanesNotMounted lanes={lanes.slice(mounted)} />
        {filtering && lanes.length === 0 && searching && (
          <div className="empty-state">Searching the whole board…</div>
        )}
        {filtering && lanes.length === 0 && !searching && (
          <div className="empty-state">
            No card matches the filter.{' '}
            <button
              type="button"
              className="link-button"
              onClick={() => store.getState().setFilter(EMPTY_FILTER)}
            >
              Clear filters
            </button>
          </div>
        )}
      </div>
      <DragOverlay dropAnimation={{ duration: 160, easing: 'ease-out' }}>
        {activeId ? <OverlayCard taskId={activeId} /> : null}
      </DragOverlay>
    </DndContext>
  );
}

/** The column heads with their counts, which change with nearly every task event. */
function ColumnHeads() {
  const { selectColumnTotals } = useBoardContext();
  const totals = useBoard(selectColumnTotals);
  return (
    <div className="board-columns" role="row">
      {BOARD_COLUMNS.map((column) => (
        <div
          key={column}
          className={`column-head status-${column}`}
          data-testid={`column-${column}`}
          role="columnheader"
        >
          <span className="column-name">{column}</span>
          <span className="column-count" data-testid={`column-count-${column}`}>
            {totals[column]}
          </span>
        </div>
      ))}
    </div>
  );
}

/** One lane, subscribed to its own cells (the same object while none of its tasks moved). */
const BoardLane = memo(function BoardLane({
  lane,
  laneWindow,
  eager,
}: {
  lane: LaneView;
  laneWindow: LaneWindow;
  eager: boolean;
}) {
  const { selectIndex } = useBoardContext();
  const cells = useBoard((state) => selectIndex(state).cells.get(lane.key));
  return cells ? <LaneRow lane={lane} cells={cells} laneWindow={laneWindow} eager={eager} /> : null;
});

function OverlayCard({ taskId }: { taskId: string }) {
  const task = useBoard((state) => cardById(state, taskId));
  const worker = useBoard((state) => state.workers[taskId]);
  return task ? <TaskCard task={task} worker={worker} overlay /> : null;
}
