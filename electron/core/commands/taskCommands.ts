import { z } from 'zod';
import { DEFAULT_BOARD } from '../../../shared/constants';
import type { Board, Task, TaskStatus } from '../../../shared/domain';
import {
  assigneeSchema,
  boardNameSchema,
  commentBodySchema,
  followupTextSchema,
  reasonSchema,
  slugSchema,
  summarySchema,
  taskIdSchema,
  taskStatusSchema,
} from '../../../shared/fieldSchemas';
import {
  createTaskInputSchema,
  editTaskInputSchema,
  type CreateTaskInput,
  type EditTaskInput,
} from '../../../shared/taskInput';
import { checkLink, checkMove, statusAfterLink } from '../../../shared/transitions';
import * as boards from '../store/boards';
import * as comments from '../store/comments';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { SwitchyardError, invalidInput, notFound } from '../errors';
import { parseInput } from './parseInput';
import { appendEvent } from '../store/events';
import * as followups from '../store/followups';
import * as links from '../store/links';
import * as runs from '../store/runs';
import * as tasks from '../store/tasks';
import { laneOverrides } from '../store/laneSettings';
import { loadLanesFile } from '../config/lanesFile';
import { awaitsApproval, effectiveLaneSettings } from '../config/effectiveLaneSettings';
import type { HomePaths } from '../config/home';
import { guardActor, type Actor } from './actors';
import {
  insertCreatedTask,
  requireActiveBoard,
  requireExistingTask,
  type CheckedCreateTaskInput,
} from './createTask';

export type { Actor } from './actors';

/**
 * The operations on tasks and boards (docs/architecture.md §2, §6). Each validates its input, runs in one write
 * transaction and records its events there, so a refused operation changes nothing.
 */

function requireTask(db: Db, id: string): Task {
  return requireExistingTask(db, parseInput(taskIdSchema, id, 'task id'));
}

const parentsDone = (db: Db, taskId: string): boolean =>
  links.parentsOf(db, taskId).every((parent) => parent.status === 'done');

// ---------------------------------------------------------------------------------------------
// Creating and editing

/** `input` as createTaskInputSchema parses it, or one line saying what is wrong (parseInput). */
export function parseCreateTaskInput(input: unknown): CheckedCreateTaskInput {
  return parseInput(createTaskInputSchema, input);
}

export function createTask(db: Db, input: CreateTaskInput, actor: Actor): Task {
  return insertCreatedTask(db, parseCreateTaskInput(input), actor);
}

export function editTask(db: Db, id: string, patch: EditTaskInput, actor: Actor): Task {
  const valid = parseInput(editTaskInputSchema, patch);
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    const now = Date.now();
    const changes = Object.fromEntries(Object.entries(valid).filter(([, value]) => value !== undefined));
    tasks.updateTask(db, task.id, changes, now);
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        kind: 'edited',
        payload: { fields: Object.keys(changes), by: actor.name },
      },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

export function assignTask(db: Db, id: string, assignee: string | null, actor: Actor): Task {
  const lane = assignee === null || assignee === '' ? null : parseInput(assigneeSchema, assignee, 'assignee');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    if (task.status === 'running') {
      throw new SwitchyardError(
        'illegal_move',
        `${task.id} is running; stop it before giving it to another lane`,
      );
    }
    if (task.assignee === lane) return task;
    const now = Date.now();
    // A new lane gets a fresh start: the old lane's failures and backoff say nothing about it.
    tasks.updateTask(
      db,
      task.id,
      { assignee: lane, failureCount: 0, nextAttemptAt: null, skipReason: null, skipDetail: null },
      now,
    );
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        kind: 'assigned',
        payload: { from: task.assignee, to: lane, by: actor.name },
      },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

// ---------------------------------------------------------------------------------------------
// Status moves

/** Children whose parents are now all done move from todo to ready (docs/architecture.md §2). */
export function promoteChildren(db: Db, parentId: string, now: number): string[] {
  return promoteTasks(db, links.childIdsOf(db, parentId), now);
}

