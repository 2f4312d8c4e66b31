import { emptyDispatchResult, type DispatchResult } from '../../../shared/dispatch';
import type { SkipReason, Task } from '../../../shared/domain';
import { promoteTasks } from '../commands/taskCommands';
import { issueRunSecret } from '../commands/actors';
import { RUN_SECRET_ENV } from '../commands/workerEnv';
import { commentsOf } from '../store/comments';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { appendEvent, appendSkipsChanged, lastEventId, taskIdsChangedAfter } from '../store/events';
import type { HomePaths } from '../config/home';
import { laneOverrides } from '../store/laneSettings';
import { awaitsApproval, effectiveLaneSettings, type LaneResolution } from '../config/lanes';
import { childIdsOfAny, parentsOf } from '../store/links';
import { dispatcherEnabled } from '../store/meta';
import { budgetDay, formatUsd } from '../../../shared/budget';
import {
  recordFailure,
  recordLost,
  recordRateLimited,
  recordStopped,
  recordSuccess,
  recordWorkspaceFailure,
  reclaimExpiredClaims,
  type FailurePolicy,
} from '../commands/outcomes';
import {
  expandCommand,
  promptArgumentRoom,
  resumeCommand,
  transcriptFormatOf,
  usesPromptFile,
  type Profile,
} from '../config/profiles';
import { nextRunFollowup } from '../store/followups';
import {
  buildPrompt,
  MAX_ARGUMENT_BYTES,
  promptFilePathOf,
  utf8Prefix,
  type PromptCaps,
} from '../workers/prompt';
import { ensureOwnedDir, UnsafePathError, writeNewFile } from '../ownedFiles';
import * as runs from '../store/runs';
import {
  exitStatusKnown,
  type SpawnOutcome,
  type SpawnRequest,
  type Supervisor,
  type WorkerExit,
} from '../workers/supervisor';
import * as tasks from '../store/tasks';
import { prepareWorkspace } from '../workers/workspace';
import { isRepositoryWorkspace } from '../workers/repository';
import { prepareTaskWorktree } from '../workers/worktrees';
import path from 'node:path';
import { appendAll } from '../../../shared/arrays';
import { DISPATCHER_CLAIM_PREFIX } from '../../../shared/constants';
import { ReadsUntilChanged } from '../store/readsUntilChanged';
import { laneSkipRows, writeLaneSkips, type LaneSkip } from '../store/laneSkips';

/**
 * The dispatcher tick (docs/architecture.md §4), in the spec's order: reap, outcomes, timeouts, reclaims,
 * promotions, then a walk over ready tasks that either gives each a typed skip reason or claims
 * and spawns it, and finally the health check. Terminal lanes are never claimed or spawned.
 */

export interface DispatcherConfig extends FailurePolicy {
  /** settings.json's dispatcher.enabled: the switch when none is stored (store/meta dispatcherEnabled). */
  enabledInSettings: boolean;
  globalMaxConcurrent: number;
  stuckTicks: number;
  stuckLogIntervalMs: number;
  promptCaps: PromptCaps;
}

export interface LaneSource {
  resolve(name: string): LaneResolution;
  declaredLanes(): {
    name: string;
    paused: boolean;
    maxConcurrent: number | null;
    requireApproval?: boolean;
    budgetUsdPerDay?: number | null;
  }[];
  /** Moves whenever a resolution or lane setting changed; without it every tick re-walks. */
  version?(): number;
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
  /**
   * A task whose worktree was made after its tick (docs/architecture.md §9) was spawned (with what happened, as
   * a tick result would say) or blocked (null): the engine pushes the change out.
   */
  onBackgroundChange?: (result: DispatchResult | null) => void;
  /**
   * Rows one step of a cold start reads or one step of a walk judges (default SLICE_ROWS); a write
   * step stores a quarter as many skip reasons (SKIP_WRITE_COST).
   */
  sliceRows?: number;
}

/**
 * Issue 17, target 9: a cold start (the first tick of an engine on 100,000 tasks) reads, checks
 * and writes this many rows a step, and yields to the event loop between steps (Engine), so no
 * step holds it for long.
 */
export const SLICE_ROWS = 2_000;

/**
 * A stored skip reason costs far more than a judged one (about 7 µs with the count triggers of
 * migration v12, against under 1 µs to judge a task: bench/RESULTS.md, issue 17 target 2), so a
 * write step stores a quarter of a slice (sliceRows / SKIP_WRITE_COST): 500 by default, a few ms.
 */
export const SKIP_WRITE_COST = 4;

/** The dispatcher's worker slots in use: per lane, and in all boards against its global limit. */
export interface WorkerSlots {
  byLane: ReadonlyMap<string, number>;
  total: number;
}

/**
 * SPEC §3, §4.6: the slots in use are the running tasks a dispatcher claimed. A task a terminal
 * claimed is running too but uses none (SPEC §3: terminal lanes are never spawned). The capacity
 * check of the walk and the toolbar's "M/4 workers" (DispatcherState.workerSlotsInUse) both read this.
 */
export function workerSlotsInUse(db: Db): WorkerSlots {
  const rows = tasks.dispatcherRunningByLane(db, DISPATCHER_CLAIM_PREFIX);
  return {
    byLane: new Map(rows.map((row) => [row.assignee ?? '', row.n])),
    total: rows.reduce((sum, row) => sum + row.n, 0),
  };
}

/** docs/architecture.md §10: the follow-up a run carries and the agent session it may resume (null: none known). */
interface Followup {
  text: string;
  session: string | null;
}

type ReadyRow = tasks.ReadyQueueRow;

interface Skip {
  reason: SkipReason;
  detail: string | null;
}

const UNASSIGNED: Skip = {
  reason: 'unassigned',
  detail: 'no lane — assign it to a profile or a terminal lane',
};
const DISPATCHER_PAUSED: Skip = { reason: 'dispatcher_paused', detail: 'the dispatcher is switched off' };
const TASK_AWAITS_APPROVAL: Skip = {
  reason: 'awaiting_approval',
  detail: 'this task asks for approval before it starts',
};

/** What the walk's rules read besides the task and its lane; `globalRunning` grows as it spawns. */
interface WalkState {
  enabled: boolean;
  globalRunning: number;
  now: number;
  globalMax: number;
}

interface LaneRuntime {
  resolution: LaneResolution;
  paused: boolean;
  maxConcurrent: number;
  running: number;
  /** docs/architecture.md §10: every ready task of the lane waits for approval. */
  requireApproval: boolean;
  /** docs/architecture.md §10: set when the lane's budget for today is spent (its figure and reset time). */
  budgetExhausted: Skip | null;
  /** Verdicts that hold for every task of the lane this tick, built once (not per task). */
  verdicts: Partial<Record<SkipReason, Skip>>;
  /** What the walk over these facts (one per tick) does with the lane's stored verdict; null: not met yet. */
  plan: LanePlan | null;
}

/** Lane facts for one tick and a key that is equal exactly when none of them changed. */
interface LaneState {
  /** Equal exactly when no lane fact but the running counts changed (those are compared lane by lane). */
  key: string | null;
  laneOf: (name: string) => LaneRuntime;
  enabled: boolean;
  globalRunning: number;
  /** Tasks this dispatcher runs, per lane, when the tick began. */
  runningByLane: ReadonlyMap<string, number>;
  /** The lanes resolved so far this tick: their `running` grows as the walk spawns. */
  runtimes: ReadonlyMap<string, LaneRuntime>;
}

/**
 * SPEC §4.6's first five rules read only the task's lane and the dispatcher's switch, so their
 * verdict holds for every ready task of the lane: it is stored once for the lane (lane_skips,
 * migration v13), and the tasks' own rows are left as they are under it.
 */
const LANE_WIDE_REASONS: ReadonlySet<SkipReason> = new Set([
  'unassigned',
  'terminal_lane',
  'profile_broken',
  'dispatcher_paused',
  'lane_paused',
]);

/** What a walk does with one lane's stored verdict, decided at the lane's first task. */
interface LanePlan {
  /** The lane-wide verdict its tasks have now (null: none, each task has its own). */
  wanted: Skip | null;
  /** The stored lane verdict is not `wanted`: it is written, and the lane's cards change. */
  changes: boolean;
}

function sameVerdict(a: LaneSkip | null | undefined, b: LaneSkip | null | undefined): boolean {
  return (a ?? null) === null
    ? (b ?? null) === null
    : b != null && a?.reason === b.reason && a.detail === b.detail;
}

/** The verdicts that read the running counts: the only ones a worker starting or ending can change. */
const CAPACITY_REASONS: ReadonlySet<SkipReason> = new Set(['lane_at_capacity', 'global_at_capacity']);

