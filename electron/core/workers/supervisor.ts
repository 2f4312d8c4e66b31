import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { WorkerStatus } from '../../../shared/dispatch';
import type { RunUsage, TranscriptFormat } from '../../../shared/transcript';
import type { FollowedLog } from './followedLog';
import { followLog } from './structuredLogs';
import {
  isProcessAlive,
  liveDescendantsOf,
  liveProcessGroupMembers,
  processGroupExists,
  processStartTime,
  procfsAvailable,
  readCommandLine,
  readProcStat,
  type ProcStat,
} from '../procfs';
import { Spawner, type SpawnerOptions } from './spawner';
import type { ChildRunner } from './offLoopExecFile';
import { findProgram, type ProgramLookup } from '../config/programLookup';
import { openForAppend, UnsafePathError } from '../ownedFiles';
import {
  exitStatusPathOf,
  findLogWriterProgram,
  findWaiterShell,
  readExitStatus,
  readExitStatusNow,
  recordedWaiter,
  waiterArgv,
  waiterUsesLogWriter,
} from './exitStatus';
import { chunkPrefixOf, settleChunks } from './logRotation';
import {
  autogroupsEnabled,
  autogroupNiceOf,
  findNiceProgram,
  launchPriority,
  lowerAutogroup,
  lowPriorityValue,
  type WorkerPriority,
} from './priority';

export { LOW_PRIORITY_NICE_INCREMENT, autogroupNiceOf, type WorkerPriority } from './priority';

/**
 * The worker supervisor (docs/architecture.md §5 and "Processes"): starts agent processes, follows their
 * logs, enforces their max runtime, stops them, adopts the ones an earlier app left running, and
 * records how each one ended. It knows nothing about tasks' statuses or the database: the dispatcher
 * calls it and drains its exits in the "reap" step of each tick (docs/architecture.md §4.1).
 */

export interface SpawnRequest {
  runId: number;
  taskId: string;
  lane: string;
  /** argv[0] is the program; never run through a shell (docs/architecture.md §5: task text never reaches a shell). */
  argv: string[];
  cwd: string;
  /** The child's complete environment (the dispatcher builds it). */
  env: Record<string, string>;
  /** `<home>/logs/<task-id>/<run-id>.log`; parent folders are created. */
  logPath: string;
  maxRuntimeMs: number | null;
  /** docs/architecture.md §10: the agent's structured output, parsed from its log as it is written. */
  output?: TranscriptFormat | null;
}

/** `permanent`: retrying cannot help (a planted link where the log goes): block the task. */
export type SpawnOutcome =
  { ok: true; pid: number; pidStartTime: string | null } | { ok: false; error: string; permanent?: boolean };

export interface WorkerExit {
  runId: number;
  taskId: string;
  lane: string;
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  /** We killed it because it ran past maxRuntimeMs (docs/architecture.md §4.3). */
  timedOut: boolean;
  /** We killed it because stop() was called. */
  stopRequested: boolean;
  /** The reason given to the first stop() call, if any. */
  stopReason: string | null;
  /**
   * Not our child: adopted after a restart, or already gone when this app started. Its exit code and
   * signal are what its waiter recorded (exitStatus.ts); both null when it recorded nothing, i.e. the
   * outcome is unknown (see exitStatusKnown).
   */
  adopted: boolean;
  endedAt: number;
  lastOutputLine: string | null;
  /** docs/architecture.md §10: what a structured agent reported (tokens, cost, session, last message). */
  usage?: RunUsage | null;
}

/** False only for a worker that left no trace of how it ended (its waiter died with it, or none ran). */
export function exitStatusKnown(exit: Pick<WorkerExit, 'exitCode' | 'signal'>): boolean {
  return exit.exitCode !== null || exit.signal !== null;
}

export interface AdoptRequest {
  runId: number;
  taskId: string;
  lane: string;
  pid: number;
  pidStartTime: string | null;
  logPath: string | null;
  startedAt: number;
  maxRuntimeMs: number | null;
  /**
   * docs/architecture.md §10: its lane's structured output, so its totals are read again from the
   * log (from the top: the whole run so far) and recorded when it ends.
   */
  output?: TranscriptFormat | null;
}

export interface SupervisorOptions {
  /** Between SIGTERM and SIGKILL [10 s]. */
  killGraceMs: number;
  /** Rotate a worker's log when it reaches this size [2 MiB]. */
  logRotateBytes: number;
  /** Rotated copies kept next to the log (`.1` newest … `.N` oldest) [5]. */
  logKeepFiles?: number;
  /** At most one onOutput call per worker per this many ms [100 → ≤ 10 updates/s]. */
  outputThrottleMs?: number;
  /** How often an adopted worker (not our child: no exit event) is checked for life [500]. */
  adoptedPollMs?: number;
  now?: () => number;
  /** Problems that are not any caller's fault to handle (a listener threw, a log is unreadable). */
  onError?: (error: Error) => void;
  /** CPU priority of new workers (settings.json dispatcher.workerPriority), asked at each spawn ["low"]. */
  workerPriority?: () => WorkerPriority;
  /** The `nice` program low-priority workers are started through; null: lower it after the spawn. */
  niceProgram?: string | null;
  /**
   * Lowers a worker's Linux autogroup to the given nice (tests replace it to see the EAGAIN
   * retries); null: none (no autogroups).
   */
  lowerAutogroup?: ((pid: number, nice: number) => 'done' | 'retry') | null;
  /**
   * The app's own autogroup nice, read at each low spawn [/proc/self/autogroup]; null: no
   * autogroups. Tests give one so the retries are covered where the machine has none (CI).
   */
  ownAutogroupNice?: () => number | null;
  /** The POSIX shell that runs each worker's waiter (exitStatus.ts); null: workers run without one. */
  waiterShell?: string | null;
  /**
   * `split`, which the waiter runs as the worker's log writer so logs rotate by switching files
   * (issue 18, logRotation.ts); null: the worker writes its log itself (copy-truncate rotation).
   */
  logWriter?: string | null;
  /**
   * Workers' logs are followed in the log thread (structuredLogs.ts), which runs at low priority
   * [true]; false: in this thread.
   */
  logThread?: boolean;
  /**
   * Start workers through a spawner process (spawner.ts) in spawnOffTheLoop: a long-lived engine
   * (app, `serve`, `dispatch --watch`). Absent or null: every start is spawn(), in this process.
   */
  spawner?: Pick<SpawnerOptions, 'answerTimeoutMs' | 'bootTimeoutMs' | 'execPath' | 'standby'> | null;
}

