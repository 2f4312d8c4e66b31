import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** The numbers the lane view (dispatch/laneView.ts) shows for the lanes of one board. */

export interface LaneCounts {
  assignee: string | null;
  /** Tasks per status (archived left out, statuses with none left out). */
  counts: Record<string, number>;
  /** Ready tasks per skip reason. */
  queuedBySkipReason: Record<string, number>;
}

export interface LaneFigureRows {
  /** One entry per lane with a task on the board. */
  lanes: LaneCounts[];
  /** Sum of failure counts per lane, over tasks not done or archived. */
  failures: { assignee: string | null; failures: number }[];
  /** The newest run error of each lane (any board: a lane is not per board). */
  lastErrors: { lane: string; error: string }[];
}

/**
 * A lane's counts by status and by skip reason, grouped in SQLite into one row per lane (two JSON
 * objects) rather than one row per lane and status or reason grouped again in JavaScript: the view
 * is recomputed every 200 ms while a board is busy, and at 300 lanes the ~1,500 row objects and
 * their regrouping were most of its time (bench/RESULTS.md, row 10b, engineer "figures").
 * Counts by status are kept by triggers (migration v11, boardCards.ts cellCounts), counts by the
 * tasks' own skip reasons too (v12): no count over the whole board. A lane with a verdict of its
 * own (lane_skips, v13) has every ready task under it, whatever their own rows say
 * (tasks_with_skips): its ready count. Every lane with a ready task has a status row here, so no
 * lane's skip counts are left out.
 */
const LANE_COUNTS = `
  SELECT nullif(cells.lane, '') AS assignee,
    json_group_object(cells.status, cells.n) AS counts,
    CASE
      WHEN lane_skips.reason IS NULL THEN
        (SELECT json_group_object(reason, n) FROM task_skip_counts
         WHERE task_skip_counts.board = cells.board AND task_skip_counts.lane = cells.lane AND n > 0)
      WHEN max(cells.status = 'ready') THEN
        json_object(lane_skips.reason, sum(cells.n) FILTER (WHERE cells.status = 'ready'))
      ELSE '{}'
    END AS queued
  FROM task_cell_counts cells LEFT JOIN lane_skips ON lane_skips.lane = cells.lane
  WHERE cells.board = ? AND cells.status <> 'archived' AND cells.n > 0
  GROUP BY cells.lane`;

export function laneFigureRows(db: Db, board: string): LaneFigureRows {
  const rows = cachedStatement(db, LANE_COUNTS).all(board) as {
    assignee: string | null;
    counts: string;
    queued: string;
  }[];
  const lanes = rows.map((row): LaneCounts => ({
    assignee: row.assignee,
    counts: JSON.parse(row.counts) as Record<string, number>,
    queuedBySkipReason: JSON.parse(row.queued) as Record<string, number>,
  }));
  const failures = cachedStatement(
    db,
    // `failure_count > 0` adds nothing to the sum and lets the partial index tasks_with_failures answer.
    "SELECT assignee, sum(failure_count) AS failures FROM tasks WHERE board = ? AND failure_count > 0 AND status NOT IN ('done', 'archived') GROUP BY assignee",
  ).all(board) as LaneFigureRows['failures'];
  const lastErrors = cachedStatement(
    db,
    `SELECT r.lane AS lane, r.error AS error FROM runs r
     WHERE r.id IN (SELECT max(id) FROM runs WHERE error IS NOT NULL GROUP BY lane)`,
  ).all() as LaneFigureRows['lastErrors'];
  return { lanes, failures, lastErrors };
}
