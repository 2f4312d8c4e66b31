import { z } from 'zod';
import { laneKindSchema, skipReasonSchema, SKIP_REASONS } from './domain';

/** What the dispatcher, the supervisor and the lane view report (docs/architecture.md §3, §4, §7). */

export const workerStatusSchema = z.object({
  taskId: z.string(),
  runId: z.number().int(),
  lane: z.string(),
  pid: z.number().int(),
  startedAt: z.number(),
  /** True when this process started the worker; false when it was adopted after a restart. */
  ownChild: z.boolean(),
  lastOutputLine: z.string().nullable(),
  lastOutputAt: z.number().nullable(),
  outputBytes: z.number(),
  stopping: z.boolean(),
});
export type WorkerStatus = z.infer<typeof workerStatusSchema>;

const skippedCountsShape = Object.fromEntries(
  SKIP_REASONS.map((reason) => [reason, z.number().int()]),
) as Record<(typeof SKIP_REASONS)[number], z.ZodNumber>;
export const skippedCountsSchema = z.object(skippedCountsShape);
export type SkippedCounts = z.infer<typeof skippedCountsSchema>;

export const emptySkippedCounts = (): SkippedCounts =>
  Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as SkippedCounts;

/** The typed outcome of one tick (docs/architecture.md §4): task ids per bucket, so callers can print or count them. */
export const dispatchResultSchema = z.object({
  dryRun: z.boolean(),
  startedAt: z.number(),
  durationMs: z.number(),
  spawned: z.array(
    z.object({
      taskId: z.string(),
      runId: z.number().int(),
      lane: z.string(),
      pid: z.number().int().nullable(),
    }),
  ),
  skipped: z.array(z.object({ taskId: z.string(), reason: skipReasonSchema, detail: z.string().nullable() })),
  skippedCounts: skippedCountsSchema,
  /** Tasks whose persisted skip reason or detail changed in this tick (they are written only then). */
  skipChanged: z.array(z.string()),
  completed: z.array(z.string()),
  crashed: z.array(z.object({ taskId: z.string(), error: z.string() })),
  timedOut: z.array(z.string()),
  /** Runs whose worker ended unwatched without an exit status: back to ready, no failure counted. */
  lost: z.array(z.string()),
  spawnFailed: z.array(z.object({ taskId: z.string(), error: z.string() })),
  reclaimed: z.array(z.string()),
  promoted: z.array(z.string()),
  gaveUp: z.array(z.string()),
  /** docs/architecture.md §10: exited with a retry exit code (rate limited): back to ready, no failure counted. */
  rateLimited: z.array(z.string()),
  stuck: z.boolean(),
});
export type DispatchResult = z.infer<typeof dispatchResultSchema>;

/** A tick's outcome before anything happened: the dispatcher fills it in, the in-memory API returns it. */
export function emptyDispatchResult(dryRun: boolean, startedAt: number): DispatchResult {
  return {
    dryRun,
    startedAt,
    durationMs: 0,
    spawned: [],
    skipped: [],
    skippedCounts: emptySkippedCounts(),
    skipChanged: [],
    completed: [],
    crashed: [],
    timedOut: [],
    lost: [],
    spawnFailed: [],
    reclaimed: [],
    promoted: [],
    gaveUp: [],
    rateLimited: [],
    stuck: false,
  };
}

export const laneStatusSchema = z.object({
  name: z.string(),
  kind: laneKindSchema,
  /** Why a profile is broken, or the hint for an undeclared terminal lane. */
  problem: z.string().nullable(),
  declared: z.boolean(),
  /** lanes.json's description of the lane, else its profile's (shown in the lane view). */
  description: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  completion: z.enum(['exit-code', 'report']).nullable(),
  paused: z.boolean(),
  maxConcurrent: z.number().int(),
  /** This board's running tasks of the lane: a terminal's claim counts, though it uses no worker slot. */
  running: z.number().int(),
  /**
   * The lane's worker slots in use in all boards, what maxConcurrent is of (the dispatcher's own
   * count, workerSlotsInUse): running tasks a dispatcher claimed.
   */
  workerSlotsInUse: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  queuedBySkipReason: z.record(z.string(), z.number().int()),
  failures: z.number().int(),
  lastError: z.string().nullable(),
  workers: z.array(workerStatusSchema),
  /** Issue 16: when the lane's next recurring task is due (ms), or null/absent when it has none. */
  nextRecurrenceAt: z.number().nullable().optional(),
  /** docs/architecture.md §10: ready tasks wait for approval before they are spawned. */
  requireApproval: z.boolean(),
  /** docs/architecture.md §10: the lane's daily budget in US dollars (null: none) and what its runs cost. */
  budgetUsdPerDay: z.number().nullable(),
  spentTodayUsd: z.number(),
  spent7dUsd: z.number(),
});
export type LaneStatus = z.infer<typeof laneStatusSchema>;