/** A worker of an earlier app that is no longer alive: its run is settled from what its waiter left. */
export interface GoneWorker {
  runId: number;
  taskId: string;
  lane: string;
  pid: number | null;
  logPath: string | null;
}

/**
 * Linux puts every session in its own scheduling "autogroup" (sched(7)); a low worker's is lowered
 * (priority.ts says why and how far). Unprivileged callers may do that once per 100 ms
 * system-wide (EAGAIN otherwise): what the waiter could not do itself is retried every
 * AUTOGROUP_RETRY_MS.
 */
const AUTOGROUP_RETRY_MS = 110;
const AUTOGROUP_MAX_ATTEMPTS = 600;

let autogroupsFound: boolean | undefined;
let niceProgramFound: string | null | undefined;
const defaultNiceProgram = (): string | null => (niceProgramFound ??= findNiceProgram());
let waiterShellFound: string | null | undefined;
const defaultWaiterShell = (): string | null => (waiterShellFound ??= findWaiterShell());
let logWriterFound: string | null | undefined;
const defaultLogWriter = (): string | null => (logWriterFound ??= findLogWriterProgram());
/** A worker whose start failed in the spawner is looked for again after this (its waiter may be slow). */
const STRAY_WORKER_RECHECK_MS = 2_000;
/** After a worker's leader ended, how long its log writer may take to write out what is left. */
const LOG_WRITER_DRAIN_MS = 2_000;
const LOG_WRITER_POLL_MS = 10;

const DEFAULT_LOG_KEEP_FILES = 5;
const DEFAULT_OUTPUT_THROTTLE_MS = 100;
const DEFAULT_ADOPTED_POLL_MS = 500;
/** How often a stopping worker's leftovers (adopted leader, group members) are checked. */
const STOPPING_POLL_MS = 50;
/** After SIGKILL the kernel needs a moment; give up waiting (and say so) after this. */
const AFTER_KILL_WAIT_MS = 5_000;
/** setTimeout overflows above 2^31 - 1 ms (~24.8 days) and would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type StopKind = 'stop' | 'timeout';

/** What to run for a request (launchArgv). */
interface Launch {
  argv: string[];
  low: boolean;
  lowerAfterSpawn: boolean;
  /** The autogroup nice its session gets (the waiter sets it; checked after the spawn), or null. */
  autogroupNice: number | null;
  exitStatusPath: string | null;
}

/** A start sent to the spawner, not answered yet (spawnOffTheLoop). */
interface StartingWorker {
  /** A stop asked for before the pid came (undefined: none); applied once the worker exists. */
  stopReason: string | null | undefined;
  started: Promise<TrackedWorker | null>;
}

/** docs/architecture.md §10: a structured agent's last message, not its raw last line (a JSON event). */
function lastLineOf(worker: TrackedWorker): string | null {
  return worker.log?.lastLine ?? null;
}

interface TrackedWorker {
  readonly runId: number;
  readonly taskId: string;
  readonly lane: string;
  readonly pid: number;
  readonly pidStartTime: string | null;
  readonly startedAt: number;
  readonly maxRuntimeMs: number | null;
  /** Our child when started in this process (spawn()); null when started by the spawner or adopted. */
  readonly child: ChildProcess | null;
  /** Started by this supervisor (in process or by the spawner), not adopted from an earlier app. */
  readonly ownStart: boolean;
  /**
   * An exit event will come (our child, or the spawner's while it lives); otherwise its life is
   * polled in /proc. Either way its waiter may have left a status.
   */
  exitEvents: boolean;
  /** Where its waiter records how the agent ended; null when it runs without one. */
  readonly exitStatusPath: string | null;
  /** Its output goes through the waiter's log writer (issue 18): logs rotate by switching files. */
  readonly chunked: boolean;
  /** Its log, followed for the card's line and (structured runs, docs/architecture.md §10) the totals. */
  log: FollowedLog | null;
  readonly finished: Promise<void>;
  readonly markFinished: () => void;
  stopping: boolean;
  stopRequested: boolean;
  stopReason: string | null;
  timedOut: boolean;
  /** The process is gone; its exit is being recorded. */
  exited: boolean;
  /** detachAll() forgot it: report nothing more about it. */
  forgotten: boolean;
  killDeadline: number | null;
  /**
   * Issue 18: every descendant seen while stopping (pid → /proc start time), including those that
   * left the group with setsid; each is signalled with the group and waited for like its members.
   */
  readonly descendants: Map<number, string>;
  /** The last signal sent while stopping: descendants found later get it too. */
  lastSignal: NodeJS.Signals | null;
  runtimeTimer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  livenessTimer: NodeJS.Timeout | null;
  outputTrailingTimer: NodeJS.Timeout | null;
  lastOutputEmitAt: number;
}

