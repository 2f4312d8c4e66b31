import { emptySkippedCounts, type DispatchResult } from '../../shared/dispatch';
import type { SkipReason, Task } from '../../shared/domain';
import { promoteTasks } from './commands';
import { commentsOf } from './comments';
import { runInWriteTransaction, type Db } from './db/open';
import { appendEvent } from './events';
import type { HomePaths } from './home';
import { laneOverrides } from './laneSettings';
import type { LaneResolution } from './lanes';
import { parentsOf } from './links';
import { dispatcherEnabled } from './meta';
import {
  recordFailure,
  recordStopped,
  recordSuccess,
  reclaimExpiredClaims,
  type FailurePolicy,
} from './outcomes';
import { expandCommand, type Profile } from './profiles';
import { buildPrompt, type PromptCaps } from './prompt';
import * as runs from './runs';
import type { Supervisor, WorkerExit } from './supervisor';
import * as tasks from './tasks';
import { prepareWorkspace } from './workspace';
import path from 'node:path';

/**
 * The dispatcher tick (SPEC §4), in the spec's order: reap, outcomes, timeouts, reclaims,
 * promotions, then a walk over ready tasks that either gives each a typed skip reason or claims
 * and spawns it, and finally the health check. Terminal lanes are never claimed or spawned.
 */

export interface DispatcherConfig extends FailurePolicy {
  globalMaxConcurrent: number;
  stuckTicks: number;
  stuckLogIntervalMs: number;
  promptCaps: PromptCaps;
}

export interface LaneSource {
  resolve(name: string): LaneResolution;
  declaredLanes(): { name: string; paused: boolean; maxConcurrent: number | null }[];
}

export interface DispatcherDeps {
  db: Db;
  paths: HomePaths;
  lanes: LaneSource;
  supervisor: Supervisor;
  config: () => DispatcherConfig;
  /** Extra environment for workers: PATH with the `switchyard` shim, etc. */
  workerEnv: () => Record<string, string>;
  /** Claim owner written on tasks this dispatcher runs; identifies its workers after a restart. */
  owner: string;
  now?: () => number;
  log?: (line: string) => void;
}

export const DISPATCHER_CLAIM_PREFIX = 'dispatcher:';

interface ReadyRow {
  id: string;
  board: string;
  assignee: string | null;
  next_attempt_at: number | null;
  skip_reason: SkipReason | null;
  skip_detail: string | null;
}

interface LaneRuntime {
  resolution: LaneResolution;
  paused: boolean;
  maxConcurrent: number;
  running: number;
}

export const TERMINAL_LANE_DETAIL = 'terminal lane — waiting for `switchyard claim`';

function emptyResult(dryRun: boolean, startedAt: number): DispatchResult {
  return {
    dryRun,
    startedAt,
    durationMs: 0,
    spawned: [],
    skipped: [],
    skippedCounts: emptySkippedCounts(),
    completed: [],
    crashed: [],
    timedOut: [],
    spawnFailed: [],
    reclaimed: [],
    promoted: [],
    gaveUp: [],
    stuck: false,
  };
}