export const dispatcherStateSchema = z.object({
  /** Persisted on/off switch (tray checkbox). */
  enabled: z.boolean(),
  /** Whether this process holds the lease and ticks. */
  active: z.boolean(),
  leaseHolder: z.string().nullable(),
  stuck: z.boolean(),
  running: z.number().int(),
  ready: z.number().int(),
  /**
   * Worker slots in use in all boards, what the global limit (globalMaxConcurrent) is of: running
   * tasks a dispatcher claimed. `running` counts terminals' claims too, which use no slot.
   */
  workerSlotsInUse: z.number().int(),
  globalMaxConcurrent: z.number().int(),
  lastTickAt: z.number().nullable(),
  workers: z.array(workerStatusSchema),
  /**
   * The database failed under the running engine (damaged, unreadable): dispatching stopped and
   * nothing more is written to it; workers keep running and writing their logs. What to do, in one
   * line; null while all is well (issue 18).
   */
  fault: z.string().nullable(),
  /** docs/architecture.md §10: lanes whose daily budget is spent (as of the last tick), with the skip's figures. */
  budgetExhausted: z.array(z.object({ lane: z.string(), detail: z.string() })),
  /**
   * Who dispatches this database now: this process (`here`), another process that holds the lease
   * (`elsewhere`, named by leaseHolder), or nobody (`nowhere`: this process runs without a
   * dispatcher — `switchyard serve --no-dispatch` — and no other holds the lease). The switch
   * (`enabled`) is only the stored wish; describeDispatcher says what actually happens.
   */
  dispatching: z.enum(['here', 'elsewhere', 'nowhere']),
});
export type DispatcherState = z.infer<typeof dispatcherStateSchema>;

export interface DispatcherSummary {
  /** Tasks are being started: the switch is on and a dispatcher runs (here or elsewhere). */
  on: boolean;
  /** The switch can change that from here (not when no dispatcher runs at all). */
  switchable: boolean;
  label: string;
  /** Why, in a sentence (a tooltip); null when the label says it all. */
  detail: string | null;
}

/**
 * Whether dispatching actually happens, in words: the one reading of DispatcherState for the
 * toolbar, the tray and the drop hint (the stored switch alone says "on" under `serve
 * --no-dispatch`, where nothing is ever started).
 */
export function describeDispatcher(
  state: Pick<DispatcherState, 'enabled' | 'dispatching' | 'leaseHolder' | 'fault'>,
): DispatcherSummary {
  if (state.fault)
    return {
      on: false,
      switchable: false,
      label: 'Dispatcher off',
      detail: 'database damaged — dispatching stopped',
    };
  if (state.dispatching === 'nowhere') {
    return {
      on: false,
      switchable: false,
      label: 'Dispatcher off — this server runs with --no-dispatch',
      detail: `No dispatcher runs for this board, so no task is started (the stored switch is ${state.enabled ? 'on' : 'off'}). Run \`switchyard dispatch --watch\`, or serve without --no-dispatch.`,
    };
  }
  if (!state.enabled) return { on: false, switchable: true, label: 'Dispatcher off', detail: null };
  if (state.dispatching === 'elsewhere') {
    return {
      on: true,
      switchable: true,
      label: 'Dispatcher on (elsewhere)',
      detail: `another dispatcher holds the lease: ${state.leaseHolder ?? 'unknown'}`,
    };
  }
  return { on: true, switchable: true, label: 'Dispatcher on', detail: null };
}
