import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateTaskInput } from '../../../shared/contract';
import type { TaskEvent } from '../../../shared/domain';
import { snapshotDatabase } from '../../../test/helpers/snapshot';
import { useTempHomes } from '../../../test/helpers/home';
import * as commands from './taskCommands';
import type { Actor } from './taskCommands';
import { openDatabase, runInWriteTransaction, type Db } from '../store/db/open';
import { issueRunSecret } from './actors';
import { SwitchyardError } from '../errors';
import { eventsAfter } from '../store/events';
import { findRun, runsOf } from '../store/runs';
import { updateTask } from '../store/tasks';

const tempHome = useTempHomes();
const alice: Actor = { name: 'alice' };
let db: Db;

beforeEach(() => {
  db = openDatabase(tempHome().database);
});
afterEach(() => db.close());

const allEvents = (): TaskEvent[] => eventsAfter(db, 0, 1_000_000);
const kinds = (taskId?: string) =>
  allEvents()
    .filter((event) => taskId === undefined || event.taskId === taskId)
    .map((event) => event.kind);
const create = (title: string, extra: Omit<CreateTaskInput, 'title'> = {}) =>
  commands.createTask(db, { title, ...extra }, alice);

/** Runs a command that must be refused: returns the error, and proves nothing in the database changed. */
function refused(work: () => unknown): SwitchyardError {
  const before = snapshotDatabase(db.name);
  let caught: unknown;
  try {
    work();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the command should have been refused').toBeInstanceOf(SwitchyardError);
  expect((caught as Error).message).not.toContain('\n');
  expect(snapshotDatabase(db.name)).toEqual(before);
  return caught as SwitchyardError;
}

describe('createTask', () => {
  it('creates a ready task with trimmed title, lowercase assignee and a created event', () => {
    const task = create('  Fix login ', { assignee: 'Orion-CC', body: 'details', priority: 3 });
    expect(task).toMatchObject({
      board: 'default',
      title: 'Fix login',
      body: 'details',
      assignee: 'orion-cc',
      status: 'ready',
      priority: 3,
      createdBy: 'alice',
      workspace: 'scratch',
      failureCount: 0,
      claimOwner: null,
    });
    expect(task.id).toMatch(/^t_[0-9a-f]{8}$/);
    expect(commands.getTask(db, task.id)).toEqual(task);
    const [event] = allEvents();
    expect(event).toMatchObject({
      taskId: task.id,
      board: 'default',
      kind: 'created',
      payload: { status: 'ready', assignee: 'orion-cc', by: 'alice' },
    });
  });

  it('gives every task its own id', () => {
    const ids = new Set(Array.from({ length: 200 }, (_, i) => create(`t${i}`).id));
    expect(ids.size).toBe(200);
  });

  it('sets completedAt on a task created done', () => {
    const task = create('already done', { status: 'done' });
    expect(task.status).toBe('done');
    expect(task.completedAt).not.toBeNull();
  });

  it.each([
    ['an empty title', { title: '' }, /title is required/],
    ['a whitespace title', { title: '  \t ' }, /title is required/],
    ['a 501-character title', { title: 'x'.repeat(501) }, /longer than 500/],
    ['a body over 64 KiB', { title: 'x', body: 'x'.repeat(64 * 1024 + 1) }, /larger than 64 KiB/],
    ['a NUL in the body', { title: 'x', body: 'a\u0000b' }, /NUL/],
    ['an assignee with a path', { title: 'x', assignee: '../x' }, /assignee/],
    ['a running status', { title: 'x', status: 'running' as const }, /claimed/],
    ['a relative workspace', { title: 'x', workspace: 'dir:relative' }, /workspace/],
    ['a malformed parent id', { title: 'x', parents: ['nope'] }, /t_1a2b3c4d/],
    ['an unknown board', { title: 'x', board: 'nowhere' }, /no board "nowhere"/],
  ])('refuses %s', (_what, input, message) => {
    create('existing');
    const error = refused(() => commands.createTask(db, input as CreateTaskInput, alice));
    expect(error.message).toMatch(message);
  });

  it('refuses an unknown (well-formed) parent as not_found', () => {
    const error = refused(() => create('child', { parents: ['t_00000000'] }));
    expect(error.code).toBe('not_found');
  });
});

describe('editTask and assignTask', () => {
  it('edits fields and records which', () => {
    const task = create('old');
    const edited = commands.editTask(db, task.id, { title: 'new', priority: 7 }, alice);
    expect(edited).toMatchObject({ title: 'new', priority: 7 });
    expect(allEvents().at(-1)).toMatchObject({ kind: 'edited', payload: { fields: ['title', 'priority'] } });
  });

  it('refuses an edit with nothing to change or a bad value', () => {
    const task = create('old');
    expect(refused(() => commands.editTask(db, task.id, {}, alice)).message).toMatch(/nothing to change/);
    refused(() => commands.editTask(db, task.id, { title: ' ' }, alice));
  });

  it('assigns case-insensitively, stores lowercase, and gives the new lane a fresh start', () => {
    const task = create('x');
    updateTask(db, task.id, { failureCount: 3, nextAttemptAt: 99 }, Date.now());
    const assigned = commands.assignTask(db, task.id, 'Orion-CC', alice);
    expect(assigned).toMatchObject({ assignee: 'orion-cc', failureCount: 0, nextAttemptAt: null });
    expect(allEvents().at(-1)).toMatchObject({ kind: 'assigned', payload: { from: null, to: 'orion-cc' } });
    // The same lane in another case is no change at all.
    const eventsBefore = allEvents().length;
    commands.assignTask(db, task.id, 'ORION-cc', alice);
    expect(allEvents()).toHaveLength(eventsBefore);
    expect(commands.assignTask(db, task.id, null, alice).assignee).toBeNull();
  });

  it('refuses a bad lane name and reassigning a running task', () => {
    const task = create('x', { assignee: 'term' });
    refused(() => commands.assignTask(db, task.id, '../x', alice));
    commands.claimTask(db, { taskId: task.id }, alice);
    expect(refused(() => commands.assignTask(db, task.id, 'other', alice)).code).toBe('illegal_move');
  });
});

describe('moveTask', () => {
  it('moves along the state machine and records a moved event', () => {
    const task = create('x');
    const { task: moved, stoppedWorker } = commands.moveTask(db, task.id, 'blocked', alice);
    expect(moved.status).toBe('blocked');
    expect(stoppedWorker).toBe(false);
    expect(allEvents().at(-1)).toMatchObject({ kind: 'moved', payload: { from: 'ready', to: 'blocked' } });
  });

  it('refuses running, the same status, and unknown statuses, changing nothing', () => {
    const task = create('x');
    expect(refused(() => commands.moveTask(db, task.id, 'running', alice)).code).toBe('illegal_move');
    expect(refused(() => commands.moveTask(db, task.id, 'ready', alice)).message).toMatch(/already ready/);
    expect(refused(() => commands.moveTask(db, task.id, 'bogus', alice)).code).toBe('invalid_input');
  });

  it('refuses ready while a parent is unfinished', () => {
    const parent = create('parent');
    const child = create('child', { parents: [parent.id] });
    commands.moveTask(db, child.id, 'triage', alice);
    expect(refused(() => commands.moveTask(db, child.id, 'ready', alice)).message).toMatch(
      /unfinished parents/,
    );
  });

  it('moving a running task out of running closes its claim and run and reports the stop', () => {
    const task = create('x', { assignee: 'term' });
    const claimed = commands.claimTask(db, { taskId: task.id }, alice);
    const { task: moved, stoppedWorker } = commands.moveTask(db, task.id, 'ready', alice);
    expect(stoppedWorker).toBe(true);
    expect(moved).toMatchObject({
      status: 'ready',
      claimOwner: null,
      claimExpiresAt: null,
      currentRunId: null,
    });
    expect(findRun(db, claimed.currentRunId as number)).toMatchObject({ outcome: 'stopped' });
    expect(findRun(db, claimed.currentRunId as number)?.endedAt).not.toBeNull();
  });

  it('archives with an archived event', () => {
    const task = create('x');
    expect(commands.archiveTask(db, task.id, alice).status).toBe('archived');
    expect(kinds(task.id)).toEqual(['created', 'archived']);
  });

  it('refuses unknown ids, well-formed or not', () => {
    expect(refused(() => commands.moveTask(db, 't_00000000', 'done', alice)).code).toBe('not_found');
    expect(refused(() => commands.moveTask(db, 'T_zz', 'done', alice)).code).toBe('invalid_input');
  });
});

describe('dependencies and promotion', () => {
  it('a child of an unfinished parent is todo and becomes ready when the parent completes', () => {
    const parent = create('parent');
    const child = create('child', { parents: [parent.id] });
    expect(child.status).toBe('todo');
    commands.completeTask(db, parent.id, 'parent result', alice);
    expect(commands.getTask(db, child.id).status).toBe('ready');
    expect(kinds(child.id)).toEqual(['created', 'promoted']);
    expect(commands.showTask(db, child.id).parents).toEqual([
      { id: parent.id, title: 'parent', status: 'done', result: 'parent result' },
    ]);
  });

  it('promotes children when the parent is moved to done', () => {
    const parent = create('parent');
    const child = create('child', { parents: [parent.id] });
    commands.moveTask(db, parent.id, 'done', alice);
    expect(commands.getTask(db, child.id).status).toBe('ready');
  });

  it('a child of a done parent starts ready', () => {
    const parent = create('parent', { status: 'done' });
    expect(create('child', { parents: [parent.id] }).status).toBe('ready');
  });

  it('a diamond waits for both parents', () => {
    const top = create('top');
    const left = create('left', { parents: [top.id] });
    const right = create('right', { parents: [top.id] });
    const bottom = create('bottom', { parents: [left.id, right.id] });
    expect([left.status, right.status, bottom.status]).toEqual(['todo', 'todo', 'todo']);
    commands.completeTask(db, top.id, undefined, alice);
    expect(commands.getTask(db, left.id).status).toBe('ready');
    expect(commands.getTask(db, right.id).status).toBe('ready');
    commands.completeTask(db, left.id, undefined, alice);
    expect(commands.getTask(db, bottom.id).status).toBe('todo');
    commands.completeTask(db, right.id, undefined, alice);
    expect(commands.getTask(db, bottom.id).status).toBe('ready');
  });

  it('linking a ready child to an unfinished parent sends it back to todo; unlinking promotes it', () => {
    const parent = create('parent');
    const child = create('child');
    expect(commands.linkTasks(db, parent.id, child.id, alice).status).toBe('todo');
    expect(commands.unlinkTasks(db, parent.id, child.id, alice).status).toBe('ready');
    expect(kinds(child.id)).toEqual(['created', 'linked', 'unlinked', 'promoted']);
  });

  it('unlinking frees a child only when no unfinished parent is left', () => {
    const first = create('first');
    const second = create('second');
    const child = create('child', { parents: [first.id, second.id] });
    expect(commands.unlinkTasks(db, first.id, child.id, alice).status).toBe('todo');
    expect(commands.unlinkTasks(db, second.id, child.id, alice).status).toBe('ready');
    // A todo task parked by a person stays parked when a finished parent is unlinked.
    const done = create('done parent', { status: 'done' });
    const parked = create('parked', { status: 'todo', parents: [done.id] });
    expect(commands.unlinkTasks(db, done.id, parked.id, alice).status).toBe('todo');
  });

  it('reopening a done parent sends its waiting ready children back to todo', () => {
    const parent = create('parent');
    const child = create('child', { parents: [parent.id] });
    commands.completeTask(db, parent.id, undefined, alice);
    expect(commands.getTask(db, child.id).status).toBe('ready');
    commands.moveTask(db, parent.id, 'ready', alice);
    expect(commands.getTask(db, child.id).status).toBe('todo');
    commands.completeTask(db, parent.id, undefined, alice);
    expect(commands.getTask(db, child.id).status).toBe('ready');
  });

  it('refuses self-links, direct cycles and long cycles, changing nothing', () => {
    const chain = [create('n0')];
    for (let i = 1; i < 20; i++) chain.push(create(`n${i}`, { parents: [chain[i - 1]!.id] }));
    const first = chain[0]!.id;
    const last = chain.at(-1)!.id;
    expect(refused(() => commands.linkTasks(db, first, first, alice)).message).toMatch(/itself/);
    expect(refused(() => commands.linkTasks(db, chain[1]!.id, first, alice)).message).toMatch(/cycle/);
    expect(refused(() => commands.linkTasks(db, last, first, alice)).code).toBe('conflict');
    // A shortcut along the chain is no cycle.
    expect(() => commands.linkTasks(db, first, last, alice)).not.toThrow();
  });

  it('refuses unlinking tasks that are not linked, and links across boards', () => {
    const a = create('a');
    const b = create('b');
    expect(refused(() => commands.unlinkTasks(db, a.id, b.id, alice)).code).toBe('not_found');
    commands.createBoard(db, 'other', undefined);
    const c = create('c', { board: 'other' });
    expect(refused(() => commands.linkTasks(db, a.id, c.id, alice)).message).toMatch(/different boards/);
    expect(refused(() => create('d', { board: 'other', parents: [a.id] })).message).toMatch(/board/);
  });
});

describe('comments', () => {
  it('adds a trimmed comment with an event', () => {
    const task = create('x');
    const commentId = commands.addComment(db, task.id, '  looks good  ', alice);
    expect(commands.showTask(db, task.id).comments).toEqual([
      expect.objectContaining({ id: commentId, author: 'alice', body: 'looks good' }),
    ]);
    expect(allEvents().at(-1)).toMatchObject({ kind: 'commented', payload: { commentId } });
  });

  it('refuses an empty comment and a comment on an unknown task', () => {
    const task = create('x');
    refused(() => commands.addComment(db, task.id, '   ', alice));
    expect(refused(() => commands.addComment(db, 't_00000000', 'hi', alice)).code).toBe('not_found');
  });
});

describe('claims and worker reports', () => {
  it('claims by id: running, owned, with an open run and a claimed event', () => {
    const task = create('x', { assignee: 'term' });
    const before = Date.now();
    const claimed = commands.claimTask(db, { taskId: task.id, ttlMs: 60_000 }, { name: 'terminal:term' });
    expect(claimed).toMatchObject({ status: 'running', claimOwner: 'terminal:term' });
    expect(claimed.claimExpiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(claimed.startedAt).not.toBeNull();
    const [run] = runsOf(db, task.id);
    expect(run).toMatchObject({ id: claimed.currentRunId, lane: 'term', outcome: null, endedAt: null });
    expect(allEvents().at(-1)).toMatchObject({ kind: 'claimed', runId: run!.id });
  });

  it('is compare-and-swap: a second claim of the same task is refused', () => {
    const task = create('x', { assignee: 'term' });
    commands.claimTask(db, { taskId: task.id }, { name: 'first' });
    const error = refused(() => commands.claimTask(db, { taskId: task.id }, { name: 'second' }));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/claimed by first/);
    expect(runsOf(db, task.id)).toHaveLength(1);
  });

  it('claims --next --lane: highest priority first, lane case-insensitive, then nothing left', () => {
    const low = create('low', { assignee: 'term', priority: 1 });
    const high = create('high', { assignee: 'term', priority: 5 });
    create('other lane', { assignee: 'elsewhere', priority: 9 });
    create('waiting', { assignee: 'term', priority: 9, status: 'todo' });
    expect(commands.claimTask(db, { lane: 'TERM' }, alice).id).toBe(high.id);
    expect(commands.claimTask(db, { lane: 'term' }, alice).id).toBe(low.id);
    expect(refused(() => commands.claimTask(db, { lane: 'term' }, alice)).code).toBe('not_found');
  });

  it('refuses to claim a task that is not ready', () => {
    const task = create('x', { status: 'triage' });
    expect(refused(() => commands.claimTask(db, { taskId: task.id }, alice)).code).toBe('conflict');
    refused(() => commands.claimTask(db, {}, alice));
  });

  it('heartbeat renews the claim and records a note', async () => {
    const task = create('x', { assignee: 'term' });
    const claimed = commands.claimTask(db, { taskId: task.id, ttlMs: 1_000 }, alice);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const beat = commands.heartbeat(db, task.id, 'halfway', alice, 60_000);
    expect(beat.claimExpiresAt).toBeGreaterThan(claimed.claimExpiresAt as number);
    expect(beat.lastHeartbeatAt).toBeGreaterThanOrEqual(claimed.lastHeartbeatAt as number);
    expect(allEvents().at(-1)).toMatchObject({ kind: 'heartbeat', payload: { note: 'halfway' } });
  });

  it('refuses a heartbeat for a task that is not running', () => {
    const task = create('x');
    expect(refused(() => commands.heartbeat(db, task.id, undefined, alice)).code).toBe('conflict');
  });

  it('complete closes the run with the summary and marks the task done', () => {
    const task = create('x', { assignee: 'term' });
    const claimed = commands.claimTask(db, { taskId: task.id }, alice);
    const done = commands.completeTask(db, task.id, 'all good', alice);
    expect(done).toMatchObject({ status: 'done', result: 'all good', claimOwner: null, currentRunId: null });
    expect(done.completedAt).not.toBeNull();
    expect(findRun(db, claimed.currentRunId as number)).toMatchObject({
      outcome: 'completed',
      summary: 'all good',
    });
    expect(allEvents().at(-1)).toMatchObject({ kind: 'completed', runId: claimed.currentRunId });
    expect(refused(() => commands.completeTask(db, task.id, undefined, alice)).code).toBe('conflict');
  });

  it('block closes the run, unblock returns the task to ready (or todo while parents are unfinished)', () => {
    const task = create('x', { assignee: 'term' });
    const claimed = commands.claimTask(db, { taskId: task.id }, alice);
    const blocked = commands.blockTask(db, task.id, 'need credentials', alice);
    expect(blocked).toMatchObject({ status: 'blocked', blockReason: 'need credentials', claimOwner: null });
    expect(findRun(db, claimed.currentRunId as number)).toMatchObject({ outcome: 'blocked' });
    expect(commands.unblockTask(db, task.id, alice)).toMatchObject({ status: 'ready', blockReason: null });

    const parent = create('parent');
    const child = create('child', { parents: [parent.id] });
    commands.blockTask(db, child.id, 'wait', alice);
    expect(commands.unblockTask(db, child.id, alice).status).toBe('todo');
    expect(kinds(task.id)).toEqual(['created', 'claimed', 'blocked', 'unblocked']);
  });

  it('refuses block without a reason, blocking twice, and unblocking a task that is not blocked', () => {
    const task = create('x');
    refused(() => commands.blockTask(db, task.id, '  ', alice));
    expect(refused(() => commands.unblockTask(db, task.id, alice)).code).toBe('illegal_move');
    commands.blockTask(db, task.id, 'why', alice);
    expect(refused(() => commands.blockTask(db, task.id, 'again', alice)).code).toBe('illegal_move');
  });

  it("a worker acts only on its own task, and only with its run's secret (guardActor, issue 18)", () => {
    const own = create('own', { assignee: 'bot' });
    const other = create('other', { assignee: 'bot' });
    commands.claimTask(db, { taskId: own.id }, alice);
    commands.claimTask(db, { taskId: other.id }, alice);
    const runId = commands.getTask(db, own.id).currentRunId as number;
    const secret = runInWriteTransaction(db, () => issueRunSecret(db, runId));
    const worker: Actor = {
      name: `worker:${own.id}`,
      ownTaskId: own.id,
      worker: { taskId: own.id, runId: String(runId), secret },
    };
    for (const attempt of [
      () => commands.completeTask(db, other.id, 'sneaky', worker),
      () => commands.blockTask(db, other.id, 'sneaky', worker),
      () => commands.heartbeat(db, other.id, undefined, worker),
      () => commands.moveTask(db, other.id, 'triage', worker),
      () => commands.archiveTask(db, other.id, worker),
      () => commands.editTask(db, other.id, { title: 'mine now' }, worker),
      () => commands.assignTask(db, other.id, 'elsewhere', worker),
      () => commands.addComment(db, other.id, 'psst', worker),
      () => commands.linkTasks(db, own.id, other.id, worker),
      () => commands.retryTask(db, other.id, worker),
      () => commands.approveTask(db, own.id, worker),
      () => commands.claimTask(db, { lane: 'bot' }, worker),
    ]) {
      const error = refused(attempt);
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain(own.id);
    }
    // Without the secret (or with another) the same environment is refused, never "nobody".
    for (const credentials of [
      { taskId: own.id, runId: null, secret: null },
      { taskId: null, runId: null, secret: 'guessed' },
      { taskId: other.id, runId: null, secret },
    ]) {
      const impostor: Actor = { name: 'someone', worker: credentials };
      expect(refused(() => commands.addComment(db, own.id, 'hi', impostor)).code).toBe('forbidden');
    }
    expect(
      refused(() => commands.heartbeat(db, own.id, undefined, { name: 'x', ownTaskId: own.id })).code,
    ).toBe('forbidden');
    expect(commands.heartbeat(db, own.id, undefined, worker).status).toBe('running');
    expect(commands.addComment(db, own.id, 'progress', worker)).toBeGreaterThan(0);
    // Workers may still file follow-up tasks.
    expect(commands.createTask(db, { title: 'follow-up' }, worker).createdBy).toBe(`worker:${own.id}`);
    expect(commands.completeTask(db, own.id, 'done it', worker).status).toBe('done');
    // The run has ended: its secret no longer acts.
    expect(refused(() => commands.addComment(db, own.id, 'late', worker)).message).toMatch(/has ended/);
    expect(commands.getTask(db, other.id)).toMatchObject({
      status: 'running',
      title: 'other',
      assignee: 'bot',
    });
  });
});

describe('boards', () => {
  it('creates, lists and archives boards; an archived board refuses new tasks', () => {
    const board = commands.createBoard(db, 'ops', 'Operations');
    expect(board).toMatchObject({ slug: 'ops', name: 'Operations', archivedAt: null });
    expect(create('on ops', { board: 'ops' }).board).toBe('ops');
    expect(refused(() => commands.createBoard(db, 'ops', undefined)).code).toBe('conflict');
    expect(commands.archiveBoard(db, 'ops').archivedAt).not.toBeNull();
    expect(refused(() => create('late', { board: 'ops' })).message).toMatch(/archived/);
    // Creating it again brings it back.
    expect(commands.createBoard(db, 'ops', undefined).archivedAt).toBeNull();
  });

  it('refuses to archive the default board, bad slugs and unknown boards', () => {
    expect(refused(() => commands.archiveBoard(db, 'default')).message).toMatch(/default board/);
    refused(() => commands.createBoard(db, '../etc', undefined));
    expect(refused(() => commands.archiveBoard(db, 'nowhere')).code).toBe('not_found');
  });
});

describe('the event log', () => {
  it('records every command with monotonic ids and no gaps, refused commands included', () => {
    const parent = create('parent', { assignee: 'term' });
    const child = create('child');
    commands.editTask(db, child.id, { body: 'b' }, alice);
    commands.assignTask(db, child.id, 'Term', alice);
    commands.linkTasks(db, parent.id, child.id, alice);
    commands.addComment(db, child.id, 'note', alice);
    expect(() => commands.linkTasks(db, child.id, parent.id, alice)).toThrow(SwitchyardError);
    commands.claimTask(db, { lane: 'term' }, alice);
    commands.heartbeat(db, parent.id, undefined, alice);
    expect(() => commands.claimTask(db, { taskId: parent.id }, alice)).toThrow(SwitchyardError);
    commands.completeTask(db, parent.id, 'ok', alice);
    commands.blockTask(db, child.id, 'hm', alice);
    commands.unblockTask(db, child.id, alice);
    commands.unlinkTasks(db, parent.id, child.id, alice);
    commands.moveTask(db, child.id, 'done', alice);
    commands.archiveTask(db, child.id, alice);

    const events = allEvents();
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => [event.taskId === parent.id ? 'parent' : 'child', event.kind])).toEqual([
      ['parent', 'created'],
      ['child', 'created'],
      ['child', 'edited'],
      ['child', 'assigned'],
      ['child', 'linked'],
      ['child', 'commented'],
      ['parent', 'claimed'],
      ['parent', 'heartbeat'],
      ['parent', 'completed'],
      ['child', 'promoted'],
      ['child', 'blocked'],
      ['child', 'unblocked'],
      ['child', 'unlinked'],
      ['child', 'moved'],
      ['child', 'archived'],
    ]);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.createdAt).toBeGreaterThanOrEqual(events[i - 1]!.createdAt);
    }
  });
});