export class Dispatcher {
  private ticksWithoutSpawn = 0;
  private stuck = false;
  private lastStuckLogAt = 0;
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
  }

  isStuck(): boolean {
    return this.stuck;
  }

  /**
   * `dryRun` changes nothing; `spawn: false` settles what happened (reap, outcomes, reclaims,
   * promotions) without starting anything new.
   */
  tick(options: { dryRun?: boolean; spawn?: boolean } = {}): DispatchResult {
    const dryRun = options.dryRun ?? false;
    const startedAt = this.now();
    const result = emptyResult(dryRun, startedAt);
    if (!dryRun) {
      this.reapExits(this.deps.supervisor.drainExits(), result);
      this.stopWorkersWhoseRunEnded();
      result.reclaimed.push(...reclaimExpiredClaims(this.deps.db, this.now()));
      result.promoted.push(
        ...runInWriteTransaction(this.deps.db, () => promoteTasks(this.deps.db, undefined, this.now())),
      );
    }
    if (options.spawn === false) return result;
    const spawnable = this.walkReadyTasks(dryRun, result);
    if (!dryRun) this.checkHealth(spawnable, result);
    else result.stuck = this.stuck;
    result.durationMs = this.now() - startedAt;
    return result;
  }

  // Steps 1–3 -----------------------------------------------------------------------------------

  private reapExits(exits: readonly WorkerExit[], result: DispatchResult): void {
    const { db } = this.deps;
    for (const exit of exits) {
      runInWriteTransaction(db, () => {
        const now = this.now();
        const run = runs.findRun(db, exit.runId);
        const task = tasks.findTask(db, exit.taskId);
        if (!run || !task) return;
        if (run.endedAt !== null) {
          // Already settled (the worker reported, or a person moved the task): keep the exit code.
          db.prepare(
            'UPDATE runs SET exit_code = coalesce(exit_code, ?), signal = coalesce(signal, ?) WHERE id = ?',
          ).run(exit.exitCode, exit.signal, run.id);
          return;
        }
        const completion = this.completionOf(task);
        if (exit.stopRequested && !exit.timedOut) {
          recordStopped(db, task, run.id, now);
          return;
        }
        if (!exit.timedOut && exit.exitCode === 0 && completion === 'exit-code') {
          if (recordSuccess(db, task, run.id, null, 0, now)) result.completed.push(task.id);
          return;
        }
        const kind = exit.timedOut ? 'timed_out' : 'crashed';
        const error = describeExit(exit, completion);
        const verdict = recordFailure(
          db,
          task,
          run.id,
          { kind, error, exitCode: exit.exitCode, signal: exit.signal },
          this.deps.config(),
          now,
        );
        if (!verdict) return;
        if (kind === 'timed_out') result.timedOut.push(task.id);
        else result.crashed.push({ taskId: task.id, error });
        if (verdict.gaveUp) result.gaveUp.push(task.id);
      });
    }
  }

  private completionOf(task: Task): 'exit-code' | 'report' {
    const resolution = task.assignee ? this.deps.lanes.resolve(task.assignee) : undefined;
    return resolution?.kind === 'profile' ? resolution.profile.completion : 'exit-code';
  }

  /** A run closed by someone else (a person moved the task, `switchyard complete`) ends its worker. */
  private stopWorkersWhoseRunEnded(): void {
    const live = this.deps.supervisor.workers();
    if (live.length === 0) return;
    const openIds = new Set(
      (
        this.deps.db
          .prepare('SELECT id FROM runs WHERE ended_at IS NULL AND id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(live.map((worker) => worker.runId))) as { id: number }[]
      ).map((row) => row.id),
    );
    for (const worker of live) {
      if (!openIds.has(worker.runId) && !worker.stopping)
        void this.deps.supervisor.stop(worker.runId, 'run closed');
    }
  }

  // Step 6 --------------------------------------------------------------------------------------

  /** Lane facts for this tick, resolved once per lane name (never per task). */
  private laneTable(): (name: string) => LaneRuntime {
    const { db, lanes } = this.deps;
    const runtimes = new Map<string, LaneRuntime>();
    const overrides = laneOverrides(db);
    const declared = new Map(lanes.declaredLanes().map((lane) => [lane.name, lane]));
    const runningByLane = new Map(
      (
        db
          .prepare(
            "SELECT assignee, count(*) AS n FROM tasks WHERE status = 'running' AND claim_owner LIKE 'dispatcher:%' GROUP BY assignee",
          )
          .all() as { assignee: string | null; n: number }[]
      ).map((row) => [row.assignee ?? '', row.n]),
    );
    const laneOf = (name: string): LaneRuntime => {
      let runtime = runtimes.get(name);
      if (!runtime) {
        const resolution = lanes.resolve(name);
        const override = overrides.get(name);
        const declaration = declared.get(name);
        const profileLimit = resolution.kind === 'profile' ? resolution.profile.maxConcurrent : 1;
        runtime = {
          resolution,
          paused: override?.paused ?? declaration?.paused ?? false,
          maxConcurrent: override?.maxConcurrent ?? declaration?.maxConcurrent ?? profileLimit,
          running: runningByLane.get(name) ?? 0,
        };
        runtimes.set(name, runtime);
      }
      return runtime;
    };
    return laneOf;
  }

  /** Returns how many tasks could have been spawned now (for the stuck check). */
  private walkReadyTasks(dryRun: boolean, result: DispatchResult): number {
    const { db } = this.deps;
    const config = this.deps.config();
    const now = this.now();
    const ready = db
      .prepare(
        `SELECT id, board, assignee, next_attempt_at, skip_reason, skip_detail FROM tasks
         WHERE status = 'ready' AND claim_owner IS NULL ORDER BY priority DESC, created_at, id`,
      )
      .all() as ReadyRow[];
    const laneOf = this.laneTable();
    const enabled = dispatcherEnabled(db);
    let globalRunning = (
      db
        .prepare(
          "SELECT count(*) AS n FROM tasks WHERE status = 'running' AND claim_owner LIKE 'dispatcher:%'",
        )
        .get() as { n: number }
    ).n;
    let spawnable = 0;
    const skipChanges: { id: string; reason: SkipReason | null; detail: string | null }[] = [];

    for (const row of ready) {
      const skip = this.skipReasonOf(row, laneOf, {
        enabled,
        globalRunning,
        now,
        globalMax: config.globalMaxConcurrent,
      });
      if (skip) {
        result.skipped.push({ taskId: row.id, reason: skip.reason, detail: skip.detail });
        result.skippedCounts[skip.reason] += 1;
        if (row.skip_reason !== skip.reason || row.skip_detail !== skip.detail)
          skipChanges.push({ id: row.id, ...skip });
        continue;
      }
      spawnable += 1;
      const lane = laneOf(row.assignee as string);
      if (dryRun) {
        result.spawned.push({ taskId: row.id, runId: 0, lane: row.assignee as string, pid: null });
        lane.running += 1;
        globalRunning += 1;
        continue;
      }
      if (this.claimAndSpawn(row, lane, result)) {
        lane.running += 1;
        globalRunning += 1;
      }
    }
    // SPEC §4.6: skip reasons are stored only when they change — no write per task per tick.
    if (!dryRun && skipChanges.length > 0) {
      runInWriteTransaction(db, () => {
        const update = db.prepare(
          "UPDATE tasks SET skip_reason = ?, skip_detail = ? WHERE id = ? AND status = 'ready' AND claim_owner IS NULL",
        );
        for (const change of skipChanges) update.run(change.reason, change.detail, change.id);
      });
    }
    return spawnable;
  }

  private skipReasonOf(
    row: ReadyRow,
    laneOf: (name: string) => LaneRuntime,
    state: { enabled: boolean; globalRunning: number; now: number; globalMax: number },
  ): { reason: SkipReason; detail: string | null } | null {
    if (!row.assignee)
      return { reason: 'unassigned', detail: 'no lane — assign it to a profile or a terminal lane' };
    const lane = laneOf(row.assignee);
    const { resolution } = lane;
    if (resolution.kind === 'terminal') {
      return {
        reason: 'terminal_lane',
        detail: resolution.hint ? `${TERMINAL_LANE_DETAIL} (${resolution.hint})` : TERMINAL_LANE_DETAIL,
      };
    }
    if (resolution.kind === 'profile_broken') {
      return { reason: 'profile_broken', detail: `profile \`${resolution.name}\`: ${resolution.problem}` };
    }
    if (!state.enabled) return { reason: 'dispatcher_paused', detail: 'the dispatcher is switched off' };
    if (lane.paused) return { reason: 'lane_paused', detail: `lane ${row.assignee} is paused` };
    if (row.next_attempt_at !== null && row.next_attempt_at > state.now) {
      return { reason: 'backoff', detail: `backoff until ${new Date(row.next_attempt_at).toISOString()}` };
    }
    if (lane.running >= lane.maxConcurrent) {
      return {
        reason: 'lane_at_capacity',
        detail: `lane at capacity ${lane.maxConcurrent}/${lane.maxConcurrent}`,
      };
    }
    if (state.globalRunning >= state.globalMax) {
      return { reason: 'global_at_capacity', detail: `global limit ${state.globalMax}/${state.globalMax}` };
    }
    return null;
  }

  /** Claims the task (compare-and-swap), creates its run, prepares the workspace and spawns. */
  private claimAndSpawn(row: ReadyRow, lane: LaneRuntime, result: DispatchResult): boolean {
    const { db, paths, supervisor } = this.deps;
    if (lane.resolution.kind !== 'profile') return false;
    const profile = lane.resolution.profile;
    const laneName = row.assignee as string;
    const claimed = runInWriteTransaction(db, () => {
      const now = this.now();
      if (
        !tasks.claimReadyTask(db, row.id, {
          owner: `${DISPATCHER_CLAIM_PREFIX}${this.deps.owner}`,
          expiresAt: null,
          now,
        })
      )
        return null;
      const logPath = path.join(paths.logs, row.id, 'pending.log');
      const runId = runs.insertRun(db, { taskId: row.id, lane: laneName, logPath, now });
      const finalLog = path.join(paths.logs, row.id, `${runId}.log`);
      db.prepare('UPDATE runs SET log_path = ? WHERE id = ?').run(finalLog, runId);
      tasks.updateTask(db, row.id, { currentRunId: runId }, now);
      appendEvent(
        db,
        {
          taskId: row.id,
          board: row.board,
          runId,
          kind: 'claimed',
          payload: { by: this.deps.owner, lane: laneName },
        },
        now,
      );
      return { runId, logPath: finalLog, task: tasks.findTask(db, row.id) as Task };
    });
    if (!claimed) return false; // Someone else (a terminal, another tick) won the race.
    const { runId, logPath, task } = claimed;
    let outcome: ReturnType<Supervisor['spawn']>;
    let workspace = '';
    try {
      workspace = prepareWorkspace(paths, task.id, task.workspace);
      const argv = expandCommand(profile, {
        taskId: task.id,
        prompt: this.promptFor(task, profile),
        workspace,
        home: paths.home,
      });
      outcome = supervisor.spawn({
        runId,
        taskId: task.id,
        lane: laneName,
        argv,
        cwd: workspace,
        env: this.envFor(task, runId, workspace, profile),
        logPath,
        maxRuntimeMs:
          (task.maxRuntimeSeconds ?? profile.maxRuntimeSeconds ?? null) === null
            ? null
            : (task.maxRuntimeSeconds ?? (profile.maxRuntimeSeconds as number)) * 1000,
      });
    } catch (error) {
      outcome = { ok: false, error: (error as Error).message };
    }
    runInWriteTransaction(db, () => {
      const now = this.now();
      if (outcome.ok) {
        runs.recordRunProcess(db, runId, outcome.pid, outcome.pidStartTime);
        appendEvent(
          db,
          {
            taskId: task.id,
            board: task.board,
            runId,
            kind: 'spawned',
            payload: { pid: outcome.pid, lane: laneName },
          },
          now,
        );
        result.spawned.push({ taskId: task.id, runId, lane: laneName, pid: outcome.pid });
        return;
      }
      const current = tasks.findTask(db, task.id) as Task;
      const verdict = recordFailure(
        db,
        current,
        runId,
        { kind: 'spawn_failed', error: outcome.error },
        this.deps.config(),
        now,
      );
      result.spawnFailed.push({ taskId: task.id, error: outcome.error });
      if (verdict?.gaveUp) result.gaveUp.push(task.id);
    });
    return outcome.ok;
  }

  private promptFor(task: Task, profile: Profile): string {
    const { db } = this.deps;
    return buildPrompt(
      {
        task,
        parents: parentsOf(db, task.id),
        priorRuns: runs.runsOf(db, task.id),
        comments: commentsOf(db, task.id, 20),
        completion: profile.completion,
      },
      this.deps.config().promptCaps,
    );
  }

  private envFor(task: Task, runId: number, workspace: string, profile: Profile): Record<string, string> {
    const base = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    // An Electron parent must not make workers (or the CLI they call) run as Node by accident.
    delete base.ELECTRON_RUN_AS_NODE;
    return {
      ...base,
      ...this.deps.workerEnv(),
      ...profile.env,
      SWITCHYARD_HOME: this.deps.paths.home,
      SWITCHYARD_TASK: task.id,
      SWITCHYARD_RUN: String(runId),
      SWITCHYARD_BOARD: task.board,
      SWITCHYARD_WORKSPACE: workspace,
    };
  }

  // Step 7 --------------------------------------------------------------------------------------

  /**
   * SPEC §4.7: stuck means work that could be spawned now sat there for N ticks with nothing
   * spawned. Terminal lanes, paused lanes, backoff and full capacity are skip reasons, so they
   * never reach `spawnable` and never count.
   */
  private checkHealth(spawnable: number, result: DispatchResult): void {
    if (spawnable > 0 && result.spawned.length === 0) this.ticksWithoutSpawn += 1;
    else this.ticksWithoutSpawn = 0;
    const config = this.deps.config();
    this.stuck = this.ticksWithoutSpawn >= config.stuckTicks;
    result.stuck = this.stuck;
    const now = this.now();
    if (this.stuck && now - this.lastStuckLogAt >= config.stuckLogIntervalMs) {
      this.lastStuckLogAt = now;
      this.deps.log?.(
        `dispatcher stuck: ${spawnable} spawnable task(s) waited ${this.ticksWithoutSpawn} ticks with nothing spawned`,
      );
    }
  }
}

function describeExit(exit: WorkerExit, completion: 'exit-code' | 'report'): string {
  const tail = exit.lastOutputLine ? `: ${exit.lastOutputLine}` : '';
  if (exit.timedOut) return `timed out and was killed${tail}`;
  if (exit.adopted && exit.exitCode === null)
    return `worker exited while adopted (exit code unknown) without reporting${tail}`;
  if (exit.signal) return `killed by ${exit.signal}${tail}`;
  if (exit.exitCode === 0 && completion === 'report')
    return 'exited 0 without reporting `switchyard complete`';
  return `exited with code ${exit.exitCode ?? '?'}${tail}`;
}