export class Supervisor {
  private readonly workersByRun = new Map<number, TrackedWorker>();
  private pendingExits: WorkerExit[] = [];
  private readonly exitListeners = new Set<(exit: WorkerExit) => void>();
  private readonly outputListeners = new Set<(status: WorkerStatus) => void>();
  private readonly now: () => number;
  private readonly keepFiles: number;
  private readonly outputThrottleMs: number;
  private readonly adoptedPollMs: number;
  private readonly reportError: (error: Error) => void;
  private readonly workerPriority: () => WorkerPriority;
  private readonly niceProgram: string | null;
  private readonly lowerAutogroup: ((pid: number, nice: number) => 'done' | 'retry') | null;
  private readonly ownAutogroupNice: () => number | null;
  /** Runs started low → their autogroup nice (they weigh together, priority.ts); pruned as they end. */
  private readonly lowRuns = new Map<number, number | null>();
  private readonly waiterShell: string | null;
  private readonly logWriter: string | null;
  /** Low workers whose autogroup could not be lowered yet (EAGAIN), with the attempts made. */
  private readonly autogroupPending = new Map<TrackedWorker, { nice: number; attempts: number }>();
  private autogroupTimer: NodeJS.Timeout | null = null;
  private readonly spawner: Spawner | null;
  private readonly starting = new Map<number, StartingWorker>();

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
    this.keepFiles = options.logKeepFiles ?? DEFAULT_LOG_KEEP_FILES;
    this.outputThrottleMs = options.outputThrottleMs ?? DEFAULT_OUTPUT_THROTTLE_MS;
    this.adoptedPollMs = options.adoptedPollMs ?? DEFAULT_ADOPTED_POLL_MS;
    this.reportError =
      options.onError ?? ((error) => console.error(`switchyard supervisor: ${error.message}`));
    this.workerPriority = options.workerPriority ?? (() => 'low');
    this.niceProgram = options.niceProgram === undefined ? defaultNiceProgram() : options.niceProgram;
    this.waiterShell = options.waiterShell === undefined ? defaultWaiterShell() : options.waiterShell;
    this.logWriter =
      this.waiterShell && options.logRotateBytes > 0
        ? options.logWriter === undefined
          ? defaultLogWriter()
          : options.logWriter
        : null;
    this.spawner = options.spawner ? new Spawner(options.spawner) : null;
    const autogroups = process.platform === 'linux' && (autogroupsFound ??= autogroupsEnabled());
    this.lowerAutogroup =
      options.lowerAutogroup !== undefined
        ? options.lowerAutogroup
        : autogroups
          ? (pid, nice) => lowerAutogroup(pid, nice, this.reportError)
          : null;
    this.ownAutogroupNice = options.ownAutogroupNice ?? (() => autogroupNiceOf('self'));
  }

  /**
   * Starts a worker in its own process group with stdin closed and stdout+stderr appended to its log
   * (docs/architecture.md §5), from this process: the event loop waits for the fork and the exec.
   * A program that cannot be started is returned as `ok: false` and never reported as an exit too.
   */
  spawn(request: SpawnRequest): SpawnOutcome {
    const prepared = this.prepareStart(request);
    if (!prepared.ok) return prepared;
    const { launch, logFd, startOffset } = prepared;

    let child: ChildProcess;
    try {
      // The child gets the log fd itself (no pipe through us), so it keeps writing and living if the
      // app dies; that is what makes adoption after a restart possible (docs/architecture.md §5 last bullet).
      child = spawn(launch.argv[0] as string, launch.argv.slice(1), {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        cwd: request.cwd,
        env: request.env,
        shell: false,
      });
    } catch (error) {
      return { ok: false, error: `cannot start \`${request.argv[0]}\`: ${errorMessage(error)}` };
    } finally {
      fs.closeSync(logFd);
    }

    const pid = child.pid;
    if (pid === undefined) {
      // Node reports this failure again asynchronously as an 'error' event; it is answered here.
      child.once('error', () => undefined);
      return { ok: false, error: `cannot start \`${request.argv[0]}\` (spawn failed)` };
    }
    child.on('error', (error) => this.reportError(new Error(`worker pid ${pid}: ${error.message}`)));
    if (launch.lowerAfterSpawn) lowerPriority(pid, this.reportError);

    // Node has not reaped the child yet (that happens in the event loop), so even a child that has
    // already exited still has its /proc entry here.
    const worker = this.started(request, launch, pid, processStartTime(pid), startOffset, child);
    child.once('exit', (code, signal) => this.onLeaderGone(worker, code, signal));
    return { ok: true, pid, pidStartTime: worker.pidStartTime };
  }

  /** Whether spawnOffTheLoop goes through the spawner process (long-lived engines) or is spawn(). */
  get spawnsOffTheLoop(): boolean {
    return this.spawner !== null;
  }

  /** Starts the spawner process now (an engine that dispatches), so its first spawn does not wait for it. */
  warmSpawner(): void {
    this.spawner?.warm();
  }

  /** The spawner, to run the engine's git too (offLoopExecFile.ts `runChildrenThrough`), or null. */
  childRunner(): ChildRunner | null {
    return this.spawner;
  }

  /** The spawner's pid, or null (tests: a spawner killed mid-way). */
  spawnerPid(): number | null {
    return this.spawner?.pid() ?? null;
  }

  /**
   * The same start through the spawner process (spawner.ts), so this event loop never waits for a
   * fork: the answer (pid) comes a moment later. Until then the run counts as held (`has`), a stop
   * asked meanwhile is applied as soon as the worker exists, and stopAll waits for it. Without a
   * spawner it is spawn().
   */
  spawnOffTheLoop(request: SpawnRequest): Promise<SpawnOutcome> {
    const spawner = this.spawner;
    if (!spawner) return Promise.resolve(this.spawn(request));
    const prepared = this.prepareStart(request);
    if (!prepared.ok) return Promise.resolve(prepared);
    const { launch, logFd, startOffset } = prepared;
    let logFile: fs.Stats;
    try {
      logFile = fs.fstatSync(logFd);
    } finally {
      fs.closeSync(logFd);
    }
    // Exits the spawner relays before this worker is tracked wait here (answer and exit can come
    // in the same read of the channel); so does the news that the spawner died.
    const early: { exit: [number | null, NodeJS.Signals | null] | null; orphaned: boolean } = {
      exit: null,
      orphaned: false,
    };
    let tracked: TrackedWorker | null = null;
    const outcome = spawner
      .launch(
        {
          file: launch.argv[0] as string,
          args: launch.argv.slice(1),
          cwd: request.cwd,
          env: request.env,
          logPath: request.logPath,
          logDev: logFile.dev,
          logIno: logFile.ino,
        },
        {
          onExit: (code, signal) => {
            if (tracked) this.onLeaderGone(tracked, code, signal);
            else early.exit = [code, signal];
          },
          onOrphaned: () => {
            if (tracked) this.orphaned(tracked);
            else early.orphaned = true;
          },
        },
      )
      .then((answer): SpawnOutcome => {
        const starting = this.starting.get(request.runId);
        this.starting.delete(request.runId);
        if (!answer.ok) {
          // A spawner that died or hung may have started the worker all the same: its waiter's pid
          // file says so (now, or a moment later), and such a worker is ended, never left running.
          this.endStrayWorker(request.logPath);
          return { ok: false, error: `cannot start \`${request.argv[0]}\`: ${answer.error}` };
        }
        const worker = this.started(
          request,
          launch,
          answer.pid,
          processStartTime(answer.pid),
          startOffset,
          null,
        );
        tracked = worker;
        if (early.exit) this.onLeaderGone(worker, ...early.exit);
        else if (early.orphaned) this.orphaned(worker);
        if (starting?.stopReason !== undefined) void this.terminate(worker, 'stop', starting.stopReason);
        return { ok: true, pid: answer.pid, pidStartTime: worker.pidStartTime };
      });
    this.starting.set(request.runId, {
      stopReason: undefined,
      started: outcome.then(() => tracked),
    });
    return outcome;
  }

  /** Common to both ways of starting: the checks, the argv, and the log opened and checked. */
  private prepareStart(
    request: SpawnRequest,
  ):
    | { ok: true; launch: Launch; logFd: number; startOffset: number }
    | { ok: false; error: string; permanent?: boolean } {
    const lookup = this.checkSpawnable(request);
    if (!lookup.ok) return { ok: false, error: lookup.error };
    const launch = this.launchArgv(request, lookup.path);
    let logFd: number;
    try {
      // The folder was made and checked by whoever chose the path (the dispatcher's
      // ensureOwnedDir: a real folder of ours, issue 18), never made again here; the file is
      // opened without following a link and must be a plain file of ours.
      logFd = openForAppend(request.logPath);
    } catch (error) {
      return {
        ok: false,
        error: `cannot open the log ${request.logPath}: ${errorMessage(error)}`,
        permanent: error instanceof UnsafePathError,
      };
    }
    try {
      return { ok: true, launch, logFd, startOffset: fs.fstatSync(logFd).size };
    } catch (error) {
      fs.closeSync(logFd);
      return { ok: false, error: `cannot open the log ${request.logPath}: ${errorMessage(error)}` };
    }
  }

  /** A started worker (our own start, whichever way), tracked from now on. */
  private started(
    request: SpawnRequest,
    launch: Launch,
    pid: number,
    pidStartTime: string | null,
    startOffset: number,
    child: ChildProcess | null,
  ): TrackedWorker {
    const worker = this.track({
      runId: request.runId,
      taskId: request.taskId,
      lane: request.lane,
      pid,
      pidStartTime,
      startedAt: this.now(),
      maxRuntimeMs: request.maxRuntimeMs,
      child,
      ownStart: true,
      logPath: request.logPath,
      logStartOffset: startOffset,
      exitStatusPath: launch.exitStatusPath,
      chunked: this.logWriter !== null,
      output: request.output ?? null,
    });
    if (launch.autogroupNice !== null) this.lowerWorkerAutogroup(worker, launch.autogroupNice);
    return worker;
  }

  /** The spawner that started this worker ended: no exit event will come, so it is polled from now on. */
  private orphaned(worker: TrackedWorker): void {
    if (worker.exited || worker.forgotten) return;
    worker.exitEvents = false;
    this.watchAdoptedLiveness(worker, worker.stopping ? STOPPING_POLL_MS : this.adoptedPollMs);
  }

  /** See spawnOffTheLoop: a worker whose start was reported failed must not run. */
  private endStrayWorker(logPath: string): void {
    const end = (): void => {
      const stray = recordedWaiter(logPath);
      if (!stray) return;
      this.reportError(new Error(`a worker started by a failed spawner (pid ${stray.pid}) was killed`));
      try {
        process.kill(-stray.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    end();
    unrefTimer(setTimeout(end, STRAY_WORKER_RECHECK_MS));
  }

  /**
   * Takes over a worker an earlier app left running (docs/architecture.md §5 last bullet). Only when the pid is alive
   * AND is the same process (start time from /proc), so a recycled pid is never mistaken for it.
   */
  adopt(request: AdoptRequest): boolean {
    const existing = this.workersByRun.get(request.runId);
    if (existing) return existing.pid === request.pid && !existing.exited;
    if (!isSameLiveProcess(request.pid, request.pidStartTime)) return false;
    const worker = this.track({
      ...request,
      child: null,
      ownStart: false,
      logStartOffset: 0,
      exitStatusPath: request.logPath === null ? null : exitStatusPathOf(request.logPath),
      // When its argv cannot tell (caught between two execs), it was started as this app starts workers.
      chunked: waiterUsesLogWriter(readCommandLine(request.pid)) ?? this.logWriter !== null,
    });
    this.watchAdoptedLiveness(worker, this.adoptedPollMs);
    return true;
  }

  /**
   * A worker an earlier app left that has ended since (docs/architecture.md §5 last bullet, issue 20): its exit is
   * reported like any other — drained by the next reap — with the status its waiter recorded, or
   * with none (exit code and signal null) when it recorded nothing.
   */
  recordGone(worker: GoneWorker): void {
    if (this.workersByRun.has(worker.runId)) return;
    // Output it wrote through its log writer while nobody followed: under the log's own names.
    if (worker.logPath !== null)
      settleChunks(worker.logPath, this.keepFiles).catch((error: unknown) =>
        this.reportError(new Error(`settling the log of run ${worker.runId}: ${errorMessage(error)}`)),
      );
    const recorded = worker.logPath === null ? null : readExitStatusNow(exitStatusPathOf(worker.logPath));
    this.report({
      runId: worker.runId,
      taskId: worker.taskId,
      lane: worker.lane,
      pid: worker.pid,
      exitCode: recorded?.exitCode ?? null,
      signal: recorded?.signal ?? null,
      timedOut: false,
      stopRequested: false,
      stopReason: null,
      adopted: true,
      endedAt: this.now(),
      lastOutputLine: null,
    });
  }

  /** SIGTERM to the worker's process group, SIGKILL after the grace period; resolves when all are gone. */
  stop(runId: number, reason?: string): Promise<void> {
    const worker = this.workersByRun.get(runId);
    if (worker) return this.terminate(worker, 'stop', reason ?? null);
    const starting = this.starting.get(runId);
    if (!starting) return Promise.resolve();
    // Still starting: stopped as soon as it exists (spawnOffTheLoop), and this resolves when it is gone.
    if (starting.stopReason === undefined) starting.stopReason = reason ?? null;
    return starting.started.then((started) => (started ? started.finished : undefined));
  }

  /** App quit with "stop workers" (those still starting too). */
  async stopAll(): Promise<void> {
    const runIds = [...this.workersByRun.keys(), ...this.starting.keys()];
    await Promise.all(runIds.map((runId) => this.stop(runId, 'app quit')));
  }

  /** Ends the spawner process (the engine closes); workers it started keep running if not stopped. */
  close(): void {
    this.spawner?.close();
  }

  /**
   * App quit with "leave running": forget every worker, kill nothing, stop every timer. The next app
   * adopts them. Our children are unref'd so they do not keep this process alive.
   */
  detachAll(): void {
    if (this.autogroupTimer) clearInterval(this.autogroupTimer);
    this.autogroupTimer = null;
    this.autogroupPending.clear();
    for (const worker of this.workersByRun.values()) {
      worker.forgotten = true;
      this.clearTimers(worker);
      worker.log?.stop();
      worker.child?.unref();
      worker.markFinished();
    }
    this.workersByRun.clear();
    // Their exits are nobody's now; the next app finds them by pid (and by the waiter's pid file).
    this.spawner?.close();
  }

  /** Exits recorded since the last call, each exactly once (docs/architecture.md §4.1 reap). */
  drainExits(): WorkerExit[] {
    const exits = this.pendingExits;
    this.pendingExits = [];
    return exits;
  }

  /** Called once per exit as soon as it is recorded (to wake the dispatcher). Returns an unsubscribe. */
  onExit(listener: (exit: WorkerExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Coalesced: at most one call per worker per outputThrottleMs (docs/architecture.md "Typed IPC"). */
  onOutput(listener: (status: WorkerStatus) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  workers(): WorkerStatus[] {
    return [...this.workersByRun.values()].map((worker) => this.statusOf(worker));
  }

  /** The runs of the workers held now, without building their statuses (read on every tick). */
  runs(): { runId: number; stopping: boolean }[] {
    return [...this.workersByRun.values()].map(({ runId, stopping }) => ({ runId, stopping }));
  }

  /** Held: tracked, or still starting in the spawner (its run must not be taken for abandoned). */
  has(runId: number): boolean {
    return this.workersByRun.has(runId) || this.starting.has(runId);
  }

  isAlive(runId: number): boolean {
    const worker = this.workersByRun.get(runId);
    if (!worker || worker.exited) return false;
    return worker.exitEvents || isProcessAlive(worker.pid, worker.pidStartTime);
  }

  // ── starting ──────────────────────────────────────────────────────────────────────────────────

  private checkSpawnable(request: SpawnRequest): ProgramLookup {
    const refuse = (error: string): ProgramLookup => ({ ok: false, error });
    if (this.has(request.runId)) return refuse(`run ${request.runId} already has a worker`);
    const program = request.argv[0];
    if (!program) return refuse('the command is empty');
    if (!isDirectory(request.cwd))
      return refuse(`the working directory ${request.cwd} does not exist (ENOENT)`);
    return findProgram(program, request.cwd, request.env.PATH);
  }

  /**
   * What to spawn. The agent runs under its waiter (exitStatus.ts), which leads the process group and
   * records the agent's exit status where a later dispatcher finds it; the agent's program is the
   * absolute path found above (the shell must never take a name for a builtin).
   * Niceness is inherited only by processes forked after it was set, and an agent may start its own
   * helpers at once, so a low-priority worker is started through `nice`, which lowers itself and
   * then execs the waiter: the same pid (our process group leader, its /proc start time unchanged),
   * low from its first instruction, and so is the agent it starts. Without `nice` (Windows) the
   * priority is lowered right after the spawn (Windows children inherit a below-normal priority
   * class from then on).
   */
  private launchArgv(request: SpawnRequest, programPath: string): Launch {
    const exitStatusPath = this.waiterShell ? exitStatusPathOf(request.logPath) : null;
    const logWriter = this.logWriter
      ? {
          program: this.logWriter,
          chunkPrefix: chunkPrefixOf(request.logPath),
          chunkBytes: this.options.logRotateBytes,
        }
      : null;
    const priority = launchPriority(this.workerPriority(), this.lowWorkersRunning(), {
      nice: this.niceProgram,
      ownAutogroupNice: this.lowerAutogroup ? this.ownAutogroupNice() : null,
    });
    if (priority.low) this.lowRuns.set(request.runId, priority.autogroupNice);
    const command = this.waiterShell
      ? waiterArgv(
          this.waiterShell,
          exitStatusPath as string,
          programPath,
          request.argv.slice(1),
          logWriter,
          priority.autogroupNice,
        )
      : request.argv;
    const { low, lowerAfterSpawn, autogroupNice } = priority;
    if (priority.launcher.length === 0)
      return { argv: command, low, lowerAfterSpawn, autogroupNice, exitStatusPath };
    // nice's own PATH search (execvp) falls back to a different default than libuv's when the
    // worker has no PATH at all: give it the program we found then (the waiter is absolute already).
    const program =
      request.env.PATH === undefined && !this.waiterShell ? programPath : (command[0] as string);
    return {
      argv: [...priority.launcher, program, ...command.slice(1)],
      low,
      lowerAfterSpawn,
      autogroupNice,
      exitStatusPath,
    };
  }

  /** The autogroup nices of the low workers started and not yet ended (tracked, or still starting). */
  private lowWorkersRunning(): number[] {
    const nices: number[] = [];
    for (const [runId, nice] of this.lowRuns) {
      const worker = this.workersByRun.get(runId);
      if (worker ? worker.exited : !this.starting.has(runId)) this.lowRuns.delete(runId);
      else if (nice !== null) nices.push(nice);
    }
    return nices;
  }

  private lowerWorkerAutogroup(worker: TrackedWorker, nice: number): void {
    const lower = this.lowerAutogroup;
    if (!lower || lower(worker.pid, nice) === 'done') return;
    this.autogroupPending.set(worker, { nice, attempts: 1 });
    this.autogroupTimer ??= setInterval(() => {
      for (const [pending, { nice: target, attempts }] of this.autogroupPending) {
        const done =
          pending.exited ||
          pending.forgotten ||
          attempts >= AUTOGROUP_MAX_ATTEMPTS ||
          lower(pending.pid, target) === 'done';
        if (done) this.autogroupPending.delete(pending);
        else this.autogroupPending.set(pending, { nice: target, attempts: attempts + 1 });
      }
      if (this.autogroupPending.size === 0 && this.autogroupTimer) {
        clearInterval(this.autogroupTimer);
        this.autogroupTimer = null;
      }
    }, AUTOGROUP_RETRY_MS);
    this.autogroupTimer.unref();
  }

  private track(input: {
    runId: number;
    taskId: string;
    lane: string;
    pid: number;
    pidStartTime: string | null;
    startedAt: number;
    maxRuntimeMs: number | null;
    child: ChildProcess | null;
    ownStart: boolean;
    logPath: string | null;
    logStartOffset: number;
    exitStatusPath: string | null;
    chunked: boolean;
    output?: TranscriptFormat | null;
  }): TrackedWorker {
    let markFinished = (): void => undefined;
    const finished = new Promise<void>((resolve) => {
      markFinished = resolve;
    });
    const worker: TrackedWorker = {
      runId: input.runId,
      taskId: input.taskId,
      lane: input.lane,
      pid: input.pid,
      pidStartTime: input.pidStartTime,
      startedAt: input.startedAt,
      maxRuntimeMs: input.maxRuntimeMs,
      child: input.child,
      ownStart: input.ownStart,
      exitEvents: input.ownStart,
      exitStatusPath: input.exitStatusPath,
      chunked: input.chunked,
      log: null,
      finished,
      markFinished,
      stopping: false,
      stopRequested: false,
      stopReason: null,
      timedOut: false,
      exited: false,
      forgotten: false,
      killDeadline: null,
      descendants: new Map(),
      lastSignal: null,
      runtimeTimer: null,
      killTimer: null,
      livenessTimer: null,
      outputTrailingTimer: null,
      lastOutputEmitAt: Number.NEGATIVE_INFINITY,
    };
    if (input.logPath)
      worker.log = followLog(
        {
          path: input.logPath,
          startOffset: input.logStartOffset,
          rotateBytes: this.options.logRotateBytes,
          keepFiles: this.keepFiles,
          chunked: input.chunked,
          format: input.output ?? null,
          pollMs: this.outputThrottleMs,
          now: this.now,
          onChange: () => this.outputChanged(worker),
          onError: (error) => this.reportError(error),
        },
        this.options.logThread ?? true,
      );
    this.workersByRun.set(worker.runId, worker);
    this.scheduleRuntimeLimit(worker);
    return worker;
  }

  // ── output notifications ──────────────────────────────────────────────────────────────────────

  /** Leading call at once, then at most one trailing call per throttle window. */
  private outputChanged(worker: TrackedWorker): void {
    // After the process ended its final line travels with the exit instead.
    if (worker.forgotten || worker.exited || worker.outputTrailingTimer) return;
    const wait = worker.lastOutputEmitAt + this.outputThrottleMs - performance.now();
    if (wait <= 0) {
      this.emitOutput(worker);
      return;
    }
    worker.outputTrailingTimer = unrefTimer(
      setTimeout(() => {
        worker.outputTrailingTimer = null;
        if (!worker.forgotten && !worker.exited) this.emitOutput(worker);
      }, wait),
    );
  }

  private emitOutput(worker: TrackedWorker): void {
    worker.lastOutputEmitAt = performance.now();
    const status = this.statusOf(worker);
    for (const listener of this.outputListeners) this.callListener(listener, status);
  }

  private statusOf(worker: TrackedWorker): WorkerStatus {
    return {
      taskId: worker.taskId,
      runId: worker.runId,
      lane: worker.lane,
      pid: worker.pid,
      startedAt: worker.startedAt,
      ownChild: worker.ownStart,
      lastOutputLine: lastLineOf(worker),
      lastOutputAt: worker.log?.lastOutputAt ?? null,
      outputBytes: worker.log?.outputBytes ?? 0,
      stopping: worker.stopping,
    };
  }

  // ── stopping and timeouts ─────────────────────────────────────────────────────────────────────

  /** docs/architecture.md §4.3: past max runtime → SIGTERM to the group, SIGKILL after the grace period. */
  private scheduleRuntimeLimit(worker: TrackedWorker): void {
    if (worker.maxRuntimeMs === null) return;
    const deadline = worker.startedAt + worker.maxRuntimeMs;
    const remaining = Math.max(0, deadline - this.now());
    worker.runtimeTimer = unrefTimer(
      setTimeout(
        () => {
          worker.runtimeTimer = null;
          if (worker.exited || worker.stopping) return;
          // A runtime beyond the longest timer is waited for in several laps.
          if (this.now() < deadline) this.scheduleRuntimeLimit(worker);
          else void this.terminate(worker, 'timeout', null);
        },
        Math.min(remaining, MAX_TIMER_MS),
      ),
    );
  }

  private terminate(worker: TrackedWorker, kind: StopKind, reason: string | null): Promise<void> {
    // Already ended on its own (its exit is being recorded): it was not stopped by us.
    if (worker.exited) return worker.finished;
    if (kind === 'timeout') worker.timedOut = true;
    else if (!worker.stopRequested) {
      worker.stopRequested = true;
      worker.stopReason = reason;
    }
    if (worker.stopping) return worker.finished;

    worker.stopping = true;
    worker.killDeadline = this.now() + this.options.killGraceMs;
    this.signalWorker(worker, 'SIGTERM');
    worker.killTimer = unrefTimer(
      setTimeout(() => {
        worker.killTimer = null;
        this.signalWorker(worker, 'SIGKILL');
      }, this.options.killGraceMs),
    );
    // No exit event will come, so look more often while it is going away.
    if (!worker.exitEvents) this.watchAdoptedLiveness(worker, STOPPING_POLL_MS);
    this.outputChanged(worker); // `stopping` is part of the status the UI shows
    return worker.finished;
  }

  /**
   * Signals the worker's whole process group (docs/architecture.md "Processes": `kill(-pid)`), so tools it
   * forked die with it. Our children lead their own group (detached → setsid); an adopted process is
   * checked first, and a pid that is no longer the recorded process is never signalled.
   * Descendants that left the group (setsid) are found in /proc first — before the signal, since an
   * intermediate process that dies of it hands its children to init — and signalled one by one.
   */
  private signalWorker(worker: TrackedWorker, signal: NodeJS.Signals): void {
    this.collectDescendants(worker);
    worker.lastSignal = signal;
    const target = this.signalTarget(worker);
    if (target !== null) this.sendSignal(worker, target, signal);
    for (const [pid, startTime] of worker.descendants) {
      if (readProcStat(pid)?.startTime === startTime) this.sendSignal(worker, pid, signal);
    }
  }

  private sendSignal(worker: TrackedWorker, target: number, signal: NodeJS.Signals): void {
    try {
      process.kill(target, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return; // already gone
      this.reportError(
        new Error(`cannot send ${signal} to worker pid ${worker.pid} (${target}): ${errorMessage(error)}`),
      );
    }
  }

  /**
   * Adds the live descendants of the worker's leader (while it is the recorded process) and of the
   * descendants already known — orphans keep their own children — to `descendants`, dropping the
   * ones that are gone. A newcomer found after a signal was sent gets that signal at once.
   */
  private collectDescendants(worker: TrackedWorker): void {
    if (!procfsAvailable) return;
    for (const [pid, startTime] of worker.descendants) {
      if (!isProcessAlive(pid, startTime)) worker.descendants.delete(pid);
    }
    const leader = readProcStat(worker.pid);
    const leaderIsOurs =
      leader !== null && (worker.pidStartTime === null || leader.startTime === worker.pidStartTime);
    const roots = [...worker.descendants.keys(), ...(leaderIsOurs ? [worker.pid] : [])];
    if (roots.length === 0) return;
    for (const found of liveDescendantsOf(roots)) {
      if (worker.descendants.has(found.pid)) continue;
      worker.descendants.set(found.pid, found.startTime);
      if (worker.lastSignal) this.sendSignal(worker, found.pid, worker.lastSignal);
    }
  }

  private signalTarget(worker: TrackedWorker): number | null {
    if (!procfsAvailable) return -worker.pid;
    const leader = readProcStat(worker.pid);
    const leaderIsOurs =
      leader !== null && (worker.pidStartTime === null || leader.startTime === worker.pidStartTime);
    if (leaderIsOurs) return leader.processGroupId === worker.pid ? -worker.pid : worker.pid;
    // The leader is gone; while members of its group live, the group id cannot be reused.
    return liveProcessGroupMembers(worker.pid).length > 0 ? -worker.pid : null;
  }

  // ── exits ─────────────────────────────────────────────────────────────────────────────────────

  /** Adopted workers are not our children: no exit event, so their life is polled in /proc. */
  private watchAdoptedLiveness(worker: TrackedWorker, intervalMs: number): void {
    if (worker.livenessTimer) clearInterval(worker.livenessTimer);
    worker.livenessTimer = unrefTimer(
      setInterval(() => {
        if (worker.exited || isProcessAlive(worker.pid, worker.pidStartTime)) return;
        this.onLeaderGone(worker, null, null);
      }, intervalMs),
    );
  }

  /**
   * The worker's process has ended. For our child this runs in the `exit` event, after Node reaped
   * it (waitpid), so no zombie is left (docs/architecture.md §4.1). When we were stopping it, the rest of its group
   * gets the same grace period and then SIGKILL before the exit is reported.
   */
  private onLeaderGone(worker: TrackedWorker, exitCode: number | null, signal: NodeJS.Signals | null): void {
    if (worker.exited || worker.forgotten) return;
    worker.exited = true;
    const endedAt = this.now();
    if (worker.runtimeTimer) clearTimeout(worker.runtimeTimer);
    if (worker.livenessTimer) clearInterval(worker.livenessTimer);
    worker.runtimeTimer = null;
    worker.livenessTimer = null;
    void this.recordExit(worker, exitCode, signal, endedAt);
  }

  private async recordExit(
    worker: TrackedWorker,
    exitCode: number | null,
    signal: NodeJS.Signals | null,
    endedAt: number,
  ): Promise<void> {
    if (worker.stopping) await this.waitForGroupGone(worker);
    else if (worker.chunked) await this.waitForLogWriter(worker);
    this.clearTimers(worker);
    // The very last line it printed; a detached worker's log is left to whoever adopts it.
    if (worker.log && !worker.forgotten) await worker.log.finish();
    // The agent's own status, as its waiter recorded it; the waiter's (for our child) when it could
    // not (killed with its group) — and for an adopted worker that left none, unknown.
    const recorded = worker.exitStatusPath ? await readExitStatus(worker.exitStatusPath) : null;
    if (worker.forgotten) return;

    this.workersByRun.delete(worker.runId);
    this.report({
      runId: worker.runId,
      taskId: worker.taskId,
      lane: worker.lane,
      pid: worker.pid,
      exitCode: recorded ? recorded.exitCode : exitCode,
      signal: recorded ? recorded.signal : signal,
      timedOut: worker.timedOut,
      stopRequested: worker.stopRequested,
      stopReason: worker.stopReason,
      adopted: !worker.ownStart,
      endedAt,
      lastOutputLine: lastLineOf(worker),
      usage: worker.log?.usage ?? null,
    });
    worker.markFinished();
  }

  private report(exit: WorkerExit): void {
    this.pendingExits.push(exit);
    for (const listener of this.exitListeners) this.callListener(listener, exit);
  }

  /**
   * The leader ended on its own; its log writer (split, in the same group) ends once it has read the
   * agent's last words from the pipe. Waited for a short while, so the final line and a structured
   * agent's closing result are read; a helper the agent left running holds the pipe open, and then
   * whatever it writes later still reaches the chunk files, unfollowed.
   */
  private async waitForLogWriter(worker: TrackedWorker): Promise<void> {
    const giveUpAt = this.now() + LOG_WRITER_DRAIN_MS;
    if (!procfsAvailable) return delay(STOPPING_POLL_MS);
    // Issue 17 (target 5): a scan of /proc reads every process's stat synchronously (tens of ms with
    // 40 workers' processes on a loaded machine), and 40 workers ending together each polled it every
    // 10 ms. Now the group is asked with kill(-group, 0) first (gone: done, no scan), and a scan runs
    // only when no member it found earlier is still alive (to catch one forked since, or zombies).
    let knownMembers: ProcStat[] = [];
    while (!worker.forgotten && this.now() < giveUpAt) {
      if (!processGroupExists(worker.pid)) return;
      if (!knownMembers.some((member) => isProcessAlive(member.pid, member.startTime))) {
        knownMembers = liveProcessGroupMembers(worker.pid);
        if (knownMembers.length === 0) return;
      }
      await delay(LOG_WRITER_POLL_MS);
    }
  }

  /**
   * Until every member of the worker's group and every descendant found (issue 18: setsid ones too)
   * is gone; SIGKILL (by the kill timer) at the deadline. Descendants are looked for on every round.
   */
  private async waitForGroupGone(worker: TrackedWorker): Promise<void> {
    const giveUpAt = (worker.killDeadline ?? this.now()) + AFTER_KILL_WAIT_MS;
    while (!worker.forgotten) {
      if (procfsAvailable) {
        this.collectDescendants(worker);
        if (liveProcessGroupMembers(worker.pid).length === 0 && worker.descendants.size === 0) return;
      }
      // Without /proc we cannot see the group: let the kill timer fire on it, then stop waiting.
      if (!procfsAvailable && worker.killTimer === null) return;
      if (this.now() > giveUpAt) {
        this.reportError(new Error(`processes of worker pid ${worker.pid}'s group survived SIGKILL`));
        return;
      }
      await delay(STOPPING_POLL_MS);
    }
  }

  private clearTimers(worker: TrackedWorker): void {
    for (const timer of [worker.runtimeTimer, worker.killTimer, worker.outputTrailingTimer]) {
      if (timer) clearTimeout(timer);
    }
    if (worker.livenessTimer) clearInterval(worker.livenessTimer);
    worker.runtimeTimer = null;
    worker.killTimer = null;
    worker.outputTrailingTimer = null;
    worker.livenessTimer = null;
  }

  private callListener<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.reportError(new Error(`a supervisor listener threw: ${errorMessage(error)}`, { cause: error }));
    }
  }
}

/** Same pid AND same start time; without /proc only "alive" can be checked. */
function isSameLiveProcess(pid: number, recordedStartTime: string | null): boolean {
  if (procfsAvailable && recordedStartTime === null) return false;
  return isProcessAlive(pid, recordedStartTime);
}

function isDirectory(candidate: string): boolean {
  try {
    return fs.statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

function unrefTimer<T extends NodeJS.Timeout>(timer: T): T {
  // Timers alone must not keep the CLI or the app alive; the children themselves do.
  timer.unref();
  return timer;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The fallback without `nice`: the leader only (helpers it already started keep their priority). */
function lowerPriority(pid: number, reportError: (error: Error) => void): void {
  try {
    os.setPriority(pid, lowPriorityValue());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return; // already gone: its exit is recorded
    // A worker at normal priority still works: say so and go on.
    reportError(new Error(`worker pid ${pid}: cannot lower its priority: ${errorMessage(error)}`));
  }
}