export function promoteTasks(db: Db, among: readonly string[] | undefined, now: number): string[] {
  const promoted = links.promotableTaskIds(db, among);
  for (const id of promoted) promoteToReady(db, tasks.findTask(db, id) as Task, now);
  return promoted;
}

/** A todo task whose parents are all done becomes ready, with its `promoted` event. */
function promoteToReady(db: Db, task: Task, now: number): void {
  tasks.updateTask(db, task.id, { status: 'ready' }, now);
  appendEvent(
    db,
    { taskId: task.id, board: task.board, kind: 'promoted', payload: { from: 'todo', to: 'ready' } },
    now,
  );
}

/** Ends whatever claim and run a task holds; the supervisor stops a live worker whose run closes. */
function releaseClaim(
  db: Db,
  task: Task,
  outcome: 'stopped' | 'completed' | 'blocked',
  now: number,
  summary?: string | null,
): void {
  if (task.currentRunId !== null) {
    runs.closeRun(db, task.currentRunId, { outcome, summary: summary ?? null, now });
  }
  tasks.updateTask(db, task.id, tasks.CLAIM_RELEASED, now);
}

export interface MoveResult {
  task: Task;
  /** True when the task was running and its worker has been told to stop. */
  stoppedWorker: boolean;
}

export function moveTask(db: Db, id: string, to: string, actor: Actor): MoveResult {
  const target = parseInput(taskStatusSchema, to, 'status');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    const verdict = checkMove(task.status, target, { parentsDone: parentsDone(db, task.id) });
    if (!verdict.allowed)
      throw new SwitchyardError('illegal_move', `cannot move ${task.id}: ${verdict.reason}`);
    const now = Date.now();
    if (verdict.stopsWorker) releaseClaim(db, task, target === 'done' ? 'completed' : 'stopped', now);
    applyStatus(db, task, target, now);
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        kind: target === 'archived' ? 'archived' : 'moved',
        payload: { from: task.status, to: target, by: actor.name },
      },
      now,
    );
    if (target === 'done') promoteChildren(db, task.id, now);
    else if (task.status === 'done' && target !== 'archived') demoteReadyChildren(db, task.id, now);
    return { task: tasks.findTask(db, task.id) as Task, stoppedWorker: verdict.stopsWorker };
  });
}

/**
 * docs/architecture.md §2: a task with an unfinished parent is todo. When a done task is reopened, its children
 * that were promoted but not yet claimed go back to waiting (running ones keep their worker).
 */
function demoteReadyChildren(db: Db, parentId: string, now: number): void {
  for (const childId of links.childIdsOf(db, parentId)) {
    const child = tasks.findTask(db, childId);
    if (!child || child.status !== 'ready' || child.claimOwner !== null) continue;
    tasks.updateTask(db, child.id, { status: 'todo', skipReason: null, skipDetail: null }, now);
    appendEvent(
      db,
      {
        taskId: child.id,
        board: child.board,
        kind: 'moved',
        payload: { from: 'ready', to: 'todo', reason: `parent ${parentId} was reopened` },
      },
      now,
    );
  }
}

function applyStatus(db: Db, task: Task, target: TaskStatus, now: number): void {
  const patch: tasks.TaskPatch = { status: target, skipReason: null, skipDetail: null };
  if (target === 'done') patch.completedAt = now;
  if (task.status === 'done' && target !== 'archived') patch.completedAt = null;
  if (target === 'ready' || target === 'todo' || target === 'triage') {
    // A person putting a task back in the queue wants it tried now, not after the old backoff.
    patch.nextAttemptAt = null;
    patch.blockReason = null;
    if (task.status === 'blocked') patch.failureCount = 0;
  }
  tasks.updateTask(db, task.id, patch, now);
}

// ---------------------------------------------------------------------------------------------
// Links and comments

