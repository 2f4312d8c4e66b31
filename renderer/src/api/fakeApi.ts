import type { z } from 'zod';
import {
  contract,
  type BoardEvent,
  type CallErrorCode,
  type CallName,
  type CallRequest,
  type CallResponse,
  type Contract,
  CARDS_PER_CELL,
  SNAPSHOT_CARD_LANES,
  type CellCount,
} from '../../../shared/contract';
import { DISPATCHER_CLAIM_PREFIX } from '../../../shared/constants';
import { lanesShownFirst } from '../../../shared/laneOrder';
import { describeRefusal } from '../../../shared/refusalText';
import {
  emptyDispatchResult,
  emptySkippedCounts,
  type DispatcherState,
  type LaneStatus,
} from '../../../shared/dispatch';
import {
  cardOf,
  type Board,
  type Card,
  type Comment,
  type Task,
  type TaskStatus,
} from '../../../shared/domain';
import { compareTasksInColumn, isAfterCursor } from '../store/laneModel';
import { checkLink, checkMove, initialStatus } from '../../../shared/transitions';
import { ApiError, type BoardApi } from './boardApi';
import type { Recurrence } from '../../../shared/recurrence';
import { checkProfileText } from '../../../shared/profile';
import type { BoardRepository } from '../../../shared/repository';

/**
 * An in-memory BoardApi for renderer tests and demos. Requests are validated with the contract's
 * own schemas (a bad payload is refused with 'validation' exactly as the core would), moves follow
 * the shared state machine, and every change is announced as a numbered board event.
 */

type Parsed<N extends CallName> = z.output<Contract[N]['request']>;
type Handler<N extends CallName> = (request: Parsed<N>) => CallResponse<N>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface LaneSettings {
  paused: boolean;
  maxConcurrent: number;
  kind: LaneStatus['kind'];
  requireApproval?: boolean;
  budgetUsdPerDay?: number | null;
}

function fail(code: CallErrorCode, message: string): never {
  throw new ApiError(code, message);
}

export interface FakeApiOptions {
  /** Clock for created/updated times (tests pin it). */
  now?: () => number;
  /** Actor name recorded on tasks and comments. */
  actor?: string;
}

/** A task as the core stores a new one: ready, priority 0, in scratch, never run, nothing pending. */
export function emptyTask(fields: {
  id: string;
  board: string;
  title: string;
  createdBy: string | null;
  now: number;
}): Task {
  const { id, board, title, createdBy, now } = fields;
  return {
    id,
    board,
    title,
    body: '',
    assignee: null,
    status: 'ready',
    priority: 0,
    createdBy,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    completedAt: null,
    workspace: 'scratch',
    maxRuntimeSeconds: null,
    skipReason: null,
    skipDetail: null,
    failureCount: 0,
    nextAttemptAt: null,
    currentRunId: null,
    result: null,
    lastError: null,
    blockReason: null,
    claimOwner: null,
    claimExpiresAt: null,
    lastHeartbeatAt: null,
    approvalRequired: false,
    approvedBy: null,
    approvedAt: null,
  };
}

export class FakeApi implements BoardApi {
  /** Every call made, in order (also the refused ones). */
  readonly calls: { name: CallName; request: unknown }[] = [];
  readonly tasks = new Map<string, Task>();
  links: { parentId: string; childId: string }[] = [];
  readonly comments: Comment[] = [];
  readonly boards = new Map<string, Board>();
  readonly lanes = new Map<string, LaneSettings>();
  /** Recurring tasks (issue 16); the fake keeps them but makes no tasks (the core's timer does). */
  readonly recurrences = new Map<string, Recurrence>();
  /** profile.json texts by lane (the core keeps them on disk). */
  readonly profileTexts = new Map<string, string>();
  /** Boards' repository settings (docs/architecture.md §9), as the core stores them. */
  private readonly repositories = new Map<string, BoardRepository>();
  dispatcherEnabled = true;
  private seq = 0;
  private nextNumber = 1;
  private readonly listeners = new Set<(event: BoardEvent) => void>();
  private readonly failures = new Map<CallName, ApiError>();
  private readonly now: () => number;
  private readonly actor: string;

