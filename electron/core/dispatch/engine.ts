import { SwitchyardError } from '../errors';
import { describeDatabaseFault } from '../store/db/databaseErrors';
import { closeWithoutCheckpoint } from '../store/db/open';
import { ensureHome } from '../ownedFiles';
import { writeFileAtomically } from '../config/jsonFile';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DispatchResult, DispatcherState, WorkerStatus } from '../../../shared/dispatch';
import { EngineChanges, type EngineListener, type EngineNotice } from './engineChanges';
import type { TaskEvent } from '../../../shared/domain';
import type { TranscriptFormat } from '../../../shared/transcript';
import { DISPATCHER_CLAIM_PREFIX, STATUS_KEEPING_EVENT_KINDS } from '../../../shared/constants';
import { ChangeFeed } from '../store/changeFeed';
import { appendChangesComputed, appendEvent } from '../store/events';
import type { Actor } from '../commands/taskCommands';
import { openDatabase, runInWriteTransaction, waitForWriteLock, type Db } from '../store/db/open';
import { Dispatcher, workerSlotsInUse, type DispatcherConfig } from './dispatcher';
import type { EngineHandle } from './engineHandle';
import { Housekeeping } from './housekeeping';
import { homePaths, resolveHome, type HomePaths } from '../config/home';
import { setLaneMaxConcurrentRow, setLanePausedRow } from '../store/laneSettings';
import { laneStatuses } from './laneView';
import { LaneResolver } from '../config/lanes';
import { transcriptFormatOf } from '../config/profiles';
import { createProfileFromTemplate, type ProfileTemplateName } from '../config/profileTemplates';
import { updateLaneConfig } from '../config/lanesFile';
import { acquireLease, describeHolder, liveLeaseHolder, releaseLease } from '../store/lease';
import { dispatcherEnabled, storeDispatcherEnabled } from '../store/meta';
import { DEFAULT_PROMPT_CAPS } from '../workers/prompt';
import * as runs from '../store/runs';
import type { Settings } from '../config/settings';
import {
  runChildrenOffTheLoop,
  runChildrenThrough,
  stopRunningChildrenThrough,
} from '../workers/offLoopExecFile';
import { Supervisor } from '../workers/supervisor';
import { recordedWaiter } from '../workers/exitStatus';
import { ChangesTracker } from '../workers/changesTracker';
import * as tasks from '../store/tasks';

/**
 * The running core: database, lanes, supervisor and dispatcher wired together, with the timer and
 * the wake-ups of docs/architecture.md §4 (a task became ready, a worker exited, another process wrote). Used by
 * the Electron main process, `switchyard serve` and `switchyard dispatch --watch`.
 */

export interface EngineOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Take the dispatcher lease and run ticks. Without it the engine only serves reads and commands. */
  dispatch: boolean;
  actor?: Actor;
  /** better-sqlite3 build for Electron's ABI (docs/architecture.md "better-sqlite3 and Electron's ABI"). */
  nativeBinding?: string;
  /** How workers call the CLI: written into `<home>/bin/switchyard`, which is put first on their PATH. */
  cliCommand?: string[];
  /**
   * Delay of the first tick (default 0). The first tick is cold — it reads and re-evaluates every
   * ready task, 0.6 s or more on 100,000 tasks — and would hold up a board that is just asking
   * for its snapshot; a wake() (a write, another process, web mode after sending a snapshot)
   * starts it sooner.
   */
  firstTickDelayMs?: number;
  /** Rows a step of a cold start reads or writes (Dispatcher SLICE_ROWS; tests make it small). */
  sliceRows?: number;
  /**
   * docs/architecture.md §5: start workers through the spawner process, off this event loop (the
   * app, `serve`, `dispatch --watch`; `startEngine` turns it on). Without it every start is a
   * synchronous spawn in this process, and a tick's result lists its spawns (`dispatch` once).
   */
  spawner?: boolean;
  /** The change feed's fallback poll (default 50 ms; store/changeFeed.ts). Tests make it long to show the WAL watch alone delivers. */
  changeFeedPollMs?: number;
  /** The clock workers' max runtimes are measured by [Date.now] (tests: test/helpers/heldClock.ts). */
  workerClock?: () => number;
  log?: (line: string) => void;
}

/** How long startEngine lets the first board snapshot go before the first tick (the app; `serve` waits longer, server.ts). */
export const FIRST_TICK_DELAY_MS = 3_000;

/** docs/architecture.md §9: events after which a task's change card (figures, lane, "needs review") may differ. */
const CHANGE_CARD_KINDS = new Set([
  'completed',
  'spawned',
  'moved',
  'assigned',
  'merged',
  'rebased',
  'committed',
  'discarded',
  'review_waived',
  'worktree_removed',
]);

