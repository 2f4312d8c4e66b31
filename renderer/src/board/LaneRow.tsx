import { memo, useEffect } from 'react';
import { BOARD_COLUMNS } from '../../../shared/domain';
import { useBoard, useBoardContext } from '../store/context';
import {
  hasUnloadedCell,
  LANE_KIND_LABELS,
  laneLabel,
  laneTestId,
  type BoardColumn,
  type LaneView,
} from '../store/laneModel';
import { cellTotal, laneTallestCell, type LaneCells } from '../store/selectors';
import { BoardCell } from './BoardCell';
import { useLaneNear, type LaneWindow } from './laneWindow';

interface LaneRowProps {
  lane: LaneView;
  cells: LaneCells;
}

/** A cell's height before it has been seen: cards are about 60 px, a cell scrolls past 62vh. */
const ESTIMATED_CARD_PX = 60;

/** The height of a lane's cells before they are seen, from its tallest cell (`laneTallestCell`). */
export function estimatedCellsHeight(most: number, viewportHeight: number): number {
  // An empty lane is its header and a thin drop strip (board.css .lane-empty).
  if (most === 0) return 8;
  return Math.min(viewportHeight * 0.62, 8 + most * ESTIMATED_CARD_PX) + 14;
}

/**
 * One assignee's row: a header (kind, capacity, pause) over one droppable cell per column. Lanes
 * far from the visible part of the board (`LaneWindow`) render only a light header and an empty
 * block of the same height: with 10,000 tasks most of the board is off screen, and every rendered
 * card is a React component, a dnd-kit draggable and DOM to lay out (bench "board"). `eager` lanes
 * (the ones the board expects on the first screen) start near so the first paint shows their cards.
 */
export const LaneRow = memo(function LaneRow({
  lane,
  cells,
  laneWindow,
  eager = true,
}: LaneRowProps & { laneWindow: LaneWindow; eager?: boolean }) {
  const collapsed = useBoard((state) => state.collapsedLanes[lane.key] === true);
  const { ref, near } = useLaneNear(laneWindow, lane.key, eager);
  const testId = laneTestId(lane.key);
  const placeholder = !collapsed && !near;
  // Only a placeholder needs its height before it is seen.
  const tallest = useBoard((state) => (placeholder ? laneTallestCell(state, lane.key, cells) : 0));
  // Issue 15: a lane without cards is a one-line header (its cells stay as a thin drop strip that
  // opens while a card is dragged), not six empty boxes.
  const total = useLaneTotal(lane.key, cells);
  const empty = total === 0;
  return (
    <section
      ref={ref}
      className={`lane lane-kind-${lane.kind}${collapsed ? ' lane-collapsed' : ''}${empty ? ' lane-empty' : ''}`}
      data-testid={`lane-${testId}`}
      data-lane-kind={lane.kind}
      data-rendered={placeholder ? 'placeholder' : undefined}
      aria-label={`Lane ${laneLabel(lane.key)}`}
      style={
        placeholder
          ? {
              height:
                laneWindow.measuredHeight(lane.key) ?? 32 + estimatedCellsHeight(tallest, window.innerHeight),
            }
          : undefined
      }
    >
      {placeholder ? (
        <FarLaneHeader lane={lane} total={total} />
      ) : (
        <LaneHeader lane={lane} cells={cells} collapsed={collapsed} total={total} />
      )}
      {!collapsed && near && <NearLaneCells lane={lane} cells={cells} />}
    </section>
  );
});

/** A near lane's cells; a lane the first snapshot left out (only counted) loads its cards here. */
function NearLaneCells({ lane, cells }: LaneRowProps) {
  const { store } = useBoardContext();
  const unloaded = useBoard((state) => hasUnloadedCell(state.cellCursors, lane.key));
  // A new snapshot (resync, board switch) may have dropped an answer this lane waited for.
  const snapshots = useBoard((state) => state.snapshots);
  useEffect(() => {
    if (unloaded) store.getState().loadLaneCards(lane.key);
  }, [unloaded, snapshots, lane.key, store]);
  return (
    <div className="lane-cells">
      {BOARD_COLUMNS.map((status) => (
        <BoardCell key={status} lane={lane.key} status={status} ids={cells[status]} />
      ))}
    </div>
  );
}

