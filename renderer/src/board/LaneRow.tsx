import { memo } from 'react';
import { BOARD_COLUMNS } from '../../../shared/domain';
import { useBoard, useBoardContext } from '../store/context';
import { LANE_KIND_LABELS, laneLabel, laneTestId, type LaneView } from '../store/laneModel';
import type { LaneCells } from '../store/selectors';
import { BoardCell } from './BoardCell';

interface LaneRowProps {
  lane: LaneView;
  cells: LaneCells;
}

/** One assignee's row: a header (kind, capacity, pause) over one droppable cell per column. */
export const LaneRow = memo(function LaneRow({ lane, cells }: LaneRowProps) {
  const collapsed = useBoard((state) => state.collapsedLanes[lane.key] === true);
  const testId = laneTestId(lane.key);
  return (
    <section
      className={`lane lane-kind-${lane.kind}${collapsed ? ' lane-collapsed' : ''}`}
      data-testid={`lane-${testId}`}
      data-lane-kind={lane.kind}
      aria-label={`Lane ${laneLabel(lane.key)}`}
    >
      <LaneHeader lane={lane} cells={cells} collapsed={collapsed} />
      {!collapsed && (
        <div className="lane-cells">
          {BOARD_COLUMNS.map((status) => (
            <BoardCell key={status} lane={lane.key} status={status} ids={cells[status]} />
          ))}
        </div>
      )}
    </section>
  );
});

function LaneHeader({ lane, cells, collapsed }: LaneRowProps & { collapsed: boolean }) {
  const { store } = useBoardContext();
  const status = useBoard((state) => (lane.key ? state.lanes[lane.key] : undefined));
  const testId = laneTestId(lane.key);
  const total = BOARD_COLUMNS.reduce((sum, column) => sum + cells[column].length, 0);
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
          className={`lane-capacity${status.running >= status.maxConcurrent ? ' full' : ''}`}
          title="running / capacity"
          data-testid={`lane-capacity-${testId}`}
        >
          {status.running}/{status.maxConcurrent}
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
          BOARD_COLUMNS.filter((column) => cells[column].length > 0).map((column) => (
            <span key={column} className={`lane-count-chip status-${column}`}>
              {cells[column].length} {column}
            </span>
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