const WAKE_KINDS = new Set([
  'created',
  'promoted',
  'moved',
  'unblocked',
  'assigned',
  'reclaimed',
  'completed',
  'edited',
  'unlinked',
]);
const LEASE_RENEW_MS = 5_000;

/** Lets the event loop run what is waiting (sockets, timers) before the next step of a tick. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function findRepoFile(relative: string): string | undefined {
  let dir = typeof __dirname !== 'undefined' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

export function defaultCliCommand(): string[] {
  const script = findRepoFile(path.join('bin', 'switchyard.cjs'));
  if (!script) return ['switchyard'];
  // In the installed app the CLI is unpacked next to app.asar (electron-builder.yml asarUnpack):
  // a process running it as plain Node cannot read inside the archive.
  const unpacked = script.replace(
    `${path.sep}app.asar${path.sep}`,
    `${path.sep}app.asar.unpacked${path.sep}`,
  );
  return [process.execPath, unpacked];
}

/** A tiny `switchyard` launcher in the home's bin/, so workers find the CLI on their PATH. */
function writeCliShim(paths: HomePaths, command: readonly string[], nativeBinding: string | undefined): void {
  const quote = (part: string): string => `'${part.replace(/'/g, `'\\''`)}'`;
  // Inside the desktop app the CLI runs on Electron's own binary (there is no separate Node), so it
  // needs the Electron build of better-sqlite3 too.
  const runAsNode = process.versions.electron ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  const binding = nativeBinding ? `SWITCHYARD_SQLITE_BINDING=${quote(nativeBinding)} ` : '';
  const script = `#!/bin/sh\n# Written by Switchyard: runs its CLI for workers.\n${runAsNode}${binding}exec ${command.map(quote).join(' ')} "$@"\n`;
  const file = path.join(paths.bin, 'switchyard');
  // Left alone when it is already this script: rewriting it at every start changed home/bin, which
  // the PATH search cache then could not trust for 3 s (config/programLookup.ts) — an lstat and a
  // listing of home/bin on every tick after a start (performance issue 17, target 1).
  if (cliShimIsCurrent(paths, file, script)) return;
  // Through the checked writer: a link planted at bin/ or at its temp file is never followed.
  writeFileAtomically(paths.home, file, script, 0o700);
}

