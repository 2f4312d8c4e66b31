import type { Db } from './db/open';

/** The numbers the lane view (dispatch/laneView.ts) shows for the lanes of one board. */

export interface LaneCountRow {
  assignee: string | null;
  /** A task status, or for `skipped` rows a skip reason. */
  status: string;
  n: number;
}

export interface LaneFigureRows {
  /** Tasks per lane and status (archived left out). */
  counts: LaneCountRow[];
  /** Ready tasks per lane and skip reason. */
  skipped: LaneCountRow[];
  /** Sum of failure counts per lane, over tasks not done or archived. */
  failures: { assignee: string | null; failures: number }[];
  /** The newest run error of each lane (any board: a lane is not per board). */
  lastErrors: { lane: string; error: string }[];
}

export function laneFigureRows(db: Db, board: string): LaneFigureRows {
  const counts = db
    .prepare(
      // Kept by triggers (migration v11, boardCards.ts cellCounts): no count over the whole board.
      "SELECT nullif(lane, '') AS assignee, status, n FROM task_cell_counts WHERE board = ? AND status <> 'archived' AND n > 0",
    )
    .all(board) as LaneCountRow[];
  // Kept by triggers on task_skips and tasks (migration v12): no JOIN over the board's ready tasks.
  // A lane with a verdict of its own (lane_skips, v13) has every ready task under it, whatever
  // their own rows say (tasks_with_skips): its ready count from task_cell_counts (v11).
  const skipped = [
    ...(db
      .prepare(
        `SELECT nullif(lane, '') AS assignee, reason AS status, n FROM task_skip_counts
         WHERE board = ? AND n > 0
           AND NOT EXISTS (SELECT 1 FROM lane_skips WHERE lane_skips.lane = task_skip_counts.lane)`,
      )
      .all(board) as LaneCountRow[]),
    ...(db
      .prepare(
        `SELECT nullif(task_cell_counts.lane, '') AS assignee, lane_skips.reason AS status, task_cell_counts.n
         FROM task_cell_counts JOIN lane_skips ON lane_skips.lane = task_cell_counts.lane
         WHERE task_cell_counts.board = ? AND task_cell_counts.status = 'ready' AND task_cell_counts.n > 0`,
      )
      .all(board) as LaneCountRow[]),
  ];
  const failures = db
    .prepare(
      // `failure_count > 0` adds nothing to the sum and lets the partial index tasks_with_failures answer.
      "SELECT assignee, sum(failure_count) AS failures FROM tasks WHERE board = ? AND failure_count > 0 AND status NOT IN ('done', 'archived') GROUP BY assignee",
    )
    .all(board) as LaneFigureRows['failures'];
  const lastErrors = db
    .prepare(
      `SELECT r.lane AS lane, r.error AS error FROM runs r
       WHERE r.id IN (SELECT max(id) FROM runs WHERE error IS NOT NULL GROUP BY lane)`,
    )
    .all() as LaneFigureRows['lastErrors'];
  return { counts, skipped, failures, lastErrors };
}
