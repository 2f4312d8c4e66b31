import type { LaneStatus, WorkerStatus } from '../../shared/dispatch';
import type { Db } from './db/open';
import { laneOverrides } from './laneSettings';
import type { LaneResolution } from './lanes';

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
      "SELECT assignee, skip_reason AS status, count(*) AS n FROM tasks WHERE board = ? AND status = 'ready' AND skip_reason IS NOT NULL GROUP BY assignee, skip_reason",
    )
    .all(board) as CountRow[];
  const failures = db
    .prepare(
      "SELECT assignee, sum(failure_count) AS failures FROM tasks WHERE board = ? AND status NOT IN ('done', 'archived') GROUP BY assignee",
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

  return [...names].sort().map((name): LaneStatus => {
    const resolution = facts.resolve(name);
    const override = overrides.get(name);
    const declaration = declared.get(name);
    const profile = resolution.kind === 'profile' ? resolution.profile : null;
    const laneCounts = Object.fromEntries(
      counts.filter((row) => row.assignee === name).map((row) => [row.status, row.n]),
    );
    const laneWorkers = workers.filter((worker) => worker.lane === name);
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
      queuedBySkipReason: Object.fromEntries(
        queued.filter((row) => row.assignee === name).map((row) => [row.status, row.n]),
      ),
      failures: failures.find((row) => row.assignee === name)?.failures ?? 0,
      lastError: lastErrors.find((row) => row.lane === name)?.error ?? null,
      workers: laneWorkers,
    };
  });
}
