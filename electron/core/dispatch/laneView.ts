import type { LaneStatus, WorkerStatus } from '../../../shared/dispatch';
import type { Db } from '../store/db/open';
import { laneOverrides } from '../store/laneSettings';
import type { LaneResolution } from '../config/lanes';

/** The per-lane status view (SPEC §7): every lane a person might care about, with its numbers. */

export interface LaneFacts {
  resolve(name: string): LaneResolution;
  declaredLanes(): { name: string; paused: boolean; maxConcurrent: number | null }[];
  profileNames(): string[];
}

interface CountRow {
  assignee: string | null;
  status: string;
  n: number;
}

interface LaneAggregate {
  assignee: string | null;
  failures: number;
}

export function laneStatuses(
  db: Db,
  board: string,
  facts: LaneFacts,
  workers: readonly WorkerStatus[],
): LaneStatus[] {
  const counts = db
    .prepare(
      "SELECT assignee, status, count(*) AS n FROM tasks WHERE board = ? AND status <> 'archived' GROUP BY assignee, status",
    )
    .all(board) as CountRow[];
  const queued = db
    .prepare(
      // Skip reasons live in task_skips (migration v3), one row per task that has one.
      "SELECT t.assignee, s.reason AS status, count(*) AS n FROM tasks t JOIN task_skips s ON s.task_id = t.id WHERE t.board = ? AND t.status = 'ready' GROUP BY t.assignee, s.reason",
    )
    .all(board) as CountRow[];
  const failures = db
    .prepare(
      // `failure_count > 0` adds nothing to the sum and lets the partial index tasks_with_failures answer.
      "SELECT assignee, sum(failure_count) AS failures FROM tasks WHERE board = ? AND failure_count > 0 AND status NOT IN ('done', 'archived') GROUP BY assignee",
    )
    .all(board) as LaneAggregate[];
  const lastErrors = db
    .prepare(
      `SELECT r.lane AS lane, r.error AS error FROM runs r
       WHERE r.id IN (SELECT max(id) FROM runs WHERE error IS NOT NULL GROUP BY lane)`,
    )
    .all() as { lane: string; error: string }[];
  const overrides = laneOverrides(db);
  const declared = new Map(facts.declaredLanes().map((lane) => [lane.name, lane]));

  const names = new Set<string>([...facts.profileNames(), ...declared.keys()]);
  for (const row of counts) if (row.assignee) names.add(row.assignee);

  const countsOf = groupBy(counts, (row) => row.assignee);
  const queuedOf = groupBy(queued, (row) => row.assignee);
  const workersOf = groupBy(workers, (worker) => worker.lane);
  const failuresOf = new Map(failures.map((row) => [row.assignee, row.failures]));
  const lastErrorOf = new Map(lastErrors.map((row) => [row.lane, row.error]));

  return [...names].sort().map((name): LaneStatus => {
    const resolution = facts.resolve(name);
    const override = overrides.get(name);
    const declaration = declared.get(name);
    const profile = resolution.kind === 'profile' ? resolution.profile : null;
    const laneCounts = Object.fromEntries((countsOf.get(name) ?? []).map((row) => [row.status, row.n]));
    const laneWorkers = workersOf.get(name) ?? [];
    return {
      name,
      kind: resolution.kind,
      problem:
        resolution.kind === 'profile_broken'
          ? resolution.problem
          : resolution.kind === 'terminal'
            ? resolution.hint
            : null,
      declared: declaration !== undefined,
      command: profile ? profile.command : null,
      completion: profile ? profile.completion : null,
      paused: override?.paused ?? declaration?.paused ?? false,
      maxConcurrent: override?.maxConcurrent ?? declaration?.maxConcurrent ?? profile?.maxConcurrent ?? 1,
      running: laneCounts.running ?? 0,
      counts: laneCounts,
      queuedBySkipReason: Object.fromEntries((queuedOf.get(name) ?? []).map((row) => [row.status, row.n])),
      failures: failuresOf.get(name) ?? 0,
      lastError: lastErrorOf.get(name) ?? null,
      workers: laneWorkers,
    };
  });
}

/** Rows grouped by key, each group in the rows' order (one pass instead of one filter per lane). */
function groupBy<T, K>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