/** The last walk's verdicts, replayed while nothing they depended on changed (docs/architecture.md §4.6 at scale). */
interface WalkMemo {
  laneKey: string;
  /** The verdicts hold until this time (the earliest backoff end seen). */
  validUntil: number;
  /**
   * The verdicts of the last full walk (or of the last fold, `foldedVerdicts`) in walk order, and
   * the rows they were judged on (same length, same order). A lane-wide verdict is one object
   * shared by the lane's tasks; `result.skipped` is made from these two only when read.
   */
  base: readonly Skip[];
  baseRows: readonly ReadyRow[];
  /** `result.skipped` of `base` (made on first read, then the same list for every tick that hands it out). */
  baseList: (() => readonly Skipped[]) | null;
  /** Every task skipped now, with its row and verdict; built when a later tick first needs it. */
  current: Map<string, Judged> | null;
  /**
   * What changed since `base`: tasks whose entry there no longer holds, and the verdicts given
   * since. A tick hands out `base` with these applied, built only if someone reads it.
   */
  dropped: Set<string>;
  added: Map<string, Judged>;
  /** `result.skipped` for the memo as it is now (null: not made since it last changed). */
  handout: (() => readonly Skipped[]) | null;
  counts: DispatchResult['skippedCounts'];
  /** Running per lane and in all, as the walk left them (its own spawns counted). */
  running: Map<string, number>;
  globalRunning: number;
}

interface Judged {
  row: ReadyRow;
  skip: Skip;
}

/** More changes than this since the full walk: fold them into a new `base` (one pass, then none). */
const FOLD_AFTER = 512;

/** `base` less the `dropped` tasks, with the `added` verdicts in their places of the walk order. */
function foldedVerdicts(
  base: readonly Skip[],
  baseRows: readonly ReadyRow[],
  dropped: ReadonlySet<string>,
  added: readonly Judged[],
): { verdicts: readonly Skip[]; rows: ReadyRow[] } {
  const extra = added.slice().sort((a, b) => walkOrder(a.row, b.row));
  const verdicts: Skip[] = [];
  const rows: ReadyRow[] = [];
  let next = 0;
  const take = (judged: Judged): void => {
    verdicts.push(judged.skip);
    rows.push(judged.row);
  };
  for (let i = 0; i < base.length; i++) {
    const row = baseRows[i] as ReadyRow;
    if (dropped.has(row.id)) continue;
    while (next < extra.length && walkOrder((extra[next] as Judged).row, row) < 0)
      take(extra[next++] as Judged);
    take({ row, skip: base[i] as Skip });
  }
  while (next < extra.length) take(extra[next++] as Judged);
  return { verdicts, rows };
}

/** A task whose stored skip reason differs from its verdict now (the verdict may be a lane's, shared). */
interface SkipChange {
  row: ReadyRow;
  skip: Skip;
}

type Skipped = DispatchResult['skipped'][number];

/**
 * The changes by verdict: first by verdict object (a lane-wide verdict is one object shared by the
 * lane's tasks, so no key is made per task), then the objects that say the same merged (the global
 * limit's verdict of each lane), as each statement costs: one per verdict, not per lane.
 */
function groupsByVerdict(changes: readonly SkipChange[]): tasks.SkipVerdictGroup[] {
  const byObject = new Map<Skip, string[]>();
  for (const { row, skip } of changes) {
    const ids = byObject.get(skip);
    if (ids) ids.push(row.id);
    else byObject.set(skip, [row.id]);
  }
  const byText = new Map<string, tasks.SkipVerdictGroup>();
  for (const [skip, ids] of byObject) {
    const key = `${skip.reason}\0${skip.detail ?? '\u0001'}`;
    const group = byText.get(key);
    if (group) appendAll(group.ids, ids);
    else byText.set(key, { reason: skip.reason, detail: skip.detail, ids });
  }
  return [...byText.values()];
}

/**
 * `result.skipped` of `rows` and their verdicts (same order), made once, on first read, and frozen
 * so no reader can change what later ticks replay: the tick itself reads only the verdicts, so a
 * re-evaluation of 20,000 tasks makes no entry object unless someone asks for the list.
 */
function skippedListOf(rows: readonly ReadyRow[], verdicts: readonly Skip[]): () => readonly Skipped[] {
  let made: readonly Skipped[] | null = null;
  return () =>
    (made ??= Object.freeze(
      rows.map((row, i) => {
        const skip = verdicts[i] as Skip;
        return { taskId: row.id, reason: skip.reason, detail: skip.detail };
      }),
    ));
}

/**
 * A walk over ready tasks (docs/architecture.md §4.6) that may be taken in slices (issue 17,
 * targets 2 and 9): where it stands, the lane facts and running counts it carries from slice to
 * slice, and what it found so far.
 */
interface Walk {
  rows: readonly ReadyRow[];
  next: number;
  lanes: LaneState;
  state: WalkState;
  dryRun: boolean;
  result: DispatchResult;
  spawnable: number;
  validUntil: number;
  skipChanges: SkipChange[];
  /** The tasks skipped so far and their verdicts (same order): `result.skipped` once the walk ends. */
  skippedRows: ReadyRow[];
  skippedVerdicts: Skip[];
  /** Each lane met so far (Unassigned is ''): its lane-wide verdict and whether the stored one moves. */
  lanePlans: Map<string, LanePlan>;
  unassignedPlan: LanePlan | null;
  /** Tasks of the lanes whose stored verdict moves: their cards change when it is written. */
  laneTasks: string[];
}

/** A full walk begun by a tick in steps, to be finished by later steps (Dispatcher.continueTick). */
interface TickInSteps {
  walk: Walk;
  sliceWrites: boolean;
}

/** More events than this between two ticks: re-read everything rather than task by task. */
const INCREMENTAL_LIMIT = 2_000;
/** More changed ready tasks than this: walk them all rather than only the changed ones. */
const INCREMENTAL_WALK_LIMIT = 500;

function walkOrder(a: ReadyRow, b: ReadyRow): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The ready, unclaimed tasks in walk order, kept in memory and brought up to date from the event
 * log (every task mutation appends an event), so an idle tick reads no task rows at all.
 */
class ReadyQueue {
  private byId = new Map<string, ReadyRow>();
  private order: ReadyRow[] = [];
  private stale = 0;
  loaded = false;

  reset(rows: ReadyRow[]): void {
    this.byId = new Map(rows.map((row) => [row.id, row]));
    this.order = rows;
    this.stale = 0;
    this.loaded = true;
  }

  remove(id: string): void {
    if (this.byId.delete(id)) this.stale += 1;
  }

  /** `rows` are the current rows of those of `ids` that are (still) ready and unclaimed. */
  replace(ids: readonly string[], rows: readonly ReadyRow[]): void {
    for (const id of ids) this.remove(id);
    // Removed rows stay in `order` until enough have gathered: filtering 20,000 rows for each task
    // that changed made every tick with a change cost a pass over the whole queue (issue 17, 3a).
    // They keep their places, so the binary search below still finds the walk order.
    if (this.stale > Math.max(64, this.order.length >>> 3)) this.compact();
    for (const row of rows) {
      this.byId.set(row.id, row);
      let low = 0;
      let high = this.order.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (walkOrder(this.order[mid] as ReadyRow, row) < 0) low = mid + 1;
        else high = mid;
      }
      this.order.splice(low, 0, row);
    }
  }

  get(id: string): ReadyRow | undefined {
    return this.byId.get(id);
  }

  rows(): readonly ReadyRow[] {
    this.compact();
    return this.order;
  }

  private compact(): void {
    if (this.stale === 0) return;
    this.order = this.order.filter((row) => this.byId.get(row.id) === row);
    this.stale = 0;
  }
}

/** The running counts a walk leaves: those it began with, plus its own spawns. */
function runningAfter(
  lanes: LaneState,
  globalRunning: number,
): { running: Map<string, number>; globalRunning: number } {
  const running = new Map(lanes.runningByLane);
  for (const [name, runtime] of lanes.runtimes) running.set(name, runtime.running);
  return { running, globalRunning };
}

/** Every task the memo holds a verdict for, by id (one pass over `base`, when first needed). */
function currentOf(memo: WalkMemo): Map<string, Judged> {
  if (memo.current) return memo.current;
  const current = new Map<string, Judged>();
  memo.baseRows.forEach((row, i) => current.set(row.id, { row, skip: memo.base[i] as Skip }));
  for (const id of memo.dropped) current.delete(id);
  for (const [id, judged] of memo.added) current.set(id, judged);
  memo.current = current;
  return current;
}