/** A collapsed lane's count of one column (none for an empty column). */
function LaneCountChip({ lane, column, loaded }: { lane: string; column: BoardColumn; loaded: number }) {
  const count = useBoard((state) => cellTotal(state, lane, column, loaded));
  if (count === 0) return null;
  return (
    <span className={`lane-count-chip status-${column}`}>
      {count} {column}
    </span>
  );
}

/** A lane's card count, as the core counts partly loaded cells. */
function useLaneTotal(lane: string, cells: LaneCells): number {
  return useBoard((state) =>
    BOARD_COLUMNS.reduce((sum, column) => sum + cellTotal(state, lane, column, cells[column].length), 0),
  );
}

/**
 * The header of a lane far from the screen: its name, kind and count only. A board of 300 lanes
 * opens with most of them far away, and the full header's controls and lane figures are DOM and
 * subscriptions nobody sees yet; the full header takes over when the lane comes near.
 */
function FarLaneHeader({ lane, total }: { lane: LaneView; total: number }) {
  return (
    <header className="lane-header">
      <span className="lane-name">{laneLabel(lane.key)}</span>
      <span className={`kind-badge kind-${lane.kind}`}>{LANE_KIND_LABELS[lane.kind]}</span>
      <span className="lane-counts">
        {total} {total === 1 ? 'task' : 'tasks'}
      </span>
    </header>
  );
}

function LaneHeader({ lane, cells, collapsed, total }: LaneRowProps & { collapsed: boolean; total: number }) {
  const { store } = useBoardContext();
  const status = useBoard((state) => (lane.key ? state.lanes[lane.key] : undefined));
  const testId = laneTestId(lane.key);
  const problem = status?.problem ?? null;
  const kindTitle =
    lane.kind === 'terminal'
      ? (problem ?? 'terminal lane: never spawned; a person or an outside agent claims its work')
      : lane.kind === 'profile_broken'
        ? (problem ?? 'the profile is invalid')
        : lane.kind === 'unassigned'
          ? 'tasks without an assignee are never started'
          : (status?.command?.join(' ') ?? 'profile');

  const paused = status?.paused ?? false;
  const togglePause = async () => {
    const updated = await store.getState().run('setLanePaused', { lane: lane.key, paused: !paused });
    if (updated) store.getState().upsertLane(updated);
  };

  return (
    <header className="lane-header">
      <button
        type="button"
        className="icon-button lane-toggle"
        aria-expanded={!collapsed}
        aria-label={`${collapsed ? 'Expand' : 'Collapse'} lane ${laneLabel(lane.key)}`}
        onClick={() => store.getState().toggleLaneCollapsed(lane.key)}
      >
        {collapsed ? '▸' : '▾'}
      </button>
      <span className="lane-name">{laneLabel(lane.key)}</span>
      <span className={`kind-badge kind-${lane.kind}`} title={kindTitle} data-testid={`lane-kind-${testId}`}>
        {LANE_KIND_LABELS[lane.kind]}
      </span>
      {status && lane.kind === 'profile' && (
        <span
          className={`lane-capacity${status.workerSlotsInUse >= status.maxConcurrent ? ' full' : ''}`}
          title="workers running / the lane's limit, in all boards"
          data-testid={`lane-capacity-${testId}`}
        >
          {status.workerSlotsInUse}/{status.maxConcurrent}
        </span>
      )}
      {status && lane.kind !== 'profile' && status.running > 0 && (
        <span className="lane-capacity" title="claimed and running">
          {status.running} running
        </span>
      )}
      {problem && lane.kind === 'profile_broken' && (
        <span className="lane-problem" title={problem}>
          {problem}
        </span>
      )}
      {paused && <span className="lane-paused-chip">paused</span>}
      <span className="lane-counts">
        {total} {total === 1 ? 'task' : 'tasks'}
        {collapsed &&
          BOARD_COLUMNS.map((column) => (
            <LaneCountChip key={column} lane={lane.key} column={column} loaded={cells[column].length} />
          ))}
      </span>
      {lane.kind !== 'unassigned' && (
        <button
          type="button"
          className={`small-button${paused ? ' active' : ''}`}
          aria-pressed={paused}
          data-testid={`lane-pause-${testId}`}
          onClick={() => void togglePause()}
          title={
            paused ? 'Resume: let the dispatcher start work in this lane' : 'Pause: start nothing new here'
          }
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
      )}
    </header>
  );
}