export function linkTasks(db: Db, parentId: string, childId: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const parent = requireTask(db, parentId);
    const child = requireTask(db, childId);
    // The child is what changes (it may wait for the parent now).
    guardActor(db, actor, { task: child.id });
    if (parent.board !== child.board)
      throw invalidInput(`${parent.id} and ${child.id} are on different boards`);
    const verdict = checkLink(parent.id, child.id, (taskId) => links.childIdsOf(db, taskId));
    if (!verdict.allowed) throw new SwitchyardError('conflict', verdict.reason);
    const now = Date.now();
    if (!links.insertLink(db, parent.id, child.id, now)) return child;
    const status = statusAfterLink(child.status, parent.status);
    if (status !== child.status) tasks.updateTask(db, child.id, { status }, now);
    appendEvent(
      db,
      {
        taskId: child.id,
        board: child.board,
        kind: 'linked',
        payload: { parent: parent.id, by: actor.name },
      },
      now,
    );
    return tasks.findTask(db, child.id) as Task;
  });
}

export function unlinkTasks(db: Db, parentId: string, childId: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const parent = requireTask(db, parentId);
    const child = requireTask(db, childId);
    guardActor(db, actor, { task: child.id });
    if (!links.deleteLink(db, parent.id, child.id))
      throw notFound(`${child.id} does not depend on ${parent.id}`);
    const now = Date.now();
    appendEvent(
      db,
      {
        taskId: child.id,
        board: child.board,
        kind: 'unlinked',
        payload: { parent: parent.id, by: actor.name },
      },
      now,
    );
    // The child was waiting for this parent: with it gone it may be free (promoteTasks only
    // looks at tasks that still have parents, so a child without any is handled here).
    if (child.status === 'todo' && parent.status !== 'done' && parentsDone(db, child.id))
      promoteToReady(db, child, now);
    return tasks.findTask(db, child.id) as Task;
  });
}

export function addComment(db: Db, id: string, body: string, actor: Actor): number {
  const text = parseInput(commentBodySchema, body, 'comment');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    const now = Date.now();
    const commentId = comments.insertComment(db, task.id, actor.name, text, now);
    appendEvent(
      db,
      { taskId: task.id, board: task.board, kind: 'commented', payload: { commentId, by: actor.name } },
      now,
    );
    return commentId;
  });
}

// ---------------------------------------------------------------------------------------------
// Claims and worker reports

export const DEFAULT_CLAIM_TTL_MS = 15 * 60_000;

export interface ClaimRequest {
  taskId?: string;
  lane?: string;
  board?: string;
  ttlMs?: number;
  /** Where lanes.json is, for a lane paused there; without it only the board's pause switch counts. */
  lanesFile?: Pick<HomePaths, 'lanesFile'>;
}

/**
 * A lane's effective settings as claims read them: a paused lane hands out nothing by `claim
 * --next` (docs/architecture.md §3 "lanes can be paused"; a claim by id is a person's explicit
 * choice and is still allowed), and a lane that asks for approval hands out no task before it
 * (§10). The board's switch, else lanes.json, as the dispatcher and the lane view read them.
 */
function laneSettingsForClaims(db: Db, lane: string, files: ClaimRequest['lanesFile']) {
  const declaration = files ? loadLanesFile(files).lanes.get(lane) : undefined;
  // Pause and approval do not depend on the lane's kind; its limit (unused here) would.
  const resolution = {
    kind: 'terminal',
    name: lane,
    declared: declaration !== undefined,
    hint: null,
  } as const;
  return effectiveLaneSettings(laneOverrides(db).get(lane), declaration, resolution);
}

const HOW_TO_APPROVE = "the card's Approve button, `switchyard approve ID` or MCP approve_task";

/** docs/architecture.md §10: a claim is a terminal lane's start, held for the approval as a spawn is. */
function refuseClaimAwaitingApproval(db: Db, task: Task, files: ClaimRequest['lanesFile']): void {
  const laneAsks = task.assignee !== null && laneSettingsForClaims(db, task.assignee, files).requireApproval;
  if (!awaitsApproval(task, laneAsks)) return;
  const who = laneAsks
    ? `lane ${task.assignee} asks for it before a task starts`
    : 'it asks for it before it starts';
  throw new SwitchyardError(
    'conflict',
    `${task.id} waits for approval (${who}): approve it first (${HOW_TO_APPROVE.replace('ID', task.id)})`,
  );
}