/**
 * `result.skipped` for the memo as it is now. Unchanged since the full walk: `base` itself. Else
 * the changes are copied (a few entries, not 20,000) and applied only when someone reads the list
 * (the CLI's report, tests); many changes are folded into `base` once.
 */
function handoutOf(memo: WalkMemo): () => readonly Skipped[] {
  if (memo.handout) return memo.handout;
  if (memo.dropped.size + memo.added.size > FOLD_AFTER) {
    const folded = foldedVerdicts(memo.base, memo.baseRows, memo.dropped, [...memo.added.values()]);
    memo.base = folded.verdicts;
    memo.baseRows = folded.rows;
    memo.baseList = null;
    memo.dropped = new Set();
    memo.added = new Map();
  }
  const { base, baseRows } = memo;
  let handout: () => readonly Skipped[];
  if (memo.dropped.size === 0 && memo.added.size === 0) {
    handout = memo.baseList ??= skippedListOf(baseRows, base);
  } else {
    const dropped = new Set(memo.dropped);
    const added = [...memo.added.values()];
    let made: (() => readonly Skipped[]) | null = null;
    handout = () => {
      if (!made) {
        const folded = foldedVerdicts(base, baseRows, dropped, added);
        made = skippedListOf(folded.rows, folded.verdicts);
      }
      return made();
    };
  }
  memo.handout = handout;
  return handout;
}

/** Frozen, so no reader of a result can change what later ticks replay; built on first read. */
function defineSkipped(result: DispatchResult, handout: () => readonly Skipped[]): void {
  Object.defineProperty(result, 'skipped', {
    enumerable: true,
    configurable: true,
    get: () => handout() as Skipped[],
  });
}

export const TERMINAL_LANE_DETAIL = 'terminal lane — waiting for `switchyard claim`';

