import type { LaneStatus, WorkerStatus } from '../../../shared/dispatch';
import type { Db } from '../store/db/open';
import { laneFigureRows } from '../store/laneFigures';
import { laneOverrides } from '../store/laneSettings';
import { nextRunsByLane } from '../store/recurrences';
import { effectiveLaneSettings, type LaneResolution } from '../config/lanes';
import * as runs from '../store/runs';
import { budgetDay, sevenDaysStart } from '../../../shared/budget';
import { workerSlotsInUse } from './dispatcher';

/** The per-lane status view (docs/architecture.md §7): every lane a person might care about, with its numbers. */

export interface LaneFacts {
  resolve(name: string): LaneResolution;
  declaredLanes(): {
    name: string;
    paused: boolean;
    maxConcurrent: number | null;
    requireApproval?: boolean;
    budgetUsdPerDay?: number | null;
    description?: string | null;
  }[];
  profileNames(): string[];
}

export function laneStatuses(
  db: Db,
  board: string,
  facts: LaneFacts,
  workers: readonly WorkerStatus[],
): LaneStatus[] {
  const { lanes, failures, lastErrors } = laneFigureRows(db, board);
  const overrides = laneOverrides(db);
  const now = Date.now();
  const spentToday = runs.spendByLaneSince(db, budgetDay(now).start);
  const spent7d = runs.spendByLaneSince(db, sevenDaysStart(now));
  const declared = new Map(facts.declaredLanes().map((lane) => [lane.name, lane]));
  const slots = workerSlotsInUse(db).byLane;

  // A lane someone paused or limited is one they care about, tasks or not.
  const names = new Set<string>([...facts.profileNames(), ...declared.keys(), ...overrides.keys()]);
  for (const lane of lanes) if (lane.assignee) names.add(lane.assignee);
  // A lane that only has a recurring task coming is one too (issue 16: the view shows its next run).
  const nextRecurrence = new Map<string, number>();
  for (const row of nextRunsByLane(db, board)) {
    if (row.lane === null) continue;
    names.add(row.lane);
    nextRecurrence.set(row.lane, row.at);
  }

  const figuresOf = new Map(lanes.map((lane) => [lane.assignee, lane]));
  const workersOf = groupBy(workers, (worker) => worker.lane);
  const failuresOf = new Map(failures.map((row) => [row.assignee, row.failures]));
  const lastErrorOf = new Map(lastErrors.map((row) => [row.lane, row.error]));

  return [...names].sort().map((name): LaneStatus => {
    const resolution = facts.resolve(name);
    const override = overrides.get(name);
    const declaration = declared.get(name);
    const profile = resolution.kind === 'profile' ? resolution.profile : null;
    const figures = figuresOf.get(name);
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
      description: declaration?.description ?? profile?.description ?? null,
      command: profile ? profile.command : null,
      completion: profile ? profile.completion : null,
      ...effectiveLaneSettings(override, declaration, resolution),
      running: figures?.counts.running ?? 0,
      workerSlotsInUse: slots.get(name) ?? 0,
      counts: figures?.counts ?? {},
      queuedBySkipReason: figures?.queuedBySkipReason ?? {},
      failures: failuresOf.get(name) ?? 0,
      lastError: lastErrorOf.get(name) ?? null,
      workers: laneWorkers,
      nextRecurrenceAt: nextRecurrence.get(name) ?? null,
      spentTodayUsd: spentToday.get(name) ?? 0,
      spent7dUsd: spent7d.get(name) ?? 0,
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