/** `file` is a plain file of ours in a real bin/ folder, mode 0700, holding exactly `script`. */
function cliShimIsCurrent(paths: HomePaths, file: string, script: string): boolean {
  let fd: number | undefined;
  try {
    if (!fs.lstatSync(paths.bin).isDirectory()) return false;
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || (stat.mode & 0o777) !== 0o700) return false;
    if (process.getuid && stat.uid !== process.getuid()) return false;
    if (stat.size !== Buffer.byteLength(script)) return false;
    return fs.readFileSync(fd, 'utf8') === script;
  } catch {
    return false; // missing, a link, unreadable: written afresh by the checked writer
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export class Engine implements EngineHandle {
  readonly db: Db;
  readonly paths: HomePaths;
  readonly actor: Actor;
  private readonly lanes: LaneResolver;
  private readonly supervisor: Supervisor;
  private readonly dispatcher: Dispatcher;
  private readonly feed: ChangeFeed;
  /** docs/architecture.md §9: change summaries of tasks working in worktrees (refreshed off the tick). */
  private readonly changes: ChangesTracker;
  /** Recurring tasks and daily backups, on their own timers (never in a tick). */
  private readonly housekeeping: Housekeeping;
  private readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private active = false;
  private leaseHolderText: string | null = null;
  private lastLeaseRenewal = 0;
  private lastTickAt: number | null = null;
  private lastResult: DispatchResult | null = null;
  private wasStuck = false;
  /** The next scheduled tick: an immediate for a wake, a timer for the interval. */
  private timer:
    { wake: true; handle: NodeJS.Immediate } | { wake: false; handle: NodeJS.Timeout } | undefined;
  private nextTickAt = Number.POSITIVE_INFINITY;
  private closed = false;
  /** Set as close() begins: no tick may start (and spawn) while the workers are being stopped. */
  private closing = false;
  /** The one change path out of the engine (docs/architecture.md "How a change travels"). */
  private readonly changeListeners = new EngineChanges((line) => this.log(line));
  private budgetNoticed = new Set<string>();

  /**
   * settings.json as the lane resolver last read it: it re-checks the file on every tick (and on
   * file-watch events) together with the profiles and lanes.json, so there is one reading of it.
   */
  private get settings(): Settings {
    return this.lanes.settings();
  }

  constructor(private readonly options: EngineOptions) {
    const env = options.env ?? process.env;
    this.paths = homePaths(options.home ?? resolveHome(env));
    this.actor = options.actor ?? { name: env.SWITCHYARD_ACTOR ?? safeUserName() };
    ensureHome(this.paths.home);
    // An engine serves a board: git's children start from a thread, never holding its event loop.
    runChildrenOffTheLoop(true);
    this.db = openDatabase(this.paths.database, { nativeBinding: options.nativeBinding });
    writeCliShim(this.paths, options.cliCommand ?? defaultCliCommand(), options.nativeBinding);
    const workerPath = `${this.paths.bin}${path.delimiter}${env.PATH ?? ''}`;
    this.lanes = new LaneResolver(this.paths, { pathEnv: workerPath, watch: true });
    this.supervisor = new Supervisor({
      killGraceMs: this.settings.dispatcher.killGraceMs,
      logRotateBytes: this.settings.logs.rotateBytes,
      logKeepFiles: this.settings.logs.keepFiles,
      workerPriority: () => this.settings.dispatcher.workerPriority,
      spawner: options.spawner ? {} : null,
      now: options.workerClock,
    });
    // With a spawner, git starts there too: a fork of a bare Node, not of this process (§9).
    const childRunner = this.supervisor.childRunner();
    if (childRunner) runChildrenThrough(childRunner);
    this.dispatcher = new Dispatcher({
      db: this.db,
      paths: this.paths,
      lanes: this.lanes,
      supervisor: this.supervisor,
      config: () => this.dispatcherConfig(),
      workerEnv: () => ({ PATH: workerPath }),
      owner: this.owner,
      log: (line) => this.log(line),
      onBackgroundChange: (result) => this.afterBackgroundChange(result),
      sliceRows: options.sliceRows,
    });
    this.changes = new ChangesTracker(this.db, {
      paths: this.paths,
      intervalMs: 3_000,
      // In the log, so every board hears of it (one served by a process without a tracker too).
      onChanged: (taskIds) => {
        runInWriteTransaction(this.db, () => appendChangesComputed(this.db, taskIds, Date.now()));
        this.feed.poll();
      },
      onReadyToReview: (taskId) =>
        this.notify({
          level: 'info',
          title: 'Ready to review',
          message: tasks.findTask(this.db, taskId)?.title ?? taskId,
          taskId,
        }),
      onError: (line) => this.log(line),
    });
    this.feed = new ChangeFeed(this.db, options.changeFeedPollMs);
    this.housekeeping = new Housekeeping({
      db: this.db,
      backupsFolder: this.paths.backups,
      nativeBinding: this.options.nativeBinding,
      isActive: () => this.active && !this.closing,
      keepDailyBackups: () => this.settings.backups.keepDaily,
      // The new tasks' `created` events reach the boards and wake the dispatcher through the feed.
      onRecurrences: () => this.feed.poll(),
      log: (line) => this.log(line),
    });
    this.feed.onEvents((events) => this.handleEvents(events));
    this.feed.onForeignWrite(() => {
      this.wake();
      if (this.options.dispatch) this.housekeeping.databaseChanged();
      // Not dispatching here: another process's lease (taken, released) says whether anyone
      // dispatches, and it changes without an event.
      else if (this.leaseOwnerChanged()) this.pushState();
    });
    this.supervisor.onExit(() => this.wake());
    this.supervisor.onOutput(() => {
      if (this.changeListeners.listened)
        this.changeListeners.emit({ type: 'workers', workers: this.supervisor.workers() });
    });
    this.lanes.onChange(() => this.changeListeners.emit({ type: 'lanes' }));
  }

  /** Starts watching the database and, when asked to dispatch, takes the lease and ticks. */
  start(): void {
    this.feed.start((error) => this.databaseFailed(error));
    if (this.options.dispatch) {
      // The spawner is started by the first scheduled tick (runTickInSteps), not here: its fork and
      // Node's boot took 30–100 ms of this thread while `serve` started, before it listened
      // (performance issue 17, target 7); `serve` holds that tick until a board has opened.
      this.schedule(this.options.firstTickDelayMs ?? 0);
      this.housekeeping.start();
      this.changes.start();
    }
  }

  private log(line: string): void {
    (this.options.log ?? ((text: string) => process.stderr.write(`${text}\n`)))(`[switchyard] ${line}`);
  }

  private dispatcherConfig(): DispatcherConfig {
    const { dispatcher, prompt } = this.settings;
    return {
      failureLimit: dispatcher.failureLimit,
      backoffBaseMs: dispatcher.backoffBaseMs,
      backoffMaxMs: dispatcher.backoffMaxMs,
      enabledInSettings: dispatcher.enabled,
      globalMaxConcurrent: dispatcher.globalMaxConcurrent,
      stuckTicks: dispatcher.stuckTicks,
      stuckLogIntervalMs: dispatcher.stuckLogIntervalMs,
      promptCaps: {
        ...DEFAULT_PROMPT_CAPS,
        bodyBytes: prompt.bodyBytes,
        parentResultBytes: prompt.parentResultBytes,
        commentBytes: prompt.commentBytes,
        priorErrorBytes: prompt.priorErrorBytes,
        totalBytes: prompt.totalBytes,
        maxComments: prompt.recentComments,
        maxPriorErrors: prompt.priorErrors,
      },
    };
  }

  // Scheduling --------------------------------------------------------------------------------

  private schedule(delayMs: number): void {
    if (this.closed || this.closing || this.fault || !this.options.dispatch) return;
    const at = Date.now() + delayMs;
    if (at >= this.nextTickAt) return;
    this.cancelScheduledTick();
    this.nextTickAt = at;
    const tick = (): void => {
      this.timer = undefined;
      this.nextTickAt = Number.POSITIVE_INFINITY;
      void this.tickWhenWritable();
    };
    // A wake (a task made ready, a worker's exit) ticks in the next turn of the event loop: a
    // timer of 0 waits at least 1 ms and for the timers phase (issue 17 target 3a, ready → spawned).
    this.timer =
      delayMs <= 0
        ? { wake: true, handle: setImmediate(tick) }
        : { wake: false, handle: setTimeout(tick, delayMs) };
  }

  private cancelScheduledTick(): void {
    const timer = this.timer;
    this.timer = undefined;
    if (timer?.wake) clearImmediate(timer.handle);
    else if (timer) clearTimeout(timer.handle);
  }

  wake(): void {
    this.schedule(0);
  }

  private waitingForLock = false;

  /**
   * Issue 18: a tick writes (lease, outcomes, claims), so while another process holds the write
   * lock it waits on a timer (waitForWriteLock) instead of in SQLite's busy handler on the event
   * loop — the board and the server keep answering. Nothing can be written meanwhile, so a tick
   * still waiting after a while is simply scheduled again (exits stay queued in the supervisor).
   */
  private async tickWhenWritable(): Promise<void> {
    if (this.waitingForLock) return;
    this.waitingForLock = true;
    let writable = true;
    try {
      await waitForWriteLock(this.db, this.settings.dispatcher.tickMs * 5);
    } catch (error) {
      // Anything but the lock (a damaged file) is for the tick to meet and report.
      writable = !(error instanceof SwitchyardError && error.code === 'database_busy');
    } finally {
      this.waitingForLock = false;
    }
    if (writable) await this.runTickInSteps();
    else this.schedule(this.settings.dispatcher.tickMs);
  }

  /**
   * The newest event in the database when the last tick began (issue 17, target 3a). The tick reads
   * the board as it is then, so an event up to here that reaches handleEvents afterwards — the
   * `created` of the task a write woke it for, delivered by the feed's poll during that very tick —
   * is not news to the dispatcher: waking for it ran a second tick while the first one's worker
   * was being forked, on the same cores.
   */
  private eventsSeenByTick = 0;

  /** A scheduled tick is running its steps (a wake meanwhile ticks again right after them). */
  private stepping = false;
  /** The first scheduled tick started the spawner (Engine.start does not). */
  private spawnerWarmed = false;
  private wokenWhileStepping = false;

  /**
   * Issue 17, targets 2 and 9: the scheduled tick in bounded steps with the event loop served
   * between them — a cold start's pages of promotion checks and ready tasks first
   * (Dispatcher.warmUpStep), then the tick with its walk a slice of ready tasks a step
   * (Dispatcher.beginTick, continueTick), then the skip reasons it did not store yet, a step's worth
   * at a time. The board gets its snapshot and its events between steps instead of after one long tick.
   */
  private async runTickInSteps(): Promise<void> {
    if (this.stepping) {
      this.wokenWhileStepping = true;
      return;
    }
    this.stepping = true;
    try {
      // Booted while the cold start's first steps run (it answers long before a start needs it);
      // later ticks find it running, or started again by the next spawn if it died.
      if (!this.spawnerWarmed) {
        this.spawnerWarmed = true;
        this.supervisor.warmSpawner();
      }
      while (this.dispatcher.needsWarmUp() && this.canStep()) {
        this.lanes.refresh();
        if (!this.ensureLease()) break;
        this.dispatcher.warmUpStep();
        await nextTurn();
      }
      if (!this.canStep()) return;
      this.lanes.refresh();
      if (!this.ensureLease()) return;
      let result = this.dispatcher.beginTick({ sliceWrites: true });
      this.eventsSeenByTick = this.dispatcher.eventsSeenByLastTick();
      this.feed.poll();
      while (result === null && this.dispatcher.walking()) {
        await nextTurn();
        // Closing, or the lease lost meanwhile: the walk stops where it is (the next tick walks all).
        if (!this.canStep() || !this.ensureLease()) {
          this.dispatcher.abandonWalk();
          return;
        }
        result = this.dispatcher.continueTick();
        this.feed.poll();
      }
      if (result) this.reportTickDone(result);
      while (this.dispatcher.pendingSkipWrites() > 0 && this.active) {
        await nextTurn();
        if (!this.canStep()) break;
        this.dispatcher.flushSkipWrites();
        this.feed.poll();
      }
    } catch (error) {
      if (!this.databaseFailed(error)) this.log(`tick failed: ${(error as Error).message}`);
    } finally {
      this.stepping = false;
      // The next tick, also after a step that failed.
      if (!this.fault) this.schedule(this.settings.dispatcher.tickMs);
      if (this.wokenWhileStepping) {
        this.wokenWhileStepping = false;
        this.wake();
      }
    }
  }

  private canStep(): boolean {
    return !this.closed && !this.closing && !this.fault;
  }

  /** One tick now (also used by `switchyard dispatch` without --watch). */
  runTick(options: { spawn?: boolean; sliceWrites?: boolean } = {}): DispatchResult | null {
    if (this.closed || this.fault) return null;
    let result: DispatchResult | null = null;
    // reportTickDone polled the feed after the tick's writes: a second poll right after it would
    // read the database's stamp once more for nothing (issue 17 target 1: a third of an idle
    // tick's statements). What a listener of the tick writes reaches the feed by its -wal watch.
    let polled = false;
    try {
      this.lanes.refresh();
      if (this.ensureLease()) {
        result = this.dispatcher.tick(options);
        this.eventsSeenByTick = this.dispatcher.eventsSeenByLastTick();
        this.reportTickDone(result);
        polled = true;
      }
    } catch (error) {
      if (!this.databaseFailed(error)) this.log(`tick failed: ${(error as Error).message}`);
    } finally {
      if (!this.fault) {
        try {
          if (!polled) this.feed.poll();
        } catch (error) {
          this.databaseFailed(error);
        }
        this.schedule(this.settings.dispatcher.tickMs);
      }
    }
    return result;
  }

  /** A tick (at once or in steps) has ended: its events, then what it means for the board and tray. */
  private reportTickDone(result: DispatchResult): void {
    this.lastResult = result;
    this.lastTickAt = Date.now();
    // The tick's own events (spawned, completed …) go out first: the summaries below count
    // the whole board (a few ms on 100,000 tasks) and would only delay them.
    this.feed.poll();
    this.reportTick(result);
  }

  // Database faults ---------------------------------------------------------------------------

  private fault: string | null = null;
  /** The last state pushed before a fault: a damaged database cannot be asked for counts. */
  private lastGoodState: DispatcherState | null = null;

  /**
   * A damaged or unreadable database under the running engine (issue 18): say so once, stop
   * dispatching and watching, and write nothing more to the file; workers keep running and writing
   * their own logs, and the board shows the fault. Returns false for errors that are not that
   * (a busy lock, a bug): those stay the caller's.
   */
  databaseFailed(error: unknown): boolean {
    // Damage is for good; a full disk or a read-only home heal and are answered call by call.
    const code = String((error as { code?: unknown } | null)?.code ?? '');
    if (!/^SQLITE_(CORRUPT|NOTADB|IOERR)/.test(code)) return false;
    const described = describeDatabaseFault(error, this.paths.database);
    if (!described) return false;
    if (this.fault) return true;
    this.fault = described.message;
    this.cancelScheduledTick();
    this.feed.stop();
    this.housekeeping.stop();
    this.log(`database fault, dispatching stopped: ${this.fault}`);
    this.pushState();
    this.changeListeners.emit({ type: 'fault', message: this.fault });
    return true;
  }

  /** The fault that stopped the engine, or null. */
  databaseFault(): string | null {
    return this.fault;
  }

  private ensureLease(): boolean {
    const now = Date.now();
    if (this.active && now - this.lastLeaseRenewal < LEASE_RENEW_MS) return true;
    const lease = acquireLease(this.db, this.owner, now);
    const wasActive = this.active;
    this.active = lease.acquired;
    this.leaseHolderText = lease.acquired ? this.owner : describeHolder(lease.holder);
    if (lease.acquired) {
      this.lastLeaseRenewal = now;
      if (!wasActive) {
        this.recoverWorkers();
        // Another dispatcher may have run meanwhile, and recovery writes without events.
        this.dispatcher.invalidate();
      }
    } else if (wasActive) {
      this.log(`lost the dispatcher lease to ${this.leaseHolderText}`);
    }
    if (wasActive !== this.active) this.pushState();
    return this.active;
  }

  /** The structured output of a lane's profile as it is now (an adopted run's totals are read in it). */
  private transcriptFormatOfLane(lane: string): TranscriptFormat | null {
    const resolution = this.lanes.resolve(lane);
    return resolution.kind === 'profile' ? transcriptFormatOf(resolution.profile) : null;
  }

  /**
   * docs/architecture.md §5: running tasks from an earlier life. A worker whose pid is alive and is the same
   * process (start time from /proc) is adopted; any other has ended, and its run is settled with
   * the exit status its waiter recorded (Supervisor.recordGone).
   */
  private recoverWorkers(): void {
    for (const id of tasks.runningTaskIdsClaimedBy(this.db, DISPATCHER_CLAIM_PREFIX)) {
      runInWriteTransaction(this.db, () => {
        const task = tasks.findTask(this.db, id);
        if (!task || task.status !== 'running') return;
        const now = Date.now();
        const run = task.currentRunId === null ? undefined : runs.findRun(this.db, task.currentRunId);
        // Held, or still starting (its worktree, the spawner's answer): not abandoned.
        if (run && (this.supervisor.has(run.id) || this.dispatcher.isStarting(run.id))) return;
        // Started, but killed before its pid was stored (spawning is asynchronous): the waiter's
        // pid file names it (exitStatus.ts recordedWaiter), so it is adopted, not run twice.
        const started =
          run && run.endedAt === null && run.pid === null && run.logPath ? recordedWaiter(run.logPath) : null;
        if (run && started) {
          runs.recordRunProcess(this.db, run.id, started.pid, started.startTime);
          run.pid = started.pid;
          run.pidStartTime = started.startTime;
        }
        if (run && run.endedAt === null && run.pid !== null) {
          const adopted = this.supervisor.adopt({
            runId: run.id,
            taskId: task.id,
            lane: run.lane,
            pid: run.pid,
            pidStartTime: run.pidStartTime,
            logPath: run.logPath,
            startedAt: run.startedAt,
            maxRuntimeMs: task.maxRuntimeSeconds === null ? null : task.maxRuntimeSeconds * 1000,
            output: this.transcriptFormatOfLane(run.lane),
          });
          if (adopted) {
            tasks.updateTask(
              this.db,
              task.id,
              { claimOwner: `${DISPATCHER_CLAIM_PREFIX}${this.owner}` },
              now,
            );
            appendEvent(
              this.db,
              {
                taskId: task.id,
                runId: run.id,
                board: task.board,
                kind: 'adopted',
                payload: { pid: run.pid },
              },
              now,
            );
            return;
          }
        }
        if (run && run.endedAt === null) {
          // Ended while no dispatcher ran: settled by this tick's reap from the status its waiter
          // left (done, or the failure it was), or as `lost` when it left none (issue 20).
          this.supervisor.recordGone({
            runId: run.id,
            taskId: task.id,
            lane: run.lane,
            pid: run.pid,
            logPath: run.logPath,
          });
        } else {
          tasks.updateTask(this.db, task.id, { status: 'ready', ...tasks.CLAIM_RELEASED }, now);
        }
      });
    }
  }

  /** A worktree made off the tick (docs/architecture.md §9) led to a spawn or a blocked task: tell the listeners. */
  private afterBackgroundChange(result: DispatchResult | null): void {
    if (this.closed) return;
    this.feed.poll();
    if (result) this.reportTick(result);
    this.wake();
  }

  /**
   * Resolves when every worker a tick claimed is started or its task blocked: a repository task's
   * worker starts once its worktree is made, off the tick (docs/architecture.md §9); those starts
   * are reported as tick changes of their own (subscribe).
   */
  async startsSettled(): Promise<void> {
    await this.dispatcher.settled();
  }

  /** Worktrees being made right now (docs/architecture.md §9). */
  preparingWorkspaces(): number {
    return this.dispatcher.preparingWorkspaces();
  }

  /** After a tick's events went out: its notices, the state if it changed, the tick itself. */
  private reportTick(result: DispatchResult): void {
    // docs/architecture.md §10: a lane that just spent its daily budget is news (once, until it has budget again).
    const exhausted = this.dispatcher.exhaustedLanes();
    for (const [lane, detail] of exhausted) {
      if (this.budgetNoticed.has(lane)) continue;
      this.notify({ level: 'warning', title: `Budget exhausted: ${lane}`, message: detail, taskId: null });
    }
    // The tray shows the spent lanes: the state changes when the set does.
    const budgetsChanged =
      exhausted.size !== this.budgetNoticed.size ||
      [...exhausted.keys()].some((lane) => !this.budgetNoticed.has(lane));
    this.budgetNoticed = new Set(exhausted.keys());
    const stuckChanged = result.stuck !== this.wasStuck;
    if (stuckChanged) {
      this.wasStuck = result.stuck;
      if (result.stuck) {
        this.notify({
          level: 'warning',
          title: 'Dispatcher stuck',
          message: 'Ready tasks could be spawned but nothing started for several ticks.',
          taskId: null,
        });
      }
    }
    const workersChanged =
      result.spawned.length + result.completed.length + result.crashed.length + result.timedOut.length > 0 ||
      result.spawnFailed.length > 0;
    // The counts moved with the tick's events (pushed then); pushState sends only a state that
    // differs from the last one sent.
    if (budgetsChanged || stuckChanged || workersChanged) this.pushState();
    this.changeListeners.emit({ type: 'tick', result });
  }

  // Events ------------------------------------------------------------------------------------

  private handleEvents(events: TaskEvent[]): void {
    this.changeListeners.emit({ type: 'events', events });
    let wake = false;
    for (const event of events) {
      // A tick that began after the event was written saw its change: it needs no tick of its own.
      if (WAKE_KINDS.has(event.kind) && event.id > this.eventsSeenByTick) wake = true;
      if (event.taskId && CHANGE_CARD_KINDS.has(event.kind)) this.changes.taskChanged(event.taskId);
      if (event.taskId && event.kind === 'archived') this.changes.taskArchived(event.taskId);
      const notice = noticeFor(event, (id) => tasks.findTask(this.db, id)?.title ?? id);
      if (notice) this.notify(notice);
    }
    if (wake) this.wake();
    // The toolbar and the tray show the running/ready counts: any write can change them (a create,
    // a move, a promotion), so compare them after every batch rather than guess from event kinds.
    if (events.some((event) => !STATUS_KEEPING_EVENT_KINDS.has(event.kind))) this.pushState();
  }

  private notify(notice: EngineNotice): void {
    this.changeListeners.emit({ type: 'notice', notice });
  }

  private lastLeaseOwner: string | null = null;

  /** Whether another process took or gave up the lease since this was last asked (one row read). */
  private leaseOwnerChanged(): boolean {
    const owner = liveLeaseHolder(this.db, Date.now())?.owner ?? null;
    if (owner === this.lastLeaseOwner) return false;
    this.lastLeaseOwner = owner;
    return true;
  }

  /** What the last pushed state said, less what moves without being news (the tick time). */
  private lastPushedState = '';

  /**
   * Sends the dispatcher's state when it differs from the last one sent: every caller may ask
   * (a write, a tick, the switch, the lease), and a listener hears each new state once.
   */
  private pushState(): void {
    if (!this.changeListeners.listened) return;
    const state = this.dispatcherState();
    const { lastTickAt: _tickTime, workers, ...facts } = state;
    const key = JSON.stringify([facts, workers.map((worker) => worker.runId)]);
    if (key === this.lastPushedState) return;
    this.lastPushedState = key;
    this.changeListeners.emit({ type: 'dispatcher', state });
  }

  subscribe(listener: EngineListener): () => void {
    return this.changeListeners.subscribe(listener);
  }

  /** Call after this process wrote to the database, so listeners hear of it at once. */
  flush(): void {
    this.feed.poll();
  }

  // Queries and controls ----------------------------------------------------------------------

  dispatcherEnabled(): boolean {
    return dispatcherEnabled(this.db, this.settings.dispatcher.enabled);
  }

  dispatcherState(): DispatcherState {
    if (this.fault) {
      const last = this.lastGoodState;
      return {
        enabled: last?.enabled ?? false,
        active: false,
        leaseHolder: null,
        stuck: false,
        running: last?.running ?? 0,
        ready: last?.ready ?? 0,
        workerSlotsInUse: last?.workerSlotsInUse ?? 0,
        globalMaxConcurrent: this.settings.dispatcher.globalMaxConcurrent,
        lastTickAt: this.lastTickAt,
        workers: this.supervisor.workers(),
        fault: this.fault,
        budgetExhausted: [],
        dispatching: 'nowhere',
      };
    }
    const { running, ready } = tasks.runningAndReadyCounts(this.db);
    const other = this.active ? undefined : liveLeaseHolder(this.db, Date.now());
    const holder = this.active
      ? this.owner
      : (this.leaseHolderText ?? (other ? describeHolder(other) : null));
    const state: DispatcherState = {
      enabled: this.dispatcherEnabled(),
      active: this.active,
      leaseHolder: holder,
      stuck: this.dispatcher.isStuck(),
      running,
      ready,
      workerSlotsInUse: workerSlotsInUse(this.db).total,
      globalMaxConcurrent: this.settings.dispatcher.globalMaxConcurrent,
      lastTickAt: this.lastTickAt,
      workers: this.supervisor.workers(),
      fault: null,
      budgetExhausted: [...this.dispatcher.exhaustedLanes()].map(([lane, detail]) => ({ lane, detail })),
      // Not "is the switch on" (enabled) but whether any dispatcher runs: this one (or this one
      // about to take the lease), another process, or none (`serve --no-dispatch`).
      dispatching:
        this.active || (this.options.dispatch && !other && !this.closing)
          ? 'here'
          : other
            ? 'elsewhere'
            : 'nowhere',
    };
    this.lastGoodState = state;
    return state;
  }

  lastDispatchResult(): DispatchResult | null {
    return this.lastResult;
  }

  setDispatcherEnabled(enabled: boolean): void {
    runInWriteTransaction(this.db, () => storeDispatcherEnabled(this.db, enabled));
    this.pushState();
    this.wake();
  }

  laneStatuses(board: string): ReturnType<EngineHandle['laneStatuses']> {
    return laneStatuses(this.db, board, this.lanes, this.supervisor.workers());
  }

  setLanePaused(lane: string, paused: boolean): void {
    runInWriteTransaction(this.db, () => setLanePausedRow(this.db, lane, paused));
    this.changeListeners.emit({ type: 'lanes' });
    this.wake();
  }

  setLaneConcurrency(lane: string, maxConcurrent: number): void {
    runInWriteTransaction(this.db, () => setLaneMaxConcurrentRow(this.db, lane, maxConcurrent));
    this.changeListeners.emit({ type: 'lanes' });
    this.wake();
  }

  createProfile(name: string, template: ProfileTemplateName): string {
    const created = createProfileFromTemplate(this.paths, name, template);
    this.profilesChanged();
    return created.name;
  }

  profilesChanged(): void {
    // Written by this process just now: read at once, not when the watcher's event comes.
    this.lanes.reload();
    this.wake();
  }

  setLaneAgentSettings(
    lane: string,
    settings: { requireApproval?: boolean; budgetUsdPerDay?: number | null },
  ): void {
    updateLaneConfig(this.paths, lane, {
      requireApproval: settings.requireApproval,
      budget:
        settings.budgetUsdPerDay === undefined
          ? undefined
          : settings.budgetUsdPerDay === null
            ? null
            : { usdPerDay: settings.budgetUsdPerDay },
    });
    // Read at once (the watcher would see it within a tick): the caller's answer shows the new rule.
    this.lanes.reload();
    this.wake();
  }

  async stopWorker(taskId: string): Promise<void> {
    const task = tasks.findTask(this.db, taskId);
    if (task?.currentRunId === null || task?.currentRunId === undefined) return;
    await this.supervisor.stop(task.currentRunId, 'stopped by a person');
  }

  dryRun(): DispatchResult {
    this.lanes.refresh();
    return this.dispatcher.tick({ dryRun: true });
  }

  problems(): string[] {
    return this.lanes.problems();
  }

  workers(): WorkerStatus[] {
    return this.supervisor.workers();
  }

  /**
   * Stops the engine. `stopWorkers` ends every worker (their tasks go back to ready); otherwise
   * workers keep running and the next start adopts them (docs/architecture.md §5).
   */
  async close(options: { stopWorkers: boolean } = { stopWorkers: true }): Promise<void> {
    if (this.closed || this.closing) return;
    // A worker's exit wakes the engine; without this, stopping the workers would respawn their tasks.
    this.closing = true;
    this.housekeeping.stop();
    this.cancelScheduledTick();
    // A worktree being made (docs/architecture.md §9) finishes first: its outcome is written to the database.
    await this.dispatcher.settled();
    await this.changes.stop();
    if (options.stopWorkers) {
      await this.supervisor.stopAll();
      // Settle the stops (runs closed, tasks back to ready) without starting anything new.
      if (this.active && !this.fault) this.dispatcher.tick({ spawn: false });
    } else {
      this.supervisor.detachAll();
    }
    const childRunner = this.supervisor.childRunner();
    if (childRunner) stopRunningChildrenThrough(childRunner);
    this.supervisor.close();
    this.closed = true;
    this.lanes.close();
    if (this.fault) {
      // A plain close would checkpoint the WAL into the damaged file: leave the file as it is.
      this.active = false;
      closeWithoutCheckpoint(this.db, { nativeBinding: this.options.nativeBinding });
      return;
    }
    this.feed.poll();
    this.feed.stop();
    if (this.active) releaseLease(this.db, this.owner);
    this.active = false;
    this.db.close();
  }
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'user';
  }
}

function noticeFor(event: TaskEvent, titleOf: (id: string) => string): EngineNotice | null {
  const taskId = event.taskId;
  if (!taskId) return null;
  // The title is a read: only for the kinds that make a notice (a stream of moves makes none).
  switch (event.kind) {
    case 'completed':
      return { level: 'info', title: 'Done', message: titleOf(taskId), taskId };
    case 'blocked':
      return {
        level: 'warning',
        title: 'Blocked',
        message: `${titleOf(taskId)}: ${String(event.payload.reason ?? '')}`,
        taskId,
      };
    case 'gave_up':
      return {
        level: 'error',
        title: 'Gave up',
        message: `${titleOf(taskId)}: ${String(event.payload.lastError ?? '')}`,
        taskId,
      };
    default:
      return null;
  }
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const engine = new Engine({ firstTickDelayMs: FIRST_TICK_DELAY_MS, spawner: true, ...options });
  engine.start();
  return engine;
}