/**
 * A terminal (or a person) pulls a task: ready → running with a claim that expires unless renewed
 * by `heartbeat` (docs/architecture.md §4.4). Compare-and-swap, so the dispatcher and other terminals cannot also win it.
 */
export function claimTask(db: Db, request: ClaimRequest, actor: Actor): Task {
  const lane = request.lane === undefined ? undefined : parseInput(assigneeSchema, request.lane, 'lane');
  if (!request.taskId && !lane) throw invalidInput('claim needs a task id or --next --lane NAME');
  const ttlMs = request.ttlMs ?? DEFAULT_CLAIM_TTL_MS;
  return runInWriteTransaction(db, () => {
    guardActor(db, actor, { home: 'claim tasks (it already holds one)' });
    const now = Date.now();
    let task: Task | undefined;
    if (request.taskId) {
      task = requireTask(db, request.taskId);
      if (task.status !== 'ready' || task.claimOwner !== null) {
        throw new SwitchyardError(
          'conflict',
          `${task.id} is ${task.status}${task.claimOwner ? ` (claimed by ${task.claimOwner})` : ''}; only ready tasks can be claimed`,
        );
      }
      refuseClaimAwaitingApproval(db, task, request.lanesFile);
    } else {
      const settings = laneSettingsForClaims(db, lane as string, request.lanesFile);
      if (settings.paused)
        throw new SwitchyardError(
          'conflict',
          `lane "${lane}" is paused: claim --next takes nothing from it until it is resumed (Lanes view, or "paused": false in lanes.json); claim a task by its id to take one anyway`,
        );
      let awaitingApproval = 0;
      task = tasks.nextReadyTaskOfLane(db, lane as string, request.board, now, (candidate) => {
        if (!awaitsApproval(candidate, settings.requireApproval)) return true;
        awaitingApproval += 1;
        return false;
      });
      if (!task)
        throw notFound(
          awaitingApproval > 0
            ? `no ready task in lane "${lane}" may start: ${awaitingApproval} wait for approval (${HOW_TO_APPROVE})`
            : `no ready task in lane "${lane}"`,
        );
    }
    const owner = actor.name;
    if (!tasks.claimReadyTask(db, task.id, { owner, expiresAt: now + ttlMs, now })) {
      throw new SwitchyardError('conflict', `${task.id} was claimed by someone else just now`);
    }
    // docs/architecture.md §10: a terminal's run carries the task's follow-up too (`switchyard show` lists it).
    const followup = followups.followupForNextRun(db, task.id);
    const runId = runs.insertRun(db, {
      taskId: task.id,
      lane: task.assignee ?? 'unassigned',
      logPath: null,
      now,
    });
    if (followup !== null) runs.setRunFollowup(db, runId, followup);
    tasks.updateTask(db, task.id, { currentRunId: runId }, now);
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        runId,
        kind: 'claimed',
        payload: { by: owner, expiresAt: now + ttlMs },
      },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

export function heartbeat(
  db: Db,
  id: string,
  note: string | undefined,
  actor: Actor,
  ttlMs = DEFAULT_CLAIM_TTL_MS,
): Task {
  const text = note === undefined ? undefined : parseInput(z.string().max(2_000), note, 'note');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    if (task.status !== 'running')
      throw new SwitchyardError('conflict', `${task.id} is ${task.status}, not running`);
    const now = Date.now();
    const patch: tasks.TaskPatch = { lastHeartbeatAt: now };
    if (task.claimExpiresAt !== null) patch.claimExpiresAt = now + ttlMs;
    tasks.updateTask(db, task.id, patch, now);
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        runId: task.currentRunId,
        kind: 'heartbeat',
        payload: text ? { note: text } : {},
      },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

export function completeTask(db: Db, id: string, summary: string | undefined, actor: Actor): Task {
  const text = summary === undefined ? null : parseInput(summarySchema, summary, 'summary');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    if (task.status === 'done' || task.status === 'archived') {
      throw new SwitchyardError('conflict', `${task.id} is already ${task.status}`);
    }
    const now = Date.now();
    releaseClaim(db, task, 'completed', now, text);
    tasks.updateTask(
      db,
      task.id,
      {
        status: 'done',
        completedAt: now,
        result: text,
        skipReason: null,
        skipDetail: null,
        nextAttemptAt: null,
        blockReason: null,
      },
      now,
    );
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        runId: task.currentRunId,
        kind: 'completed',
        payload: { summary: text, by: actor.name },
      },
      now,
    );
    promoteChildren(db, task.id, now);
    return tasks.findTask(db, task.id) as Task;
  });
}