export class Dispatcher {
  private ticksWithoutSpawn = 0;
  private stuck = false;
  private lastStuckLogAt = 0;
  private readonly now: () => number;
  private readonly queue = new ReadyQueue();
  /** Event-log positions up to which promotions and the ready queue have looked. */
  private promotionCursor = 0;
  private queueCursor = 0;
  private fullPromotionDue = true;
  /** Tasks of the ready queue that changed since the last walk ('all' after a full read). */
  private queueChanges: Set<string> | 'all' = 'all';
  private memo: WalkMemo | null = null;
  private readonly sliceRows: number;
  private readonly skipWriteRows: number;
  /** A full promotion check in pages (warmUpStep): the log's position before its first page, the last id checked. */
  private promotionScan: { cursor: number; after: string } | null = null;
  /** A read of the ready queue in pages (warmUpStep): the log's position before its first page, rows so far. */
  private queueScan: { cursor: number; after: string; rows: ReadyRow[] } | null = null;
  /** Promotions made by warmUpStep, reported by the next tick. */
  private warmUpPromoted: string[] = [];
  /**
   * Skip reasons judged but not yet stored (a tick with `sliceWrites`), by task: written in
   * order by flushSkipWrites. Dropped when the task changes (the next walk judges it again, against
   * what is stored then) and replaced when a later walk judges it otherwise.
   */
  private readonly pendingSkips = new Map<string, SkipChange>();
  /**
   * The lanes' verdicts as they are stored once the pending writes are done (null: read them from
   * lane_skips); the lane verdicts judged and not stored yet (null: remove), written with the last
   * of the pending task rows; and the tasks whose cards those change.
   */
  private laneSkips: Map<string, LaneSkip> | null = null;
  private readonly pendingLaneSkips = new Map<string, LaneSkip | null>();
  private pendingLaneTasks: string[] = [];
  /**
   * Issue 17, target 1: what a tick reads from the database (open runs, the newest event, the
   * earliest claim expiry, lane overrides, the switch, running counts, today's spend) is read again
   * only when the database changed since it was read; an idle tick runs one statement for all of it.
   */
  private readonly reads: ReadsUntilChanged;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    this.reads = new ReadsUntilChanged(deps.db);
    this.sliceRows = deps.sliceRows ?? SLICE_ROWS;
    this.skipWriteRows = Math.max(1, Math.floor(this.sliceRows / SKIP_WRITE_COST));
  }

  isStuck(): boolean {
    return this.stuck;
  }

  /**
   * Forget what was learnt from the event log: the next tick re-reads every ready task and checks
   * every todo task for promotion. For writes that append no event (a worker recovered at start)
   * and for taking over the lease (another dispatcher stored skip reasons meanwhile).
   */
  invalidate(): void {
    this.queue.loaded = false;
    this.fullPromotionDue = true;
    this.memo = null;
    this.promotionScan = null;
    this.queueScan = null;
    this.clearPendingSkips();
    this.inSteps = null;
    this.reads.forget();
  }

  /** Forgets every verdict judged and not stored; the lanes' stored verdicts are read again. */
  private clearPendingSkips(): void {
    this.pendingSkips.clear();
    this.pendingLaneSkips.clear();
    this.pendingLaneTasks = [];
    this.laneSkips = null;
  }

  /** True while a tick would start cold: a full promotion check or a full read of the ready queue due. */
  needsWarmUp(): boolean {
    return this.fullPromotionDue || !this.queue.loaded;
  }

  /**
   * One bounded step of what a cold tick does at once (issue 17, target 9): a page of the full
   * promotion check, else a page of the ready queue. The caller yields to the event loop between
   * steps and ticks once needsWarmUp() is false; the tick then replays the log written meanwhile
   * (from the position taken before the first page), as it does after any tick.
   */
  warmUpStep(): void {
    const { db } = this.deps;
    const size = this.sliceRows;
    if (this.fullPromotionDue) {
      const scan = (this.promotionScan ??= { cursor: lastEventId(db), after: '' });
      const page = runInWriteTransaction(db, () => {
        const ids = tasks.todoTaskIdsAfter(db, scan.after, size);
        return { ids, promoted: promoteTasks(db, ids, this.now()) };
      });
      appendAll(this.warmUpPromoted, page.promoted);
      if (page.ids.length === size) {
        scan.after = page.ids[size - 1] as string;
        return;
      }
      this.promotionCursor = scan.cursor;
      this.fullPromotionDue = false;
      this.promotionScan = null;
      return;
    }
    if (this.queue.loaded) return;
    const scan = (this.queueScan ??= { cursor: lastEventId(db), after: '', rows: [] });
    const page = tasks.readyQueuePage(db, scan.after, size);
    appendAll(scan.rows, page);
    if (page.length === size) {
      scan.after = (page[size - 1] as ReadyRow).id;
      return;
    }
    this.loadQueue(scan.rows.sort(walkOrder), scan.cursor);
  }

  private loadQueue(rows: ReadyRow[], cursor: number): void {
    this.queue.reset(rows);
    this.queueCursor = cursor;
    this.queueChanges = 'all';
    this.queueScan = null;
    this.clearPendingSkips();
  }

  /** Skip reasons judged and not yet stored (a tick with `sliceWrites`); the lanes' count as one. */
  pendingSkipWrites(): number {
    return this.pendingSkips.size + (this.pendingLaneSkips.size > 0 ? 1 : 0);
  }

  /**
   * Stores up to `limit` of the pending skip reasons (default: one step's worth), in walk order,
   * and with the last of them the lanes' verdicts: a lane's own rows are right before its verdict
   * goes (a resumed lane's cards never show rows older than the walk).
   */
  flushSkipWrites(limit = this.skipWriteRows): void {
    if (this.pendingSkipWrites() === 0) return;
    const batch: SkipChange[] = [];
    for (const [id, change] of this.pendingSkips) {
      if (batch.length >= limit) break;
      batch.push(change);
      this.pendingSkips.delete(id);
    }
    const withLanes = this.pendingSkips.size === 0 && this.pendingLaneSkips.size > 0;
    this.writeSkipChanges(batch, withLanes);
  }

  /**
   * `dryRun` changes nothing; `spawn: false` settles what happened (reap, outcomes, reclaims,
   * promotions) without starting anything new.
   */
  tick(options: { dryRun?: boolean; spawn?: boolean; sliceWrites?: boolean } = {}): DispatchResult {
    return this.startTick(options, false) as DispatchResult;
  }

  /**
   * tick() with its walk in slices (issue 17, targets 2 and 9): everything before the walk and its
   * first slice now, then null while rows remain — continueTick() walks the next slice, each a step
   * of its own with the event loop served between them (Engine.runTickInSteps). A walk that fits
   * one slice, or the few tasks that changed since the last (walkChanged), ends here.
   */
  beginTick(options: { spawn?: boolean; sliceWrites?: boolean } = {}): DispatchResult | null {
    return this.startTick(options, true);
  }

  /**
   * One more slice of the walk begun by beginTick(); the tick's result once its last row is walked,
   * else null (also when none is in progress). The board may change between slices: a task claimed
   * or moved meanwhile is judged on the row the walk read, a claim of it fails its compare-and-swap,
   * its verdict is stored only if it is still ready and unclaimed (writeSkipChanges), and the next
   * tick judges it again from its event — as with a change landing during any tick.
   */
  continueTick(): DispatchResult | null {
    const inSteps = this.inSteps;
    if (!inSteps) return null;
    try {
      const done = this.walkSome(inSteps.walk, this.sliceRows);
      // Kept pending a slice at a time, so the last step does not take 20,000 at once.
      this.storeSkipChanges(inSteps.walk.skipChanges.splice(0), inSteps.walk.result);
      if (!done) return null;
    } catch (error) {
      this.abandonWalk();
      throw error;
    }
    this.inSteps = null;
    return this.endTick(this.finishFullWalk(inSteps.walk), inSteps.walk.result, inSteps.sliceWrites);
  }

  /** A tick begun by beginTick() still has rows to walk. */
  walking(): boolean {
    return this.inSteps !== null;
  }

  /**
   * Drops a walk in progress (the engine closes, loses the lease, or a step failed): what it
   * claimed stays claimed, what it judged is not stored (another dispatcher may own the
   * board now), and the next tick walks every task again.
   */
  abandonWalk(): void {
    if (!this.inSteps) return;
    this.inSteps = null;
    this.memo = null;
    this.queueChanges = 'all';
    this.clearPendingSkips();
  }

  /** A full walk begun by beginTick() and not finished yet. */
  private inSteps: TickInSteps | null = null;

  private startTick(
    options: { dryRun?: boolean; spawn?: boolean; sliceWrites?: boolean },
    sliceWalk: boolean,
  ): DispatchResult | null {
    const dryRun = options.dryRun ?? false;
    // A tick begun in steps and not finished when another tick comes (the engine's runTick() for the
    // CLI or a test, meanwhile): its walk is finished first, so no two walks interleave and nothing
    // it judged is lost. Its result is not reported (the engine reports the tick that follows). A
    // tick that must start nothing (`spawn: false`, the engine closing) drops it instead.
    if (!dryRun && this.inSteps && options.spawn === false) this.abandonWalk();
    if (!dryRun && this.inSteps) {
      const pending = this.inSteps;
      this.walkSome(pending.walk, Number.POSITIVE_INFINITY);
      this.inSteps = null;
      this.endTick(this.finishFullWalk(pending.walk), pending.walk.result, pending.sliceWrites);
    }
    const startedAt = this.now();
    const result = emptyDispatchResult(dryRun, startedAt);
    this.reads.look();
    if (!dryRun) {
      this.eventsSeenAtTickStart = this.lastEventId();
      const exits = this.deps.supervisor.drainExits();
      this.reapExits(exits, result);
      // Each step that wrote looks again, so the reads after it (running counts, open runs) see it.
      if (exits.length > 0) this.reads.look();
      this.stopWorkersWhoseRunEnded();
      if (this.reclaimExpired(result)) this.reads.look();
      appendAll(result.promoted, this.warmUpPromoted.splice(0));
      const promoted = this.promote();
      if (promoted !== null) {
        appendAll(result.promoted, promoted);
        this.reads.look();
      }
      this.syncQueue();
    }
    if (options.spawn === false) return result;
    const sliceWrites = options.sliceWrites ?? false;
    const spawnable = this.walkReadyTasks(dryRun, result, sliceWalk ? { sliceWrites } : null);
    if (spawnable === null) return null;
    return this.endTick(spawnable, result, sliceWrites);
  }

  private endTick(spawnable: number, result: DispatchResult, sliceWrites: boolean): DispatchResult {
    // Without sliceWrites every verdict is stored by the end of the tick (the CLI, tests).
    if (!result.dryRun && !sliceWrites) this.flushSkipWrites(Number.POSITIVE_INFINITY);
    if (!result.dryRun) this.checkHealth(spawnable, result);
    else result.stuck = this.stuck;
    result.durationMs = this.now() - result.startedAt;
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
        // docs/architecture.md §10: what a structured agent reported, whatever the outcome (a failed run costs too).
        if (exit.usage) {
          const { sessionId, ...usage } = exit.usage;
          runs.recordRunUsage(db, run.id, { ...usage, agentSession: sessionId });
        }
        if (run.endedAt !== null) {
          // Already settled (the worker reported, or a person moved the task): keep the exit code.
          runs.recordLateExit(db, run.id, exit.exitCode, exit.signal);
          return;
        }
        const completion = this.completionOf(task);
        if (exit.stopRequested && !exit.timedOut) {
          recordStopped(db, task, run.id, now);
          return;
        }
        if (!exit.timedOut && !exitStatusKnown(exit)) {
          if (recordLost(db, task, run.id, LOST_ERROR, now)) result.lost.push(task.id);
          return;
        }
        if (!exit.timedOut && exit.exitCode === 0 && completion === 'exit-code') {
          if (recordSuccess(db, task, run.id, null, 0, now)) result.completed.push(task.id);
          return;
        }
        if (!exit.timedOut && exit.exitCode !== null && this.retryExitCodesOf(task).includes(exit.exitCode)) {
          if (recordRateLimited(db, task, run.id, exit.exitCode, this.deps.config(), now))
            result.rateLimited.push(task.id);
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

  /** docs/architecture.md §10: the profile's retryExitCodes (default [75]); a lane without a profile has none. */
  private retryExitCodesOf(task: Task): readonly number[] {
    const resolution = task.assignee ? this.deps.lanes.resolve(task.assignee) : undefined;
    return resolution?.kind === 'profile' ? resolution.profile.retryExitCodes : [];
  }

  private completionOf(task: Task): 'exit-code' | 'report' {
    const resolution = task.assignee ? this.deps.lanes.resolve(task.assignee) : undefined;
    return resolution?.kind === 'profile' ? resolution.profile.completion : 'exit-code';
  }

  /** A run closed by someone else (a person moved the task, `switchyard complete`) ends its worker. */
  private stopWorkersWhoseRunEnded(): void {
    const live = this.deps.supervisor.runs();
    if (live.length === 0) return;
    // Every open run (one per running task, from the partial index runs_open): a few rows, and
    // measured 6× cheaper per idle tick than asking for the live ones by id through json_each.
    const openIds = this.reads.keep('openRunIds', () => runs.openRunIds(this.deps.db));
    for (const worker of live) {
      if (!openIds.has(worker.runId) && !worker.stopping)
        void this.deps.supervisor.stop(worker.runId, 'run closed');
    }
  }

  /**
   * docs/architecture.md §4 step 4: terminal claims whose time ran out go back to ready. Only once
   * the earliest expiry has passed (read again when the database changed), not a query per tick.
   * True when it wrote.
   */
  private reclaimExpired(result: DispatchResult): boolean {
    const { db } = this.deps;
    const earliest = this.reads.keep('earliestClaimExpiry', () => tasks.earliestClaimExpiry(db));
    const now = this.now();
    if (earliest === null || earliest >= now) return false;
    appendAll(result.reclaimed, reclaimExpiredClaims(db, now));
    return true;
  }

  /** The newest event when the last tick began (the engine wakes only for later ones). */
  private eventsSeenAtTickStart = 0;

  /** The newest event when the last tick (or tick in steps) began: every change up to it was seen by it. */
  eventsSeenByLastTick(): number {
    return this.eventsSeenAtTickStart;
  }

  /** The newest event's id, read again only when the database changed. */
  private lastEventId(): number {
    return this.reads.keep('lastEventId', () => lastEventId(this.deps.db));
  }

  // Step 5 --------------------------------------------------------------------------------------

  /**
   * A todo task can only become promotable through an event on itself or on a parent (a parent
   * done, a link removed, the task moved to todo), so after the first full check only those tasks
   * and the children of those tasks are looked at.
   */
  private promote(): string[] | null {
    const { db } = this.deps;
    // No new event, nothing to promote: an idle tick takes no write lock for this step (null).
    if (!this.fullPromotionDue && this.lastEventId() <= this.promotionCursor) return null;
    this.promotionScan = null;
    // The cursor moves only once the promotions are committed: a failed tick looks again.
    const step = runInWriteTransaction(db, () => {
      const now = this.now();
      if (this.fullPromotionDue) {
        const cursor = lastEventId(db);
        return { cursor, promoted: promoteTasks(db, undefined, now) };
      }
      const changed = taskIdsChangedAfter(db, this.promotionCursor, INCREMENTAL_LIMIT);
      if (changed.overflow) return { cursor: changed.lastId, promoted: promoteTasks(db, undefined, now) };
      if (changed.taskIds.length === 0) return { cursor: changed.lastId, promoted: [] };
      const among = new Set([...changed.taskIds, ...childIdsOfAny(db, changed.taskIds)]);
      return { cursor: changed.lastId, promoted: promoteTasks(db, [...among], now) };
    });
    this.promotionCursor = step.cursor;
    this.fullPromotionDue = false;
    return step.promoted;
  }

  /** Brings the in-memory ready queue up to date with the tasks named by new events. */
  private syncQueue(): void {
    const { db } = this.deps;
    if (this.queue.loaded) {
      if (this.lastEventId() <= this.queueCursor) return;
      const changed = taskIdsChangedAfter(db, this.queueCursor, INCREMENTAL_LIMIT);
      if (!changed.overflow) {
        if (changed.taskIds.length > 0) {
          const rows = tasks.readyQueueRowsAmong(db, changed.taskIds);
          this.queue.replace(changed.taskIds, rows);
          const pending = this.queueChanges;
          if (pending !== 'all') for (const id of changed.taskIds) pending.add(id);
          // Judged again by the next walk, against the row as it is now.
          if (this.pendingSkips.size > 0) for (const id of changed.taskIds) this.pendingSkips.delete(id);
        }
        this.queueCursor = changed.lastId;
        return;
      }
    }
    // The cursor is read first: a change landing in between is then read twice, never missed.
    const cursor = lastEventId(db);
    this.loadQueue(tasks.readyQueueRows(db), cursor);
  }

  // Step 6 --------------------------------------------------------------------------------------

  /** Lane facts for this tick, resolved once per lane name (never per task). */
  private laneState(): LaneState {
    const { db, lanes } = this.deps;
    const runtimes = new Map<string, LaneRuntime>();
    const { reads } = this;
    const overrides = reads.keep('laneOverrides', () => laneOverrides(db));
    const config = this.deps.config();
    const enabled = reads.keep(`dispatcherEnabled:${config.enabledInSettings}`, () =>
      dispatcherEnabled(db, config.enabledInSettings),
    );
    const globalMax = config.globalMaxConcurrent;
    const slots = reads.keep('workerSlots', () => workerSlotsInUse(db));
    const budgets = this.exhaustedBudgets();
    const version = lanes.version?.();
    const key =
      version === undefined
        ? null
        : JSON.stringify([version, enabled, globalMax, [...overrides.values()], [...budgets.entries()]]);
    let declared: Map<string, ReturnType<LaneSource['declaredLanes']>[number]> | undefined;
    const laneOf = (name: string): LaneRuntime => {
      let runtime = runtimes.get(name);
      if (!runtime) {
        declared ??= new Map(lanes.declaredLanes().map((lane) => [lane.name, lane]));
        const resolution = lanes.resolve(name);
        const override = overrides.get(name);
        const declaration = declared.get(name);
        runtime = {
          resolution,
          ...effectiveLaneSettings(override, declaration, resolution),
          running: slots.byLane.get(name) ?? 0,
          budgetExhausted: budgets.get(name) ?? null,
          verdicts: {},
          plan: null,
        };
        runtimes.set(name, runtime);
      }
      return runtime;
    };
    return { key, laneOf, enabled, globalRunning: slots.total, runningByLane: slots.byLane, runtimes };
  }

  /**
   * docs/architecture.md §10: lanes whose spend today reached their `budget.usdPerDay`, with the skip that says so.
   * One query per tick, and only when some lane has a budget.
   */
  private exhaustedBudgets(): Map<string, Skip> {
    const exhausted = new Map<string, Skip>();
    this.lastExhausted = exhausted;
    const budgeted = this.deps.lanes
      .declaredLanes()
      .filter((lane) => (lane.budgetUsdPerDay ?? null) !== null);
    if (budgeted.length === 0) return exhausted;
    const day = budgetDay(this.now());
    const spent = this.reads.keep(`spendSince:${day.start}`, () =>
      runs.spendByLaneSince(this.deps.db, day.start),
    );
    for (const lane of budgeted) {
      const limit = lane.budgetUsdPerDay as number;
      const spend = spent.get(lane.name) ?? 0;
      if (spend < limit) continue;
      exhausted.set(lane.name, {
        reason: 'budget_exhausted',
        detail: `spent ${formatUsd(spend)} of ${formatUsd(limit)} today; resets ${new Date(day.resetAt).toISOString()}`,
      });
    }
    return exhausted;
  }

  private lastExhausted = new Map<string, Skip>();

  /** docs/architecture.md §10: lanes whose budget for today was spent at the last tick, with what the skip says. */
  exhaustedLanes(): ReadonlyMap<string, string> {
    return new Map([...this.lastExhausted].map(([lane, skip]) => [lane, skip.detail ?? '']));
  }

  /**
   * Returns how many tasks could have been spawned now (for the stuck check). `inSteps`: a full walk
   * longer than a slice is left in progress after its first slice (null returned; continueTick).
   */
  private walkReadyTasks(
    dryRun: boolean,
    result: DispatchResult,
    inSteps: { sliceWrites: boolean } | null = null,
  ): number | null {
    const { db } = this.deps;
    const now = this.now();
    const lanes = this.laneState();
    if (dryRun) {
      // A dry run must not move the queue's cursors (promotions have not run): it reads the table.
      const walk = this.evaluate(tasks.readyQueueRows(db), lanes, now, true, result);
      defineSkipped(result, skippedListOf(walk.skippedRows, walk.skippedVerdicts));
      return walk.spawnable;
    }
    const memo = this.memo;
    const changed = this.queueChanges;
    this.queueChanges = new Set();
    const memoHolds = memo !== null && memo.laneKey === lanes.key && now < memo.validUntil;
    if (memoHolds && changed !== 'all') {
      // The tasks that changed, and those skipped for a capacity whose running count moved (a
      // worker started or ended): every other verdict read nothing that changed.
      const again = this.capacityMoved(memo, lanes);
      for (const id of changed) again.add(id);
      if (again.size <= INCREMENTAL_WALK_LIMIT) return this.walkChanged(memo, again, lanes, now, result);
    }
    const walk = this.startWalk(this.queue.rows(), lanes, now, false, result);
    if (!inSteps) this.walkSome(walk, Number.POSITIVE_INFINITY);
    else if (!this.walkSome(walk, this.sliceRows)) {
      this.storeSkipChanges(walk.skipChanges.splice(0), result);
      this.inSteps = { walk, sliceWrites: inSteps.sliceWrites };
      return null;
    }
    return this.finishFullWalk(walk);
  }

  /** After the last row of a full walk: its verdicts kept pending, and the memo later ticks replay. */
  private finishFullWalk(walk: Walk): number {
    const { lanes, result, skippedRows, skippedVerdicts } = walk;
    this.storeSkipChanges(walk.skipChanges, result);
    this.storeLaneSkips(walk, true);
    const list = skippedListOf(skippedRows, skippedVerdicts);
    defineSkipped(result, list);
    // Every task the walk found spawnable left the queue (spawned, or claimed by someone faster, or
    // failed to start: the last two append events, so the next tick looks at them again), so the
    // skipped ones are all the memo needs, spawns or not.
    this.memo =
      lanes.key === null
        ? null
        : {
            laneKey: lanes.key,
            validUntil: walk.validUntil,
            base: skippedVerdicts,
            baseRows: skippedRows,
            baseList: list,
            current: null,
            dropped: new Set(),
            added: new Map(),
            handout: null,
            counts: { ...result.skippedCounts },
            ...runningAfter(lanes, walk.state.globalRunning),
          };
    return walk.spawnable;
  }

  /**
   * The memo's tasks skipped for capacity whose lane's running count (or, for the global limit,
   * the total) moved since its walk: those verdicts, and only those, read the counts.
   */
  private capacityMoved(memo: WalkMemo, lanes: LaneState): Set<string> {
    const again = new Set<string>();
    const movedLanes = new Set<string>();
    for (const [lane, n] of lanes.runningByLane)
      if ((memo.running.get(lane) ?? 0) !== n) movedLanes.add(lane);
    for (const [lane, n] of memo.running)
      if ((lanes.runningByLane.get(lane) ?? 0) !== n) movedLanes.add(lane);
    const globalMoved = memo.globalRunning !== lanes.globalRunning;
    if (movedLanes.size === 0 && !globalMoved) return again;
    for (const [id, { row, skip }] of currentOf(memo)) {
      if (!CAPACITY_REASONS.has(skip.reason)) continue;
      if ((globalMoved && skip.reason === 'global_at_capacity') || movedLanes.has(row.assignee ?? ''))
        again.add(id);
    }
    return again;
  }

  /**
   * No lane fact but the running counts changed since the memo's walk: every task it skipped keeps
   * its verdict except those in `changed` (the tasks that changed, and those skipped for a capacity
   * whose count moved). Only those are evaluated, in walk order (so a freed slot goes to the first
   * of them, as a full walk would give it); the others' verdicts are replayed. A spawn here only
   * takes capacity, which the tasks replayed do not read.
   */
  private walkChanged(
    memo: WalkMemo,
    changed: ReadonlySet<string>,
    lanes: LaneState,
    now: number,
    result: DispatchResult,
  ): number {
    if (changed.size === 0) {
      // Nothing to judge (the idle tick): the memo's verdicts as they are; its running counts are
      // those of this tick (capacityMoved found none moved).
      defineSkipped(result, handoutOf(memo));
      result.skippedCounts = { ...memo.counts };
      return 0;
    }
    const fresh: ReadyRow[] = [];
    const current = currentOf(memo);
    for (const id of changed) {
      const old = current.get(id);
      if (old) {
        memo.counts[old.skip.reason] -= 1;
        current.delete(id);
        // A verdict given since the full walk is simply taken back; one of `base` is dropped.
        if (!memo.added.delete(id)) memo.dropped.add(id);
        memo.handout = null;
      }
      const row = this.queue.get(id);
      if (row) fresh.push(row);
    }
    fresh.sort(walkOrder);
    const scratch = emptyDispatchResult(false, result.startedAt);
    const walk = this.evaluate(fresh, lanes, now, false, scratch);
    appendAll(result.spawned, scratch.spawned);
    appendAll(result.spawnFailed, scratch.spawnFailed);
    appendAll(result.gaveUp, scratch.gaveUp);
    this.storeSkipChanges(walk.skipChanges, result);
    this.storeLaneSkips(walk, false);
    walk.skippedRows.forEach((row, i) => {
      const judged = { row, skip: walk.skippedVerdicts[i] as Skip };
      current.set(row.id, judged);
      memo.added.set(row.id, judged);
      memo.counts[judged.skip.reason] += 1;
    });
    if (walk.skippedRows.length > 0) memo.handout = null;
    memo.validUntil = Math.min(memo.validUntil, walk.validUntil);
    defineSkipped(result, handoutOf(memo));
    result.skippedCounts = { ...memo.counts };
    Object.assign(memo, runningAfter(lanes, walk.state.globalRunning));
    return walk.spawnable;
  }

  /**
   * The walk proper (docs/architecture.md §4.6) over `rows` in walk order: skip reasons, claims and
   * spawns. `result.skipped` is left to the caller (a walk of the changed tasks adds them to its memo).
   */
  private evaluate(
    rows: readonly ReadyRow[],
    lanes: LaneState,
    now: number,
    dryRun: boolean,
    result: DispatchResult,
  ): Walk {
    const walk = this.startWalk(rows, lanes, now, dryRun, result);
    this.walkSome(walk, Number.POSITIVE_INFINITY);
    return walk;
  }

  private startWalk(
    rows: readonly ReadyRow[],
    lanes: LaneState,
    now: number,
    dryRun: boolean,
    result: DispatchResult,
  ): Walk {
    const state: WalkState = {
      enabled: lanes.enabled,
      globalRunning: lanes.globalRunning,
      now,
      globalMax: this.deps.config().globalMaxConcurrent,
    };
    return {
      rows,
      next: 0,
      lanes,
      state,
      dryRun,
      result,
      spawnable: 0,
      validUntil: Number.POSITIVE_INFINITY,
      skipChanges: [],
      skippedRows: [],
      skippedVerdicts: [],
      lanePlans: new Map(),
      unassignedPlan: null,
      laneTasks: [],
    };
  }

  /** Walks up to `limit` more rows of `walk` in walk order; true once its last row is walked. */
  private walkSome(walk: Walk, limit: number): boolean {
    const { rows, state, dryRun, result, skipChanges, skippedRows, skippedVerdicts, lanePlans, laneTasks } =
      walk;
    const { laneOf } = walk.lanes;
    const storedLanes = this.storedLaneSkips();
    const end = Math.min(rows.length, walk.next + limit);
    while (walk.next < end) {
      const row = rows[walk.next++] as ReadyRow;
      const lane = row.assignee ? laneOf(row.assignee) : null;
      const skip = this.skipReasonOf(row, lane, state);
      let plan = lane ? lane.plan : walk.unassignedPlan;
      if (!plan) {
        // The first task of a lane decides for all of them: a lane-wide rule holds for each or none.
        const laneName = row.assignee ?? '';
        // A terminal lane that asks for approval has tasks of either verdict (skipReasonOf).
        const laneWide =
          skip !== null &&
          LANE_WIDE_REASONS.has(skip.reason) &&
          !(lane?.resolution.kind === 'terminal' && lane.requireApproval);
        const wanted = laneWide ? skip : null;
        plan = { wanted, changes: !dryRun && !sameVerdict(storedLanes.get(laneName), wanted) };
        lanePlans.set(laneName, plan);
        if (lane) lane.plan = plan;
        else walk.unassignedPlan = plan;
      }
      if (plan.changes) laneTasks.push(row.id);
      if (skip) {
        skippedRows.push(row);
        skippedVerdicts.push(skip);
        result.skippedCounts[skip.reason] += 1;
        if (skip.reason === 'backoff')
          walk.validUntil = Math.min(walk.validUntil, row.next_attempt_at as number);
        // Under a lane-wide verdict the task's own row is left as it is (the view shows the lane's).
        if (plan.wanted !== null) continue;
        if (row.skip_reason !== skip.reason || row.skip_detail !== skip.detail)
          skipChanges.push({ row, skip });
        else if (this.pendingSkips.size > 0 && !dryRun) this.pendingSkips.delete(row.id);
        continue;
      }
      walk.spawnable += 1;
      if (!lane) continue; // never: an unassigned task is always skipped
      if (dryRun) {
        result.spawned.push({ taskId: row.id, runId: 0, lane: row.assignee as string, pid: null });
        lane.running += 1;
        state.globalRunning += 1;
        continue;
      }
      // Claimed by us or by someone faster: either way it has left the ready queue.
      this.queue.remove(row.id);
      if (this.claimAndSpawn(row, lane, result)) {
        lane.running += 1;
        state.globalRunning += 1;
      }
    }
    return walk.next >= rows.length;
  }

  /**
   * docs/architecture.md §4.6: skip reasons are stored only when they change — no write per task per tick.
   * They are kept pending: stored at the end of the tick, or with sliceWrites in later steps
   * (flushSkipWrites), a step's worth at a time in walk order.
   */
  private storeSkipChanges(changes: readonly SkipChange[], result: DispatchResult): void {
    if (changes.length === 0) return;
    appendAll(
      result.skipChanged,
      changes.map((change) => change.row.id),
    );
    // A pending one judged otherwise since is replaced by this later verdict.
    for (const change of changes) this.pendingSkips.set(change.row.id, change);
  }

  /** The lanes' verdicts as they are stored once the pending writes are done, by lane. */
  private storedLaneSkips(): Map<string, LaneSkip> {
    return (this.laneSkips ??= laneSkipRows(this.deps.db));
  }

  /**
   * Keeps pending the lane verdicts a walk moved (stored with the last pending task rows,
   * flushSkipWrites). A full walk met every lane with a ready task: a stored verdict of any other
   * lane goes too. A walk of the changed tasks (the lane facts unchanged) only adds.
   */
  private storeLaneSkips(walk: Walk, full: boolean): void {
    if (walk.dryRun) return;
    const stored = this.storedLaneSkips();
    const store = (lane: string, skip: Skip | null): void => {
      const value = skip === null ? null : { reason: skip.reason, detail: skip.detail };
      if (value === null) stored.delete(lane);
      else stored.set(lane, value);
      this.pendingLaneSkips.set(lane, value);
    };
    for (const [lane, plan] of walk.lanePlans) if (plan.changes) store(lane, plan.wanted);
    if (full) for (const lane of [...stored.keys()]) if (!walk.lanePlans.has(lane)) store(lane, null);
    if (walk.laneTasks.length === 0) return;
    appendAll(this.pendingLaneTasks, walk.laneTasks);
    appendAll(walk.result.skipChanged, walk.laneTasks);
  }

  private writeSkipChanges(changes: readonly SkipChange[], withLanes: boolean): void {
    if (changes.length === 0 && !withLanes) return;
    const changedIds = changes.map((change) => change.row.id);
    if (withLanes) appendAll(changedIds, this.pendingLaneTasks);
    const { db } = this.deps;
    runInWriteTransaction(db, () => {
      // In the log like every other change, so each reader hears of it (a board served by another
      // process too): one row for the batch, not one per task.
      if (changedIds.length > 0) appendSkipsChanged(db, changedIds, this.now());
      if (withLanes) writeLaneSkips(db, this.pendingLaneSkips);
      if (changes.length === 0) return;
      // The rows were ready and unclaimed when the queue read them (up to queueCursor). A task with
      // no event since is still so (every task change appends one), and its row need not be looked
      // up again; the others (a terminal claimed one meanwhile) are checked against their rows.
      const since = taskIdsChangedAfter(db, this.queueCursor, INCREMENTAL_LIMIT);
      const moved = new Set(since.taskIds);
      tasks.writeSkipVerdictGroups(
        db,
        groupsByVerdict(changes),
        since.overflow ? undefined : (id) => !moved.has(id),
      );
    });
    if (withLanes) {
      this.pendingLaneSkips.clear();
      this.pendingLaneTasks = [];
    }
    for (const { row, skip } of changes) {
      row.skip_reason = skip.reason;
      row.skip_detail = skip.detail;
    }
  }

  /** awaiting_approval, with the lane's detail when the lane asks (built once per lane), else the task's. */
  private approvalVerdict(row: ReadyRow, lane: LaneRuntime): Skip {
    return lane.requireApproval
      ? (lane.verdicts.awaiting_approval ??= {
          reason: 'awaiting_approval',
          detail: `lane ${row.assignee ?? ''} asks for approval before a task starts (approve it on the card, \`switchyard approve\` or MCP)`,
        })
      : TASK_AWAITS_APPROVAL;
  }

  /** The first rule of docs/architecture.md §4.6 that holds. Lane-wide verdicts are built once per lane and shared. */
  private skipReasonOf(row: ReadyRow, lane: LaneRuntime | null, state: WalkState): Skip | null {
    const assignee = row.assignee;
    if (!assignee || !lane) return UNASSIGNED;
    const { resolution, verdicts } = lane;
    // `??=` builds each lane-wide verdict (and its detail text) on first use only.
    if (resolution.kind === 'terminal') {
      // A claim is a terminal lane's start, and claimTask holds it for the approval as a spawn is
      // held: the card says so (its Approve button reads this reason), not "waiting for claim". Only
      // the lane's own rule, a lane fact, so that its verdict is lane-wide or per task for all its
      // tasks alike (walkSome); a task's own rule is held by the claim alone.
      if (lane.requireApproval && row.approved_at === null) return this.approvalVerdict(row, lane);
      return (verdicts.terminal_lane ??= {
        reason: 'terminal_lane',
        detail: resolution.hint ? `${TERMINAL_LANE_DETAIL} (${resolution.hint})` : TERMINAL_LANE_DETAIL,
      });
    }
    if (resolution.kind === 'profile_broken') {
      return (verdicts.profile_broken ??= {
        reason: 'profile_broken',
        detail: `profile \`${resolution.name}\`: ${resolution.problem}`,
      });
    }
    if (!state.enabled) return DISPATCHER_PAUSED;
    if (lane.paused)
      return (verdicts.lane_paused ??= { reason: 'lane_paused', detail: `lane ${assignee} is paused` });
    // docs/architecture.md §10: approval, then budget, right after lane_paused; neither is spawnable, so never stuck.
    if (
      awaitsApproval(
        { approvalRequired: row.approval_required === 1, approvedAt: row.approved_at },
        lane.requireApproval,
      )
    )
      return this.approvalVerdict(row, lane);
    if (lane.budgetExhausted) return lane.budgetExhausted;
    if (row.next_attempt_at !== null && row.next_attempt_at > state.now) {
      return { reason: 'backoff', detail: `backoff until ${new Date(row.next_attempt_at).toISOString()}` };
    }
    if (lane.running >= lane.maxConcurrent) {
      return (verdicts.lane_at_capacity ??= {
        reason: 'lane_at_capacity',
        detail: `lane at capacity ${lane.maxConcurrent}/${lane.maxConcurrent}`,
      });
    }
    if (state.globalRunning >= state.globalMax) {
      return (verdicts.global_at_capacity ??= {
        reason: 'global_at_capacity',
        detail: `global limit ${state.globalMax}/${state.globalMax}`,
      });
    }
    return null;
  }

  /** Claims the task (compare-and-swap), creates its run, prepares the workspace and spawns. */
  private claimAndSpawn(row: ReadyRow, lane: LaneRuntime, result: DispatchResult): boolean {
    const { db, paths } = this.deps;
    if (lane.resolution.kind !== 'profile') return false;
    const profile = lane.resolution.profile;
    const laneName = row.assignee as string;
    const claimed = runInWriteTransaction(db, () => {
      const now = this.now();
      // The event names the owner exactly as the task's claim does, so "Claimed by" and the log agree.
      const owner = `${DISPATCHER_CLAIM_PREFIX}${this.deps.owner}`;
      if (
        !tasks.claimReadyTask(db, row.id, {
          owner,
          expiresAt: null,
          now,
        })
      )
        return null;
      const logPath = path.join(paths.logs, row.id, 'pending.log');
      // docs/architecture.md §10: read before the run exists (a retry looks at the run before it).
      const followup: Followup | null = nextRunFollowup(db, row.id, laneName);
      const runId = runs.insertRun(db, { taskId: row.id, lane: laneName, logPath, now });
      if (followup !== null) runs.setRunFollowup(db, runId, followup.text);
      const finalLog = path.join(paths.logs, row.id, `${runId}.log`);
      runs.setRunLogPath(db, runId, finalLog);
      // Issue 18: the worker proves it is this run's with a secret only its environment holds.
      const secret = issueRunSecret(db, runId);
      tasks.updateTask(db, row.id, { currentRunId: runId }, now);
      appendEvent(
        db,
        {
          taskId: row.id,
          board: row.board,
          runId,
          kind: 'claimed',
          payload: { by: owner, lane: laneName },
        },
        now,
      );
      return { runId, logPath: finalLog, secret, task: tasks.findTask(db, row.id) as Task, followup };
    });
    if (!claimed) return false; // Someone else (a terminal, another tick) won the race.
    const { runId } = claimed;
    if (isRepositoryWorkspace(claimed.task.workspace)) {
      // docs/architecture.md §9: git never runs inside the tick. The claim holds the lane's capacity while the
      // worktree is made; a slow `git worktree add` delays this task only.
      this.preparing += 1;
      this.startingRuns.add(runId);
      const step = prepareTaskWorktree(db, paths, claimed.task, {
        holdChildren: profile.onSuccess === 'review',
      })
        .then(
          (workspace) => {
            // Starting still when the start goes to the spawner (spawnClaimed marks it again).
            this.startingRuns.delete(runId);
            const late = emptyDispatchResult(false, this.now());
            if (this.runStillOpen(runId)) this.spawnClaimed(claimed, profile, laneName, workspace, late);
            this.deps.onBackgroundChange?.(late);
          },
          (error: unknown) => {
            this.startingRuns.delete(runId);
            this.failWorkspace(claimed.task, runId, (error as Error).message);
            this.deps.onBackgroundChange?.(null);
          },
        )
        .catch((error: unknown) =>
          this.deps.log?.(`starting ${claimed.task.id}: ${(error as Error).message}`),
        )
        .finally(() => {
          this.preparing -= 1;
          this.inFlight.delete(step);
        });
      this.inFlight.add(step);
      return true;
    }
    let workspace: string;
    try {
      workspace = prepareWorkspace(paths, claimed.task.id, claimed.task.workspace);
    } catch (error) {
      const failure = { error: (error as Error).message, permanent: error instanceof UnsafePathError };
      return this.spawnFailed(claimed.task, runId, failure, result);
    }
    return this.spawnClaimed(claimed, profile, laneName, workspace, result);
  }

  /** Workspaces being made right now (docs/architecture.md §9), for tests and the bench. */
  private preparing = 0;
  /** Runs claimed whose worker is being made (a worktree, then the spawner's answer). */
  private readonly startingRuns = new Set<number>();

  /** A run claimed whose worker is not there yet: recovery must not close it (Engine.recoverWorkers). */
  isStarting(runId: number): boolean {
    return this.startingRuns.has(runId);
  }
  private readonly inFlight = new Set<Promise<void>>();

  /** Resolves when every workspace being made has led to a spawn or a block (before closing the database). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  preparingWorkspaces(): number {
    return this.preparing;
  }

  private runStillOpen(runId: number): boolean {
    const run = runs.findRun(this.deps.db, runId);
    return run !== undefined && run.endedAt === null;
  }

  /** The worktree could not be made: the task is blocked with git's message (no retry loop). */
  private failWorkspace(task: Task, runId: number, error: string): void {
    const { db } = this.deps;
    runInWriteTransaction(db, () => {
      const current = tasks.findTask(db, task.id);
      if (current) recordWorkspaceFailure(db, current, runId, error, this.now());
    });
  }

  private spawnClaimed(
    claimed: { runId: number; logPath: string; secret: string; task: Task; followup: Followup | null },
    profile: Profile,
    laneName: string,
    workspace: string,
    result: DispatchResult,
  ): boolean {
    const { paths, supervisor } = this.deps;
    const { runId, logPath, task, followup } = claimed;
    let request: SpawnRequest;
    let resumed: string | null = null;
    try {
      // Every folder this run writes into is a real folder of ours, or the task is blocked (issue 18).
      ensureOwnedDir(paths.home, path.dirname(logPath));
      const promptFile = usesPromptFile(profile) ? promptFilePathOf(logPath) : '';
      const vars = { taskId: task.id, promptFile, workspace, home: paths.home };
      const caps = this.deps.config().promptCaps;
      // docs/architecture.md §5 / issue 18: an argument holding {prompt} stays under Linux's per-argument limit.
      const argumentRoom = promptArgumentRoom(profile, vars, MAX_ARGUMENT_BYTES);
      // docs/architecture.md §10: a follow-up resumes the agent's own session with just its text when the profile can.
      const resumeArgv =
        followup && followup.session !== null
          ? resumeCommand(profile, followup.session, {
              ...vars,
              prompt: utf8Prefix(followup.text, Math.min(caps.totalBytes, argumentRoom)),
            })
          : null;
      let argv: string[];
      if (resumeArgv && followup?.session) {
        if (promptFile) writeNewFile(paths.home, promptFile, followup.text);
        argv = resumeArgv;
        resumed = followup.session;
      } else {
        const followupText = followup?.text ?? null;
        const prompt = this.promptFor(
          task,
          profile,
          { ...caps, totalBytes: Math.min(caps.totalBytes, argumentRoom) },
          followupText,
        );
        if (promptFile) {
          // The file may hold the whole capped prompt: it is not bound by argv's limits.
          writeNewFile(
            paths.home,
            promptFile,
            profile.command.some((part) => part.includes('{prompt}'))
              ? prompt
              : this.promptFor(task, profile, caps, followupText),
          );
        }
        argv = expandCommand(profile, { ...vars, prompt });
      }
      request = {
        runId,
        taskId: task.id,
        lane: laneName,
        argv,
        cwd: workspace,
        env: this.envFor(task, runId, claimed.secret, workspace, profile),
        logPath,
        maxRuntimeMs:
          (task.maxRuntimeSeconds ?? profile.maxRuntimeSeconds ?? null) === null
            ? null
            : (task.maxRuntimeSeconds ?? (profile.maxRuntimeSeconds as number)) * 1000,
        output: transcriptFormatOf(profile),
      };
    } catch (error) {
      const failure = { error: (error as Error).message, permanent: error instanceof UnsafePathError };
      return this.spawnFailed(task, runId, failure, result);
    }
    const started = { task, runId, laneName, followup, resumed };
    if (!supervisor.spawnsOffTheLoop) return this.recordStart(started, supervisor.spawn(request), result);
    // docs/architecture.md §5: the spawner process forks; this loop only waits for its answer. The
    // claim (task running) holds the lane's capacity meanwhile, and the run counts as starting
    // (isStarting), so nothing takes it for abandoned; the pid and the `spawned` event follow.
    this.startingRuns.add(runId);
    const step = supervisor
      .spawnOffTheLoop(request)
      .then((outcome) => {
        const late = emptyDispatchResult(false, this.now());
        this.recordStart(started, outcome, late);
        this.deps.onBackgroundChange?.(late);
      })
      .catch((error: unknown) => this.deps.log?.(`starting ${task.id}: ${(error as Error).message}`))
      .finally(() => {
        this.startingRuns.delete(runId);
        this.inFlight.delete(step);
      });
    this.inFlight.add(step);
    return true;
  }

  /** A start's outcome, the same whether it came at once (spawn) or from the spawner: the run's pid and event, or spawn_failed. */
  private recordStart(
    started: {
      task: Task;
      runId: number;
      laneName: string;
      followup: Followup | null;
      resumed: string | null;
    },
    outcome: SpawnOutcome,
    result: DispatchResult,
  ): boolean {
    const { db, supervisor } = this.deps;
    const { task, runId, laneName, followup, resumed } = started;
    if (!outcome.ok) return this.spawnFailed(task, runId, outcome, result);
    const { pid, pidStartTime } = outcome;
    const open = runInWriteTransaction(db, () => {
      runs.recordRunProcess(db, runId, pid, pidStartTime);
      // Closed while it was starting (a person moved the task): it is stopped, never announced.
      if (!this.runStillOpen(runId)) return false;
      if (resumed !== null) runs.setRunResumedSession(db, runId, resumed);
      appendEvent(
        db,
        {
          taskId: task.id,
          board: task.board,
          runId,
          kind: 'spawned',
          payload: {
            pid,
            lane: laneName,
            ...(followup ? { followup: true } : {}),
            ...(resumed !== null ? { resumedSession: resumed } : {}),
          },
        },
        this.now(),
      );
      return true;
    });
    if (!open) {
      void supervisor.stop(runId, 'run closed');
      return false;
    }
    result.spawned.push({ taskId: task.id, runId, lane: laneName, pid });
    return true;
  }

  private spawnFailed(
    task: Task,
    runId: number,
    failure: { error: string; permanent?: boolean },
    result: DispatchResult,
  ): false {
    const { db } = this.deps;
    runInWriteTransaction(db, () => {
      const current = tasks.findTask(db, task.id) as Task;
      const verdict = recordFailure(
        db,
        current,
        runId,
        { kind: 'spawn_failed', error: failure.error, permanent: failure.permanent === true },
        this.deps.config(),
        this.now(),
      );
      result.spawnFailed.push({ taskId: task.id, error: failure.error });
      if (verdict?.gaveUp) result.gaveUp.push(task.id);
    });
    return false;
  }

  private promptFor(task: Task, profile: Profile, caps: PromptCaps, followup: string | null): string {
    const { db } = this.deps;
    return buildPrompt(
      {
        task,
        parents: parentsOf(db, task.id),
        priorRuns: runs.runsOf(db, task.id),
        comments: commentsOf(db, task.id, 20),
        completion: profile.completion,
        output: profile.output,
        followup,
      },
      caps,
    );
  }

  private envFor(
    task: Task,
    runId: number,
    secret: string,
    workspace: string,
    profile: Profile,
  ): Record<string, string> {
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
      // Last, so a profile's env cannot replace it; never logged (docs/security.md).
      [RUN_SECRET_ENV]: secret,
    };
  }

  // Step 7 --------------------------------------------------------------------------------------

  /**
   * docs/architecture.md §4.7: stuck means work that could be spawned now sat there for N ticks with nothing
   * spawned. Terminal lanes, paused lanes, backoff and full capacity are skip reasons, so they
   * never reach `spawnable` and never count.
   */
  private checkHealth(spawnable: number, result: DispatchResult): void {
    // A claim whose worker is still starting (worktree, spawner) is progress too.
    if (spawnable > 0 && result.spawned.length === 0 && this.startingRuns.size === 0)
      this.ticksWithoutSpawn += 1;
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

/** Said of a `lost` run: nothing recorded how its worker ended, so it is not counted as a failure. */
const LOST_ERROR =
  'the worker ended without an exit status (its waiter ended with it; not counted as a failure)';

function describeExit(exit: WorkerExit, completion: 'exit-code' | 'report'): string {
  const tail = exit.lastOutputLine ? `: ${exit.lastOutputLine}` : '';
  if (exit.timedOut) return `timed out and was killed${tail}`;
  if (exit.signal) return `killed by ${exit.signal}${tail}`;
  if (exit.exitCode === 0 && completion === 'report')
    return 'exited 0 without reporting `switchyard complete`';
  return `exited with code ${exit.exitCode ?? '?'}${tail}`;
}