  constructor(options: FakeApiOptions = {}) {
    this.now = options.now ?? Date.now;
    this.actor = options.actor ?? 'tester';
    this.boards.set('default', { slug: 'default', name: 'Default', createdAt: this.now(), archivedAt: null });
  }

  async call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
    this.calls.push({ name, request });
    const scripted = this.failures.get(name);
    if (scripted) {
      this.failures.delete(name);
      throw scripted;
    }
    const parsed = (contract[name].request as z.ZodType).safeParse(request ?? {});
    if (!parsed.success) {
      fail('validation', describeRefusal(parsed.error));
    }
    const handler = this.handlers[name] as unknown as Handler<N>;
    const value = handler(parsed.data as Parsed<N>);
    // Catch a fake that drifted from the contract, instead of letting a test pass on a wrong shape.
    (contract[name].response as z.ZodType).parse(value);
    return structuredClone(value);
  }

  subscribe(listener: (event: BoardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next call of `name` is refused with this error. */
  failNext(name: CallName, code: CallErrorCode, message = `${name} failed`): this {
    this.failures.set(name, new ApiError(code, message));
    return this;
  }

  /** Adds tasks directly (no events): a board to start a test from. */
  seed(...partial: (Partial<Task> & { title: string })[]): Task[] {
    return partial.map((fields) => {
      const task = { ...this.blankTask(fields.title, fields.board ?? 'default'), ...fields };
      this.tasks.set(task.id, task);
      return task;
    });
  }

  /** Sends an event as the core would (a worker update, a notice …); seq is filled in. */
  emit(event: DistributiveOmit<BoardEvent, 'seq'>): BoardEvent {
    const numbered = { ...event, seq: ++this.seq } as BoardEvent;
    for (const listener of [...this.listeners]) listener(structuredClone(numbered));
    return numbered;
  }

  currentSeq(): number {
    return this.seq;
  }

  // -------------------------------------------------------------------------------------------

  private blankTask(title: string, board: string): Task {
    const id = `t_${(this.nextNumber++).toString(16).padStart(8, '0')}`;
    return emptyTask({ id, board, title, createdBy: this.actor, now: this.now() });
  }

  private task(id: string): Task {
    return this.tasks.get(id) ?? fail('not_found', `no task ${id}`);
  }

  private activeBoard(slug: string): Board {
    const board = this.boards.get(slug) ?? fail('not_found', `no board "${slug}"`);
    if (board.archivedAt !== null) fail('invalid_input', `board "${slug}" is archived`);
    return board;
  }

  private parentsDone(id: string): boolean {
    return this.links
      .filter((link) => link.childId === id)
      .every((link) => this.tasks.get(link.parentId)?.status === 'done');
  }

  private update(id: string, patch: Partial<Task>): Task {
    const task = { ...this.task(id), ...patch, updatedAt: this.now() };
    this.tasks.set(id, task);
    return task;
  }

  /** A task as the board gets it: a card with the core's dependency counts. */
  private card(task: Task): Card {
    const parents = this.links
      .filter((link) => link.childId === task.id)
      .map((link) => this.tasks.get(link.parentId))
      .filter((parent) => parent !== undefined && parent.status !== 'archived');
    return cardOf(task, {
      parentsTotal: parents.length,
      parentsDone: parents.filter((parent) => parent?.status === 'done').length,
    });
  }

  /** The board's cells (lane × status) as cards, each in the core's order. */
  private cells(board: string): Map<string, Card[]> {
    const cells = new Map<string, Card[]>();
    for (const task of this.tasks.values()) {
      if (task.board !== board || task.status === 'archived') continue;
      const key = `${task.assignee ?? ''}\u0000${task.status}`;
      const cell = cells.get(key);
      if (cell) cell.push(this.card(task));
      else cells.set(key, [this.card(task)]);
    }
    for (const cell of cells.values()) cell.sort(compareTasksInColumn);
    return cells;
  }

  /** The first CARDS_PER_CELL cards of every cell of these lanes (null: Unassigned). */
  private firstCards(board: string, lanes: ReadonlySet<string | null>): Card[] {
    return [...this.cells(board).values()]
      .filter((cell) => lanes.has((cell[0] as Card).assignee))
      .flatMap((cell) => cell.slice(0, CARDS_PER_CELL));
  }

  private cellCounts(board: string): CellCount[] {
    return [...this.cells(board).values()].map((cell) => ({
      assignee: (cell[0] as Card).assignee,
      status: (cell[0] as Card).status,
      count: cell.length,
    }));
  }

  /** As the core: the changed tasks, and their children (whose dependency counts follow them). */
  private announce(...ids: string[]): void {
    const children = this.links.filter((link) => ids.includes(link.parentId)).map((link) => link.childId);
    const changed = [...new Set([...ids, ...children])].map((id) => this.task(id));
    this.emit({
      type: 'tasks',
      tasks: changed.filter((task) => task.status !== 'archived').map((task) => this.card(task)),
      removed: changed.filter((task) => task.status === 'archived').map((task) => task.id),
    });
  }

  private promoteChildrenOf(id: string): string[] {
    const promoted = this.links
      .filter((link) => link.parentId === id)
      .map((link) => this.task(link.childId))
      .filter((child) => child.status === 'todo' && this.parentsDone(child.id));
    for (const child of promoted) this.update(child.id, { status: 'ready' });
    return promoted.map((child) => child.id);
  }

  private storeProfile(name: string, text: string) {
    this.profileTexts.set(name, text);
    const settings = this.lanes.get(name) ?? { paused: false, maxConcurrent: 1, kind: 'profile' as const };
    this.lanes.set(name, { ...settings, kind: 'profile' });
    return { name, text, version: fakeVersion(text), lane: this.laneStatus(name) };
  }

  private setStatus(id: string, status: TaskStatus, patch: Partial<Task> = {}): Task {
    const task = this.update(id, {
      status,
      skipReason: null,
      skipDetail: null,
      ...(status === 'done' ? { completedAt: this.now() } : {}),
      ...(status !== 'running' ? { claimOwner: null, claimExpiresAt: null, currentRunId: null } : {}),
      ...patch,
    });
    const promoted = status === 'done' ? this.promoteChildrenOf(id) : [];
    this.announce(id, ...promoted);
    return task;
  }

  private laneStatus(name: string, board?: string): LaneStatus {
    const settings = this.lanes.get(name) ?? { paused: false, maxConcurrent: 1, kind: 'terminal' as const };
    const laneTasks = [...this.tasks.values()].filter(
      (task) => task.assignee === name && (board === undefined || task.board === board),
    );
    const counts: Record<string, number> = {};
    for (const task of laneTasks) counts[task.status] = (counts[task.status] ?? 0) + 1;
    return {
      name,
      kind: settings.kind,
      problem: null,
      declared: this.lanes.has(name),
      description: null,
      command: settings.kind === 'profile' ? ['agent', '{prompt}'] : null,
      completion: settings.kind === 'profile' ? 'exit-code' : null,
      paused: settings.paused,
      maxConcurrent: settings.maxConcurrent,
      running: counts.running ?? 0,
      workerSlotsInUse: laneTasks.filter(
        (task) => task.status === 'running' && task.claimOwner?.startsWith(DISPATCHER_CLAIM_PREFIX),
      ).length,
      counts,
      queuedBySkipReason: { ...emptySkippedCounts() },
      failures: laneTasks.reduce((sum, task) => sum + task.failureCount, 0),
      lastError: null,
      workers: [],
      requireApproval: settings.requireApproval ?? false,
      budgetUsdPerDay: settings.budgetUsdPerDay ?? null,
      spentTodayUsd: 0,
      spent7dUsd: 0,
    };
  }

  private laneStatuses(board: string): LaneStatus[] {
    const names = new Set(this.lanes.keys());
    for (const task of this.tasks.values())
      if (task.board === board && task.assignee) names.add(task.assignee);
    return [...names].sort().map((name) => this.laneStatus(name, board));
  }

  private dispatcherState(): DispatcherState {
    const all = [...this.tasks.values()];
    return {
      enabled: this.dispatcherEnabled,
      active: this.dispatcherEnabled,
      leaseHolder: null,
      dispatching: 'here',
      fault: null,
      stuck: false,
      running: all.filter((task) => task.status === 'running').length,
      ready: all.filter((task) => task.status === 'ready').length,
      workerSlotsInUse: all.filter(
        (task) => task.status === 'running' && task.claimOwner?.startsWith(DISPATCHER_CLAIM_PREFIX),
      ).length,
      globalMaxConcurrent: 4,
      lastTickAt: null,
      workers: [],
      budgetExhausted: [],
    };
  }

  private readonly handlers: { [N in CallName]: Handler<N> } = {
    snapshot: ({ board }) => {
      if (!this.boards.has(board)) fail('not_found', `no board "${board}"`);
      // As the core: every cell's count, and the first CARDS_PER_CELL cards of every cell of the
      // board's first SNAPSHOT_CARD_LANES lanes that hold cards.
      const lanes = this.laneStatuses(board);
      const counts = this.cellCounts(board);
      const first = new Set(lanesShownFirst(lanes, counts, SNAPSHOT_CARD_LANES));
      return {
        seq: this.seq,
        board,
        boards: [...this.boards.values()],
        tasks: this.firstCards(board, first),
        cells: counts,
        lanes,
        dispatcher: this.dispatcherState(),
        problems: [],
      };
    },
    laneCards: ({ board, lanes }) => {
      if (!this.boards.has(board)) fail('not_found', `no board "${board}"`);
      const asked = new Set(lanes);
      return {
        tasks: this.firstCards(board, asked),
        cells: this.cellCounts(board).filter((cell) => asked.has(cell.assignee)),
      };
    },
    cellCards: ({ board, assignee, status, after, limit }) => {
      if (!this.boards.has(board)) fail('not_found', `no board "${board}"`);
      const cell = this.cells(board).get(`${assignee ?? ''}\u0000${status}`) ?? [];
      const rest = after ? cell.filter((card) => isAfterCursor(card, after)) : cell;
      const page = rest.slice(0, limit);
      return { tasks: page, remaining: rest.length - page.length };
    },
    searchCards: (request) => {
      if (!this.boards.has(request.board)) fail('not_found', `no board "${request.board}"`);
      const words = request.text.toLowerCase().split(/\s+/).filter(Boolean);
      const matches = [...this.cells(request.board).values()].flat().filter((card) => {
        if (request.needsReview) return false; // no repositories here: nothing waits for a review
        const haystack = `${card.title}\n${card.id}\n${card.assignee ?? ''}`.toLowerCase();
        if (!words.every((word) => haystack.includes(word))) return false;
        if (request.assignee !== undefined && card.assignee !== request.assignee) return false;
        if (request.status !== undefined && card.status !== request.status) return false;
        if (request.skipReason !== undefined && card.skipReason !== request.skipReason) return false;
        if (!request.needsAttention) return true;
        const broken = card.assignee !== null && this.lanes.get(card.assignee)?.kind === 'profile_broken';
        return (
          card.status === 'blocked' ||
          card.failureCount > 0 ||
          card.skipReason === 'backoff' ||
          card.skipReason === 'profile_broken' ||
          (broken && card.status !== 'done')
        );
      });
      return { tasks: matches.slice(0, request.limit), total: matches.length };
    },
    listBoards: () => [...this.boards.values()],
    taskDetail: ({ id }) => {
      const task = this.task(id);
      return {
        task,
        parents: this.links
          .filter((link) => link.childId === id)
          .map((link) => this.task(link.parentId))
          .map((parent) => ({
            id: parent.id,
            title: parent.title,
            status: parent.status,
            result: parent.result,
          })),
        children: this.links.filter((link) => link.parentId === id).map((link) => link.childId),
        comments: this.comments.filter((comment) => comment.taskId === id),
        runs: [],
        events: [],
      };
    },
    laneStatuses: ({ board }) => this.laneStatuses(board),
    dispatcherState: () => this.dispatcherState(),
    dryRunDispatch: () => emptyDispatchResult(true, this.now()),
    runTranscript: ({ id, runId }) => {
      const task = this.task(id);
      // No run here has a log file: asking for one by number is refused as the core does.
      if (runId !== undefined) fail('not_found', `${task.id} has no run ${runId} with a log`);
      return { runId: task.currentRunId, format: null, entries: [], omitted: 0 };
    },
    tailLog: ({ id }) => ({ taskId: this.task(id).id, runId: null, text: '', offset: 0, truncated: false }),
    createTask: (request) => {
      this.activeBoard(request.board);
      const parents = [...new Set(request.parents)].map((id) => this.task(id));
      const status = initialStatus(request.status, {
        parentsDone: parents.every((p) => p.status === 'done'),
      });
      const task: Task = {
        ...this.blankTask(request.title, request.board),
        body: request.body,
        assignee: request.assignee,
        priority: request.priority,
        status,
        workspace: request.workspace ?? 'scratch',
        maxRuntimeSeconds: request.maxRuntimeSeconds,
        approvalRequired: request.requireApproval,
      };
      this.tasks.set(task.id, task);
      for (const parent of parents) this.links.push({ parentId: parent.id, childId: task.id });
      this.announce(task.id);
      return task;
    },
    editTask: ({ id, ...patch }) => {
      const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
      if (Object.keys(changes).length === 0) fail('invalid_input', 'edit: nothing to change');
      const task = this.update(this.task(id).id, changes);
      this.announce(id);
      return task;
    },
    moveTask: ({ id, status, assignee }) => {
      const before = this.task(id);
      if (status === undefined && assignee === undefined)
        fail('invalid_input', 'move needs a status or an assignee');
      let stoppedWorker = false;
      if (status !== undefined) {
        const verdict = checkMove(before.status, status, { parentsDone: this.parentsDone(id) });
        if (!verdict.allowed) fail('illegal_move', `cannot move ${id}: ${verdict.reason}`);
        stoppedWorker = verdict.stopsWorker;
      }
      if (assignee !== undefined && status === undefined && before.status === 'running') {
        fail('illegal_move', `${id} is running; stop it before giving it to another lane`);
      }
      const patch: Partial<Task> = {};
      if (assignee !== undefined && assignee !== before.assignee) {
        Object.assign(patch, { assignee, failureCount: 0, nextAttemptAt: null });
      }
      const task = status !== undefined ? this.setStatus(id, status, patch) : this.update(id, patch);
      if (status === undefined) this.announce(id);
      return { task, stoppedWorker };
    },
    linkTasks: ({ parentId, childId }) => {
      this.task(parentId);
      const child = this.task(childId);
      const verdict = checkLink(parentId, childId, (taskId) =>
        this.links.filter((link) => link.parentId === taskId).map((link) => link.childId),
      );
      if (!verdict.allowed) fail('conflict', verdict.reason);
      if (this.links.some((link) => link.parentId === parentId && link.childId === childId)) return child;
      this.links.push({ parentId, childId });
      const parentDone = this.task(parentId).status === 'done';
      const task = child.status === 'ready' && !parentDone ? this.update(childId, { status: 'todo' }) : child;
      this.announce(childId);
      return task;
    },
    unlinkTasks: ({ parentId, childId }) => {
      const count = this.links.length;
      this.links = this.links.filter((link) => !(link.parentId === parentId && link.childId === childId));
      if (this.links.length === count) fail('not_found', `${childId} does not depend on ${parentId}`);
      const child = this.task(childId);
      const task =
        child.status === 'todo' && this.parentsDone(childId)
          ? this.update(childId, { status: 'ready' })
          : child;
      this.announce(childId);
      return task;
    },
    addComment: ({ id, body }) => {
      this.task(id);
      const comment: Comment = {
        id: this.comments.length + 1,
        taskId: id,
        author: this.actor,
        body,
        createdAt: this.now(),
      };
      this.comments.push(comment);
      this.announce(id);
      return comment.id;
    },
    completeTask: ({ id, summary }) => {
      const task = this.task(id);
      if (task.status === 'done' || task.status === 'archived')
        fail('conflict', `${id} is already ${task.status}`);
      return this.setStatus(id, 'done', { result: summary ?? null, blockReason: null, nextAttemptAt: null });
    },
    blockTask: ({ id, reason }) => {
      const verdict = checkMove(this.task(id).status, 'blocked', { parentsDone: true });
      if (!verdict.allowed) fail('illegal_move', `cannot block ${id}: ${verdict.reason}`);
      return this.setStatus(id, 'blocked', { blockReason: reason });
    },
    unblockTask: ({ id }) => {
      const task = this.task(id);
      if (task.status !== 'blocked') fail('illegal_move', `${id} is ${task.status}, not blocked`);
      return this.setStatus(id, this.parentsDone(id) ? 'ready' : 'todo', {
        blockReason: null,
        failureCount: 0,
        nextAttemptAt: null,
        lastError: null,
      });
    },
    archiveTask: ({ id }) => {
      const verdict = checkMove(this.task(id).status, 'archived', { parentsDone: true });
      if (!verdict.allowed) fail('illegal_move', `cannot archive ${id}: ${verdict.reason}`);
      return this.setStatus(id, 'archived');
    },
    stopTask: ({ id }) => {
      const task = this.task(id);
      if (task.status !== 'running') fail('illegal_move', `${id} is ${task.status}, not running`);
      return this.setStatus(id, 'blocked', { blockReason: `stopped by ${this.actor}` });
    },
    retryTask: ({ id }) => {
      const task = this.task(id);
      if (task.status === 'blocked') return this.handlers.unblockTask({ id });
      if (task.status !== 'ready' || task.nextAttemptAt === null)
        fail('illegal_move', `${id} has nothing to retry`);
      const updated = this.update(id, { nextAttemptAt: null, skipReason: null, skipDetail: null });
      this.announce(id);
      return updated;
    },
    setLanePaused: ({ lane, paused }) => {
      const settings = this.lanes.get(lane) ?? { paused: false, maxConcurrent: 1, kind: 'terminal' as const };
      this.lanes.set(lane, { ...settings, paused });
      return this.laneStatus(lane);
    },
    approveTask: ({ id }) => {
      const task = this.task(id);
      if (task.approvedAt !== null)
        fail('conflict', `${id} was already approved by ${task.approvedBy ?? '?'}`);
      const updated = this.update(id, {
        approvedBy: this.actor,
        approvedAt: this.now(),
        ...(task.skipReason === 'awaiting_approval' ? { skipReason: null, skipDetail: null } : {}),
      });
      this.announce(id);
      return updated;
    },
    followupTask: ({ id }) => {
      const task = this.task(id);
      if (task.status !== 'done' && task.status !== 'blocked')
        fail('illegal_move', `${id} is ${task.status}; only a done or blocked task can get a follow-up`);
      return this.setStatus(id, 'ready', {
        blockReason: null,
        completedAt: null,
        nextAttemptAt: null,
        ...(task.status === 'blocked' ? { failureCount: 0 } : {}),
      });
    },
    setLaneAgentSettings: ({ lane, requireApproval, budgetUsdPerDay }) => {
      const settings = this.lanes.get(lane) ?? { paused: false, maxConcurrent: 1, kind: 'terminal' as const };
      this.lanes.set(lane, {
        ...settings,
        ...(requireApproval === undefined ? {} : { requireApproval }),
        ...(budgetUsdPerDay === undefined ? {} : { budgetUsdPerDay }),
      });
      return this.laneStatus(lane);
    },
    setLaneConcurrency: ({ lane, maxConcurrent }) => {
      const settings = this.lanes.get(lane) ?? { paused: false, maxConcurrent: 1, kind: 'terminal' as const };
      this.lanes.set(lane, { ...settings, maxConcurrent });
      return this.laneStatus(lane);
    },
    setDispatcherEnabled: ({ enabled }) => {
      this.dispatcherEnabled = enabled;
      const state = this.dispatcherState();
      this.emit({ type: 'dispatcher', state });
      return state;
    },
    createBoard: ({ slug, name }) => {
      const existing = this.boards.get(slug);
      if (existing && existing.archivedAt === null) fail('conflict', `board "${slug}" already exists`);
      const board: Board = { slug, name: name ?? slug, createdAt: this.now(), archivedAt: null };
      this.boards.set(slug, board);
      this.emit({ type: 'boards', boards: [...this.boards.values()] });
      return board;
    },
    archiveBoard: ({ slug }) => {
      if (slug === 'default') fail('invalid_input', 'the default board always exists and cannot be archived');
      const board = { ...this.activeBoard(slug), archivedAt: this.now() };
      this.boards.set(slug, board);
      this.emit({ type: 'boards', boards: [...this.boards.values()] });
      return board;
    },
    createProfile: ({ name }) => {
      // As the core: a profile is never overwritten from the board.
      if (this.lanes.get(name)?.kind === 'profile') fail('conflict', `profile "${name}" already exists`);
      const settings = this.lanes.get(name) ?? { paused: false, maxConcurrent: 1, kind: 'profile' as const };
      this.lanes.set(name, { ...settings, kind: 'profile' });
      this.profileTexts.set(
        name,
        `${JSON.stringify({ command: [`{home}/profiles/${name}/run.sh`, '{taskId}', '{prompt}'] }, null, 2)}\n`,
      );
      return this.laneStatus(name);
    },
    profileFile: ({ name }) => {
      const text = this.profileTexts.get(name) ?? fail('not_found', `no profile "${name}"`);
      return { name, text, version: fakeVersion(text) };
    },
    saveProfile: ({ name, text, version }) => {
      const check = checkProfileText(text);
      if (!check.ok) fail('invalid_input', `profile.json: ${check.problems[0]?.message ?? 'invalid'}`);
      const now = this.profileTexts.get(name);
      if (version === null && now !== undefined)
        fail('conflict', `profile "${name}" already exists; open it to edit it`);
      if (version !== null && (now === undefined || fakeVersion(now) !== version))
        fail(
          'conflict',
          `profiles/${name}/profile.json changed on disk since you opened it; nothing was saved`,
        );
      return this.storeProfile(name, text.endsWith('\n') ? text : `${text}\n`);
    },
    duplicateProfile: ({ name, newName }) => {
      const text = this.profileTexts.get(name) ?? fail('not_found', `no profile "${name}"`);
      if (this.profileTexts.has(newName)) fail('conflict', `profile "${newName}" already exists`);
      return this.storeProfile(
        newName,
        text.split(`{home}/profiles/${name}/`).join(`{home}/profiles/${newName}/`),
      );
    },
    deleteProfile: ({ name, version }) => {
      const now = this.profileTexts.get(name) ?? fail('not_found', `no profile "${name}"`);
      if (fakeVersion(now) !== version)
        fail(
          'conflict',
          `profiles/${name}/profile.json changed on disk since you opened it; nothing was saved`,
        );
      this.profileTexts.delete(name);
      this.lanes.delete(name);
      return { name, movedTo: `profiles/.trash/${name}` };
    },
    listRecurrences: ({ board }) => [...this.recurrences.values()].filter((item) => item.board === board),
    addRecurrence: (request) => {
      if (!this.boards.has(request.board)) fail('not_found', `no board "${request.board}"`);
      const id = `r_${(this.nextNumber++).toString(16).padStart(8, '0')}`;
      const recurrence: Recurrence = {
        id,
        board: request.board,
        lane: request.lane,
        title: request.title,
        body: request.body,
        priority: request.priority,
        schedule: request.schedule,
        timeZone: request.timeZone,
        skipIfOpen: request.skipIfOpen,
        paused: false,
        createdAt: this.now(),
        lastOccurrenceAt: this.now(),
        lastTaskId: null,
        lastOutcome: null,
        nextRunAt: null,
      };
      this.recurrences.set(id, recurrence);
      return recurrence;
    },
    setRecurrencePaused: ({ id, paused }) => {
      const recurrence = this.recurrences.get(id) ?? fail('not_found', `no recurrence ${id}`);
      const updated = { ...recurrence, paused };
      this.recurrences.set(id, updated);
      return updated;
    },
    removeRecurrence: ({ id }) => {
      const recurrence = this.recurrences.get(id) ?? fail('not_found', `no recurrence ${id}`);
      this.recurrences.delete(id);
      return recurrence;
    },
    // docs/architecture.md §9. The in-memory board keeps a board's repository setting as the core
    // does, but runs no git: no task ever gets a worktree here, so there are no changes to show or
    // land, and a base not named is taken to be `main` (the core reads the checked-out branch).
    taskChanges: ({ id }) => {
      this.task(id);
      return null;
    },
    boardChanges: ({ board }) => {
      this.activeBoard(board);
      return [];
    },
    landTask: ({ id }) => fail('not_found', `${this.task(id).id} has no repository worktree`),
    // As the core: a comment the next run's prompt includes, and back to ready (worktree or not).
    sendBackTask: ({ id, comment }) => {
      this.handlers.addComment({ id, body: comment });
      return this.handlers.moveTask({ id, status: 'ready' }).task;
    },
    waiveReview: ({ id }) => fail('not_found', `${this.task(id).id} has no repository worktree`),
    boardRepository: ({ board }) => {
      if (!this.boards.has(board)) fail('not_found', `no board "${board}"`);
      return this.repositories.get(board) ?? null;
    },
    setBoardRepository: ({ board, repo, base, mergeMode, afterMerge }) => {
      if (!this.boards.has(board)) fail('not_found', `no board "${board}"`);
      const current = this.repositories.get(board);
      if (repo === null) {
        this.repositories.delete(board);
        return null;
      }
      const path = repo ?? current?.repo;
      if (!path) fail('invalid_input', `board "${board}" has no repository: give one with --repo PATH`);
      const setting: BoardRepository = {
        board,
        repo: path,
        baseBranch: base ?? (repo === undefined ? current?.baseBranch : undefined) ?? 'main',
        mergeMode: mergeMode ?? current?.mergeMode ?? 'merge',
        afterMerge: afterMerge ?? current?.afterMerge ?? 'remove',
      };
      this.repositories.set(board, setting);
      return setting;
    },
  };
}

/** A content version as the core's (a different text, a different version), without node:crypto. */
function fakeVersion(text: string): string {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) hash = (hash * 31 + text.charCodeAt(index)) | 0;
  return `${(hash >>> 0).toString(16)}-${text.length}`;
}

export function createFakeApi(options?: FakeApiOptions): FakeApi {
  return new FakeApi(options);
}