export function blockTask(db: Db, id: string, reason: string, actor: Actor): Task {
  const text = parseInput(reasonSchema, reason, 'reason');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    const verdict = checkMove(task.status, 'blocked', { parentsDone: true });
    if (!verdict.allowed)
      throw new SwitchyardError('illegal_move', `cannot block ${task.id}: ${verdict.reason}`);
    const now = Date.now();
    releaseClaim(db, task, 'blocked', now, text);
    tasks.updateTask(
      db,
      task.id,
      { status: 'blocked', blockReason: text, skipReason: null, skipDetail: null },
      now,
    );
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        runId: task.currentRunId,
        kind: 'blocked',
        payload: { reason: text, by: actor.name },
      },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

export function unblockTask(db: Db, id: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    if (task.status !== 'blocked')
      throw new SwitchyardError('illegal_move', `${task.id} is ${task.status}, not blocked`);
    const now = Date.now();
    const target: TaskStatus = parentsDone(db, task.id) ? 'ready' : 'todo';
    tasks.updateTask(
      db,
      task.id,
      { status: target, blockReason: null, failureCount: 0, nextAttemptAt: null, lastError: null },
      now,
    );
    appendEvent(
      db,
      { taskId: task.id, board: task.board, kind: 'unblocked', payload: { to: target, by: actor.name } },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

/**
 * docs/architecture.md §10: a person lets a task that waits for approval (its own setting or its lane's) be spawned.
 * Recorded as an `approved` event naming who approved; approving twice is refused.
 */
export function approveTask(db: Db, id: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { person: `approve ${task.id}` });
    if (task.approvedAt !== null)
      throw new SwitchyardError('conflict', `${task.id} was already approved by ${task.approvedBy ?? '?'}`);
    if (task.status === 'done' || task.status === 'archived' || task.status === 'running')
      throw new SwitchyardError(
        'illegal_move',
        `${task.id} is ${task.status}; only tasks that wait to start can be approved`,
      );
    const now = Date.now();
    tasks.updateTask(db, task.id, { approvedBy: actor.name, approvedAt: now }, now);
    appendEvent(
      db,
      { taskId: task.id, board: task.board, kind: 'approved', payload: { by: actor.name } },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}

/**
 * docs/architecture.md §10 follow-ups: a done or blocked task goes back to ready with `text` for its next run. A
 * Claude Code or Codex profile resumes the agent's own session with it (the dispatcher), any other
 * lane starts afresh with the text in the prompt. Recorded as a `followup` event naming who sent it.
 */
export function followupTask(db: Db, id: string, text: string, actor: Actor): Task {
  const message = parseInput(followupTextSchema, text, 'follow-up');
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    if (task.status !== 'done' && task.status !== 'blocked')
      throw new SwitchyardError(
        'illegal_move',
        `${task.id} is ${task.status}; only a done or blocked task can get a follow-up`,
      );
    const verdict = checkMove(task.status, 'ready', { parentsDone: parentsDone(db, task.id) });
    if (!verdict.allowed)
      throw new SwitchyardError('illegal_move', `cannot follow up ${task.id}: ${verdict.reason}`);
    const now = Date.now();
    applyStatus(db, task, 'ready', now);
    followups.setPendingFollowup(db, task.id, { text: message, requestedBy: actor.name, requestedAt: now });
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        kind: 'followup',
        payload: { from: task.status, to: 'ready', text: clipForEvent(message), by: actor.name },
      },
      now,
    );
    if (task.status === 'done') demoteReadyChildren(db, task.id, now);
    return tasks.findTask(db, task.id) as Task;
  });
}

/**
 * The follow-up the task's current run carries (a terminal that claims it is told, as a worker's
 * prompt would tell it), or null.
 */
export function currentFollowup(db: Db, task: Task): string | null {
  return task.currentRunId === null ? null : (runs.findRun(db, task.currentRunId)?.followup ?? null);
}

/** The event keeps the start of a long follow-up; the whole text is on the run that carries it. */
const clipForEvent = (text: string): string => (text.length > 500 ? `${text.slice(0, 500)}…` : text);

export function archiveTask(db: Db, id: string, actor: Actor): Task {
  return moveTask(db, id, 'archived', actor).task;
}

// ---------------------------------------------------------------------------------------------
// Boards

export function createBoard(db: Db, slug: string, name: string | undefined): Board {
  const validSlug = parseInput(slugSchema, slug, 'board');
  const title = parseInput(boardNameSchema, name ?? validSlug, 'board name');
  return runInWriteTransaction(db, () => {
    const existing = boards.findBoard(db, validSlug);
    if (existing && existing.archivedAt === null)
      throw new SwitchyardError('conflict', `board "${validSlug}" already exists`);
    if (existing) boards.setBoardArchived(db, validSlug, null);
    else boards.insertBoard(db, validSlug, title, Date.now());
    return boards.findBoard(db, validSlug) as Board;
  });
}

export function archiveBoard(db: Db, slug: string): Board {
  const validSlug = parseInput(slugSchema, slug, 'board');
  if (validSlug === DEFAULT_BOARD)
    throw invalidInput('the default board always exists and cannot be archived');
  return runInWriteTransaction(db, () => {
    requireActiveBoard(db, validSlug);
    boards.setBoardArchived(db, validSlug, Date.now());
    return boards.findBoard(db, validSlug) as Board;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface TaskDetail {
  task: Task;
  parents: links.ParentState[];
  children: string[];
  comments: ReturnType<typeof comments.commentsOf>;
  runs: ReturnType<typeof runs.runsOf>;
}

export function showTask(db: Db, id: string): TaskDetail {
  const task = requireTask(db, id);
  return {
    task,
    parents: links.parentsOf(db, task.id),
    children: links.childIdsOf(db, task.id),
    comments: comments.commentsOf(db, task.id),
    runs: runs.runsOf(db, task.id),
  };
}

export function getTask(db: Db, id: string): Task {
  return requireTask(db, id);
}

// ---------------------------------------------------------------------------------------------
// Retrying

/**
 * "Try now" (docs/architecture.md §7 drawer action): a blocked task is unblocked; a ready task waiting out its
 * backoff loses the wait. Anything else has nothing to retry.
 */
export function retryTask(db: Db, id: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const task = requireTask(db, id);
    guardActor(db, actor, { task: task.id });
    if (task.status === 'blocked') return unblockTask(db, task.id, actor);
    if (task.status !== 'ready' || task.nextAttemptAt === null) {
      throw new SwitchyardError(
        'illegal_move',
        `${task.id} is ${task.status}${task.status === 'ready' ? ' and not waiting' : ''}; only blocked tasks or tasks in backoff can be retried`,
      );
    }
    const now = Date.now();
    const patch: tasks.TaskPatch = { nextAttemptAt: null };
    if (task.skipReason === 'backoff') Object.assign(patch, { skipReason: null, skipDetail: null });
    tasks.updateTask(db, task.id, patch, now);
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        kind: 'edited',
        payload: { fields: ['nextAttemptAt'], retry: true, by: actor.name },
      },
      now,
    );
    return tasks.findTask(db, task.id) as Task;
  });
}
