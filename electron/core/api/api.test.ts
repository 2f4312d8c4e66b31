import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  CALL_NAMES,
  CARDS_PER_CELL,
  SNAPSHOT_CARD_LANES,
  type BoardEvent,
  type CallName,
  type CallResult,
} from '../../../shared/contract';
import { cardSchema } from '../../../shared/domain';
import type { Engine } from '../dispatch/engine';
import { createApi } from './api';
import { useEngineApis } from '../../../test/helpers/api';
import { snapshotDatabase } from '../../../test/helpers/snapshot';
import * as commands from '../commands/taskCommands';
import * as runs from '../store/runs';
import * as tasks from '../store/tasks';

const setup = useEngineApis();

/** Counts the engine's wake-ups from now on (the API asks for a tick after every write). */
function countWakes(engine: Engine): () => number {
  // Events written before are delivered first: their wake-ups are not the call's.
  engine.flush();
  const wake = vi.spyOn(engine, 'wake');
  return () => wake.mock.calls.length;
}

function value<T>(result: CallResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function errorCode(result: CallResult<unknown>): string {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error.code;
}

/** Cell counts in a fixed order (the core sends them in no particular one). */
const sortCells = <T extends { assignee: string | null; status: string }>(cells: T[]): T[] =>
  [...cells].sort((a, b) => `${a.assignee}/${a.status}`.localeCompare(`${b.assignee}/${b.status}`));

/** A well-formed request for every call, so each field can be broken one at a time. */
function validRequests(taskId: string, otherId: string): Record<CallName, Record<string, unknown>> {
  return {
    snapshot: { board: 'default' },
    listBoards: {},
    taskDetail: { id: taskId },
    cellCards: { board: 'default', assignee: 'coder', status: 'ready', limit: 10 },
    laneCards: { board: 'default', lanes: ['coder', null] },
    searchCards: { board: 'default', text: 'task', limit: 10 },
    laneStatuses: { board: 'default' },
    dispatcherState: {},
    dryRunDispatch: {},
    tailLog: { id: taskId, maxBytes: 100 },
    runTranscript: { id: taskId },
    createTask: { board: 'default', title: 'A task', assignee: 'coder', priority: 2 },
    editTask: { id: taskId, title: 'New title' },
    moveTask: { id: taskId, status: 'todo', assignee: 'other' },
    linkTasks: { parentId: taskId, childId: otherId },
    unlinkTasks: { parentId: taskId, childId: otherId },
    addComment: { id: taskId, body: 'hello' },
    completeTask: { id: taskId, summary: 'done' },
    blockTask: { id: taskId, reason: 'why' },
    unblockTask: { id: taskId },
    archiveTask: { id: taskId },
    stopTask: { id: taskId },
    retryTask: { id: taskId },
    approveTask: { id: taskId },
    followupTask: { id: taskId, text: 'one more thing' },
    setLaneAgentSettings: { lane: 'coder', budgetUsdPerDay: 5 },
    setLanePaused: { lane: 'coder', paused: true },
    setLaneConcurrency: { lane: 'coder', maxConcurrent: 2 },
    setDispatcherEnabled: { enabled: false },
    createBoard: { slug: 'second', name: 'Second' },
    archiveBoard: { slug: 'second' },
    createProfile: { name: 'coder', template: 'shell' },
    profileFile: { name: 'coder' },
    saveProfile: { name: 'coder', text: '{"command": ["agent"]}', version: null },
    duplicateProfile: { name: 'coder', newName: 'coder-2' },
    deleteProfile: { name: 'coder', version: 'abc' },
    listRecurrences: { board: 'default' },
    addRecurrence: {
      board: 'default',
      title: 'Nightly',
      schedule: '0 3 * * *',
      timeZone: 'UTC',
      lane: 'coder',
    },
    setRecurrencePaused: { id: 'r_00000001', paused: true },
    removeRecurrence: { id: 'r_00000001' },
    taskChanges: { id: taskId },
    boardChanges: { board: 'default' },
    landTask: { id: taskId, action: 'merge', mode: 'squash' },
    sendBackTask: { id: taskId, comment: 'again please' },
    waiveReview: { id: taskId },
    boardRepository: { board: 'default' },
    setBoardRepository: { board: 'default', mergeMode: 'squash' },
  };
}

describe('createApi: validation at the boundary', () => {
  it('refuses a malformed payload for every call with "validation" and changes nothing', async () => {
    const { engine, api } = setup();
    const first = commands.createTask(engine.db, { title: 'first', assignee: 'coder' }, engine.actor);
    const second = commands.createTask(engine.db, { title: 'second' }, engine.actor);
    const before = snapshotDatabase(engine.paths.database);
    const wakes = countWakes(engine);
    const requests = validRequests(first.id, second.id);
    let refused = 0;
    for (const name of CALL_NAMES) {
      const valid = requests[name];
      const malformed: unknown[] = [42, 'text', [], true, { ...valid, unexpected: 1 }];
      for (const key of Object.keys(valid)) {
        malformed.push({ ...valid, [key]: { nested: 'object' } });
        // profile.json may be up to 256 KiB, as the loader reads it: a long text is not malformed.
        if (!(name === 'saveProfile' && key === 'text'))
          malformed.push({ ...valid, [key]: 'x'.repeat(70_000) });
      }
      for (const request of malformed) {
        const result = await api.call(name, request);
        expect(errorCode(result), `${name} ${JSON.stringify(request).slice(0, 80)}`).toBe('validation');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(CALL_NAMES.length * 5);
    expect(snapshotDatabase(engine.paths.database)).toEqual(before);
    expect(wakes()).toBe(0);
    expect(engine.dispatcherState().enabled).toBe(true);
  });

  it('refuses unknown call names', async () => {
    const { api } = setup();
    const result = await api.callByName('dropTables', {});
    expect(errorCode(result)).toBe('validation');
    expect(errorCode(await api.callByName(42, {}))).toBe('validation');
    expect(errorCode(await api.callByName('__proto__', {}))).toBe('validation');
  });

  it('maps core errors to their codes and unexpected errors to "internal"', async () => {
    const { engine, api } = setup();
    expect(errorCode(await api.call('taskDetail', { id: 't_00000000' }))).toBe('not_found');
    const task = commands.createTask(engine.db, { title: 'x' }, engine.actor);
    expect(errorCode(await api.call('moveTask', { id: task.id, status: 'running' }))).toBe('illegal_move');
    expect(errorCode(await api.call('snapshot', { board: 'nope' }))).toBe('not_found');
    engine.laneStatuses = () => {
      throw new Error('boom');
    };
    const failed = await api.call('laneStatuses', { board: 'default' });
    expect(failed).toEqual({ ok: false, error: { code: 'internal', message: 'internal error: boom' } });
  });
});

describe('createApi: calls', () => {
  it('creates, edits, comments, links and reads tasks', async () => {
    const { engine, api } = setup();
    const wakes = countWakes(engine);
    const parent = value(
      await api.call('createTask', { board: 'default', title: '  Parent ', assignee: 'Coder' }),
    );
    expect(parent).toMatchObject({
      title: 'Parent',
      assignee: 'coder',
      status: 'ready',
      createdBy: 'test',
    });
    expect(wakes()).toBeGreaterThan(0);
    const child = value(
      await api.call('createTask', { board: 'default', title: 'Child', parents: [parent.id] }),
    );
    expect(child.status).toBe('todo');
    const edited = value(await api.call('editTask', { id: child.id, priority: 7, body: 'details' }));
    expect(edited).toMatchObject({ priority: 7, body: 'details' });
    const commentId = value(await api.call('addComment', { id: child.id, body: 'a note' }));
    expect(commentId).toBeGreaterThan(0);

    const detail = value(await api.call('taskDetail', { id: child.id }));
    expect(detail.parents.map((p) => p.id)).toEqual([parent.id]);
    expect(detail.comments.map((c) => c.body)).toEqual(['a note']);
    expect(detail.events.map((e) => e.kind)).toEqual(['created', 'edited', 'commented']);

    const snapshot = value(await api.call('snapshot', { board: 'default' }));
    expect(snapshot.tasks.map((t) => t.id).sort()).toEqual([parent.id, child.id].sort());
    expect(snapshot.tasks.find((t) => t.id === child.id)).toMatchObject({ parentsTotal: 1, parentsDone: 0 });
    expect(sortCells(snapshot.cells)).toEqual([
      { assignee: 'coder', status: 'ready', count: 1 },
      { assignee: null, status: 'todo', count: 1 },
    ]);
    expect(snapshot.boards.map((b) => b.slug)).toContain('default');
    expect(snapshot.dispatcher.enabled).toBe(true);

    const completed = value(await api.call('completeTask', { id: parent.id, summary: 'did it' }));
    expect(completed.status).toBe('done');
    expect(tasks.findTask(engine.db, child.id)?.status).toBe('ready');

    value(await api.call('unlinkTasks', { parentId: parent.id, childId: child.id }));
    const unlinked = value(await api.call('snapshot', { board: 'default' }));
    expect(unlinked.tasks.find((t) => t.id === child.id)).toMatchObject({ parentsTotal: 0, parentsDone: 0 });
    expect(value(await api.call('linkTasks', { parentId: parent.id, childId: child.id })).id).toBe(child.id);
    expect(errorCode(await api.call('linkTasks', { parentId: child.id, childId: parent.id }))).toBe(
      'conflict',
    );
  });

  it('moves status and lane in one transaction: an illegal status leaves the lane alone', async () => {
    const { engine, api } = setup();
    const task = commands.createTask(engine.db, { title: 'x', assignee: 'alpha' }, engine.actor);
    const before = snapshotDatabase(engine.paths.database);
    const refused = await api.call('moveTask', { id: task.id, status: 'running', assignee: 'beta' });
    expect(errorCode(refused)).toBe('illegal_move');
    expect(tasks.findTask(engine.db, task.id)?.assignee).toBe('alpha');
    expect(snapshotDatabase(engine.paths.database)).toEqual(before);

    const moved = value(await api.call('moveTask', { id: task.id, status: 'todo', assignee: 'Beta' }));
    expect(moved).toEqual({
      task: expect.objectContaining({ status: 'todo', assignee: 'beta' }),
      stoppedWorker: false,
    });
    expect(errorCode(await api.call('moveTask', { id: task.id }))).toBe('invalid_input');
  });

  it('moves a running task out of running and to another lane, stopping its worker', async () => {
    const { engine, api } = setup();
    const task = commands.createTask(engine.db, { title: 'x', assignee: 'alpha' }, engine.actor);
    commands.claimTask(engine.db, { taskId: task.id }, { name: 'terminal:alpha' });
    const stopWorker = vi.spyOn(engine, 'stopWorker');
    const moved = value(await api.call('moveTask', { id: task.id, status: 'ready', assignee: 'beta' }));
    expect(moved.stoppedWorker).toBe(true);
    expect(moved.task).toMatchObject({
      status: 'ready',
      assignee: 'beta',
      claimOwner: null,
      currentRunId: null,
    });
    expect(stopWorker.mock.calls).toEqual([[task.id]]);
  });

  it('stops a running task and blocks it with the actor named', async () => {
    const { engine, api } = setup();
    const task = commands.createTask(engine.db, { title: 'x', assignee: 'alpha' }, engine.actor);
    expect(errorCode(await api.call('stopTask', { id: task.id }))).toBe('illegal_move');
    commands.claimTask(engine.db, { taskId: task.id }, { name: 'terminal:alpha' });
    const stopWorker = vi.spyOn(engine, 'stopWorker');
    const stopped = value(await api.call('stopTask', { id: task.id }));
    expect(stopWorker.mock.calls).toEqual([[task.id]]);
    expect(stopped).toMatchObject({ status: 'blocked', blockReason: 'stopped by test' });
    expect(runs.runsOf(engine.db, task.id).map((run) => run.outcome)).toEqual(['blocked']);
  });

  it('retries: unblocks a blocked task and clears a backoff', async () => {
    const { engine, api } = setup();
    const task = commands.createTask(engine.db, { title: 'x', assignee: 'alpha' }, engine.actor);
    expect(errorCode(await api.call('retryTask', { id: task.id }))).toBe('illegal_move');
    tasks.updateTask(
      engine.db,
      task.id,
      { nextAttemptAt: Date.now() + 60_000, skipReason: 'backoff', failureCount: 2 },
      Date.now(),
    );
    const retried = value(await api.call('retryTask', { id: task.id }));
    expect(retried).toMatchObject({
      status: 'ready',
      nextAttemptAt: null,
      skipReason: null,
      failureCount: 2,
    });
    value(await api.call('blockTask', { id: task.id, reason: 'needs a human' }));
    const unblocked = value(await api.call('retryTask', { id: task.id }));
    expect(unblocked).toMatchObject({ status: 'ready', blockReason: null, failureCount: 0 });
  });

  it('archives tasks out of the snapshot and manages boards, lanes and the dispatcher', async () => {
    const { engine, api } = setup();
    const task = commands.createTask(engine.db, { title: 'x', assignee: 'alpha' }, engine.actor);
    value(await api.call('archiveTask', { id: task.id }));
    expect(value(await api.call('snapshot', { board: 'default' })).tasks).toEqual([]);

    expect(value(await api.call('createBoard', { slug: 'ops', name: 'Operations' })).name).toBe('Operations');
    expect(errorCode(await api.call('createBoard', { slug: 'ops' }))).toBe('conflict');
    expect(value(await api.call('archiveBoard', { slug: 'ops' })).archivedAt).not.toBeNull();
    expect(errorCode(await api.call('archiveBoard', { slug: 'default' }))).toBe('invalid_input');

    expect(value(await api.call('setLanePaused', { lane: 'Alpha', paused: true }))).toMatchObject({
      name: 'alpha',
      paused: true,
    });
    expect(
      value(await api.call('setLaneConcurrency', { lane: 'alpha', maxConcurrent: 3 })).maxConcurrent,
    ).toBe(3);
    expect(value(await api.call('setLanePaused', { lane: 'nobody', paused: false })).kind).toBe('terminal');
    expect(value(await api.call('setDispatcherEnabled', { enabled: false })).enabled).toBe(false);
    expect(value(await api.call('dispatcherState', {})).enabled).toBe(false);
    expect(value(await api.call('dryRunDispatch', {})).dryRun).toBe(true);
    expect(value(await api.call('listBoards', {})).map((b) => b.slug)).toEqual(['default', 'ops']);
  });

  it('tails the log of the current run', async () => {
    const { engine, api } = setup();
    const task = commands.createTask(engine.db, { title: 'x' }, engine.actor);
    expect(value(await api.call('tailLog', { id: task.id }))).toMatchObject({ runId: null, text: '' });
    const logPath = path.join(engine.paths.logs, task.id, '1.log');
    fs.mkdirSync(path.dirname(logPath), { recursive: true });
    fs.writeFileSync(logPath, 'line one\nline two\n');
    const runId = runs.insertRun(engine.db, { taskId: task.id, lane: 'x', logPath, now: Date.now() });
    const tail = value(await api.call('tailLog', { id: task.id, maxBytes: 9 }));
    expect(tail).toEqual({ taskId: task.id, runId, text: 'line two\n', offset: 18, truncated: true });
    fs.appendFileSync(logPath, 'three\n');
    const more = value(await api.call('tailLog', { id: task.id, afterOffset: tail.offset }));
    expect(more).toMatchObject({ text: 'three\n', offset: 24, truncated: false });
    expect(errorCode(await api.call('tailLog', { id: task.id, runId: 999 }))).toBe('not_found');
  });
});

describe('createApi: board cards', () => {
  /** A done task of `lane` completed at `at` (set directly, so the order is known). */
  function doneTask(engine: Engine, lane: string | null, at: number): string {
    const task = commands.createTask(
      engine.db,
      { title: `done at ${at}`, body: 'a body', assignee: lane },
      engine.actor,
    );
    commands.completeTask(engine.db, task.id, 'ok', engine.actor);
    tasks.updateTask(engine.db, task.id, { completedAt: at }, at);
    return task.id;
  }

  it('snapshots the cards of the first lanes in board order only, and pages a lane in with laneCards', async () => {
    const { api } = setup();
    // A profile lane sorts before terminal ones whatever its name; Unassigned comes last.
    value(await api.call('createProfile', { name: 'zeta', template: 'shell' }));
    const create = async (assignee: string | null) =>
      value(
        await api.call('createTask', { board: 'default', title: `of ${assignee}`, assignee, status: 'todo' }),
      ).id;
    const zeta = await create('zeta');
    const terminal = Array.from(
      { length: SNAPSHOT_CARD_LANES + 2 },
      (_, i) => `lane-${String(i).padStart(2, '0')}`,
    );
    const ids = new Map<string | null, string>();
    for (const lane of [...terminal].reverse()) ids.set(lane, await create(lane));
    ids.set(null, await create(null));
    const lanes = value(await api.call('laneStatuses', { board: 'default' }));
    expect(lanes.find((lane) => lane.name === 'zeta')?.kind).toBe('profile');

    const snapshot = value(await api.call('snapshot', { board: 'default' }));
    const shown = ['zeta', ...terminal.slice(0, SNAPSHOT_CARD_LANES - 1)];
    expect(new Set(snapshot.tasks.map((card) => card.assignee))).toEqual(new Set(shown));
    expect(snapshot.tasks.map((card) => card.id)).toContain(zeta);
    // Every cell is counted, loaded or not.
    expect(sortCells(snapshot.cells)).toEqual(
      sortCells(
        [...shown, ...terminal.slice(SNAPSHOT_CARD_LANES - 1), null].map((assignee) => ({
          assignee,
          status: 'todo',
          count: 1,
        })),
      ),
    );

    const last = terminal.at(-1) as string;
    const paged = value(await api.call('laneCards', { board: 'default', lanes: [last, null] }));
    expect(paged.tasks.map((card) => card.id).sort()).toEqual([ids.get(last), ids.get(null)].sort());
    expect(sortCells(paged.cells)).toEqual(
      sortCells([
        { assignee: last, status: 'todo', count: 1 },
        { assignee: null, status: 'todo', count: 1 },
      ]),
    );
    expect(errorCode(await api.call('laneCards', { board: 'nope', lanes: [null] }))).toBe('not_found');
    expect(errorCode(await api.call('laneCards', { board: 'default', lanes: [] }))).toBe('validation');
  });

  it('snapshots cards without bodies, the first of each cell, every cell count, and pages the rest', async () => {
    const { engine, api } = setup();
    const open = value(
      await api.call('createTask', {
        board: 'default',
        title: 'open',
        body: 'a long body',
        assignee: 'coder',
        status: 'todo',
      }),
    );
    const done = Array.from({ length: CARDS_PER_CELL + 7 }, (_, i) => doneTask(engine, 'coder', 1_000 + i));
    const newestFirst = [...done].reverse();
    const loose = doneTask(engine, null, 500);
    // Ready cards in the dispatcher's order: priority first, then age, then id.
    const ready: string[] = [];
    for (let i = 0; i < CARDS_PER_CELL + 3; i++) {
      // Each created at a known time, so the order among equal priorities is known (not by random id).
      vi.useFakeTimers({ toFake: ['Date'], now: 10_000 + i });
      const task = value(
        await api.call('createTask', {
          board: 'default',
          title: `ready ${i}`,
          assignee: 'coder',
          status: 'ready',
          priority: i % 3,
        }),
      );
      vi.useRealTimers();
      ready.push(task.id);
    }
    const readyOrder = [...ready].sort((a, b) => {
      const ia = ready.indexOf(a);
      const ib = ready.indexOf(b);
      return (ib % 3) - (ia % 3) || ia - ib;
    });

    const snapshot = value(await api.call('snapshot', { board: 'default' }));
    for (const card of snapshot.tasks) {
      expect(card).not.toHaveProperty('body');
      expect(card).not.toHaveProperty('result');
      expect(cardSchema.safeParse(card).success).toBe(true);
    }
    expect(snapshot.tasks.find((card) => card.id === open.id)?.title).toBe('open');
    const coder = (status: string) =>
      snapshot.tasks.filter((t) => t.status === status && t.assignee === 'coder').map((t) => t.id);
    expect(coder('done')).toEqual(newestFirst.slice(0, CARDS_PER_CELL));
    expect(coder('ready')).toEqual(readyOrder.slice(0, CARDS_PER_CELL));
    expect(snapshot.tasks.map((t) => t.id)).toContain(loose);
    expect(sortCells(snapshot.cells)).toEqual(
      sortCells([
        { assignee: 'coder', status: 'todo', count: 1 },
        { assignee: 'coder', status: 'done', count: done.length },
        { assignee: 'coder', status: 'ready', count: ready.length },
        { assignee: null, status: 'done', count: 1 },
      ]),
    );
    // The drawer still gets the whole task.
    expect(value(await api.call('taskDetail', { id: open.id })).task.body).toBe('a long body');

    const cursorAt = (id: string) => {
      const card = [...snapshot.tasks].find((t) => t.id === id)!;
      return {
        id,
        priority: card.priority,
        createdAt: card.createdAt,
        doneAt: card.completedAt ?? card.updatedAt,
      };
    };
    const doneCursor = cursorAt(newestFirst[CARDS_PER_CELL - 1] as string);
    const first = value(
      await api.call('cellCards', {
        board: 'default',
        assignee: 'coder',
        status: 'done',
        after: doneCursor,
        limit: 5,
      }),
    );
    expect(first.tasks.map((t) => t.id)).toEqual(newestFirst.slice(CARDS_PER_CELL, CARDS_PER_CELL + 5));
    expect(first.remaining).toBe(2);
    for (const card of first.tasks) expect(card).not.toHaveProperty('body');
    const last = first.tasks.at(-1)!;
    const second = value(
      await api.call('cellCards', {
        board: 'default',
        assignee: 'coder',
        status: 'done',
        after: { id: last.id, priority: last.priority, createdAt: last.createdAt, doneAt: last.completedAt! },
      }),
    );
    expect(second).toEqual({ tasks: expect.any(Array), remaining: 0 });
    expect(second.tasks.map((t) => t.id)).toEqual(newestFirst.slice(CARDS_PER_CELL + 5));

    const readyRest = value(
      await api.call('cellCards', {
        board: 'default',
        assignee: 'coder',
        status: 'ready',
        after: cursorAt(readyOrder[CARDS_PER_CELL - 1] as string),
      }),
    );
    expect(readyRest).toMatchObject({ remaining: 0 });
    expect(readyRest.tasks.map((t) => t.id)).toEqual(readyOrder.slice(CARDS_PER_CELL));

    const newest = value(
      await api.call('cellCards', { board: 'default', assignee: 'coder', status: 'done', limit: 3 }),
    );
    expect(newest.tasks.map((t) => t.id)).toEqual(newestFirst.slice(0, 3));
    expect(newest.remaining).toBe(done.length - 3);
    const unassigned = value(
      await api.call('cellCards', { board: 'default', assignee: null, status: 'done' }),
    );
    expect(unassigned).toMatchObject({ tasks: [{ id: loose }], remaining: 0 });
    expect(errorCode(await api.call('cellCards', { board: 'nope', assignee: null, status: 'done' }))).toBe(
      'not_found',
    );
    expect(
      errorCode(await api.call('cellCards', { board: 'default', assignee: null, status: 'archived' })),
    ).toBe('validation');
  });

  it('pages cards of the same place in the order one by one, each once', async () => {
    const { engine, api } = setup();
    const ids = Array.from({ length: 5 }, () => doneTask(engine, 'coder', 2_000)).sort();
    const seen: string[] = [];
    let after: { id: string; priority: number; createdAt: number; doneAt: number } | undefined;
    for (;;) {
      const page = value(
        await api.call('cellCards', { board: 'default', assignee: 'coder', status: 'done', after, limit: 1 }),
      );
      if (page.tasks.length === 0) break;
      const card = page.tasks[0]!;
      seen.push(card.id);
      expect(page.remaining).toBe(ids.length - seen.length);
      after = { id: card.id, priority: card.priority, createdAt: card.createdAt, doneAt: card.completedAt! };
    }
    expect(seen).toEqual(ids);
  });

  it('searches the whole board with the board filter', async () => {
    const { engine, api } = setup();
    const make = (title: string, assignee: string | null, status?: 'ready' | 'blocked' | 'todo') =>
      commands.createTask(engine.db, { title, assignee, ...(status ? { status } : {}) }, engine.actor).id;
    const fix = make('Fix the 50% LOGIN bug', 'coder', 'ready');
    const login = make('login page', null, 'todo');
    make('other thing', 'coder', 'ready');
    const stuck = make('stuck', 'writer', 'todo');
    commands.blockTask(engine.db, stuck, 'waits', engine.actor);
    commands.archiveTask(engine.db, make('archived login', 'coder'), engine.actor);

    const search = async (request: Record<string, unknown>) =>
      value(await api.call('searchCards', { board: 'default', ...request }));
    const found = await search({ text: 'login' });
    expect(found.tasks.map((t) => t.id).sort()).toEqual([fix, login].sort());
    expect(found.total).toBe(2);
    expect((await search({ text: '50% login' })).tasks.map((t) => t.id)).toEqual([fix]);
    expect((await search({ text: 'LOGIN', assignee: null })).tasks.map((t) => t.id)).toEqual([login]);
    expect((await search({ text: 'login', status: 'ready' })).tasks.map((t) => t.id)).toEqual([fix]);
    expect((await search({ needsAttention: true })).tasks.map((t) => t.id)).toEqual([stuck]);
    expect((await search({ text: fix })).tasks.map((t) => t.id)).toEqual([fix]);
    expect((await search({ text: 'writer' })).tasks.map((t) => t.id)).toEqual([stuck]);
    // Case folding is JavaScript's, as in the board's own filter: not only ASCII letters.
    const umlaut = make('Über die Änderung', null, 'todo');
    expect((await search({ text: 'über ÄNDERUNG' })).tasks.map((t) => t.id)).toEqual([umlaut]);
    expect((await search({ text: 'login', limit: 1 })).total).toBe(2);
    expect((await search({ text: 'login', limit: 1 })).tasks).toHaveLength(1);
    expect(errorCode(await api.call('searchCards', { board: 'nope' }))).toBe('not_found');
    expect(errorCode(await api.call('searchCards', { board: 'default', text: 'x'.repeat(501) }))).toBe(
      'validation',
    );
  });

  it('pushes cards without bodies in task events', async () => {
    const { engine, api } = setup();
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    const task = value(await api.call('createTask', { board: 'default', title: 't', body: 'a body' }));
    value(await api.call('editTask', { id: task.id, body: 'another body' }));
    engine.flush();
    const cards = events.flatMap((event) => (event.type === 'tasks' ? event.tasks : []));
    expect(cards.map((card) => card.id)).toEqual([task.id]);
    expect(cards[0]).not.toHaveProperty('body');
    expect(cardSchema.parse(cards[0])).toMatchObject({ id: task.id, title: 't' });
  });
});

describe('createApi: events', () => {
  /** An API with a listener recording its events, and a parent → child pair created through it. */
  async function parentAndChildWithEvents() {
    const { engine, api } = setup();
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    const parent = value(await api.call('createTask', { board: 'default', title: 'parent' }));
    const child = value(
      await api.call('createTask', { board: 'default', title: 'child', parents: [parent.id] }),
    );
    return { engine, api, events, parent, child };
  }

  it('turns the change feed into numbered board events and reports the seq in snapshots', async () => {
    const { engine, api, events, parent, child } = await parentAndChildWithEvents();
    // Lane figures follow on a timer of their own (checked below); here the order of the rest.
    const others = () => events.filter((event) => event.type !== 'lanes');
    engine.flush();
    // The cards, then the toolbar's counts they changed.
    expect(others().map((e) => e.type)).toEqual(['tasks', 'dispatcher']);
    expect(events[0]).toMatchObject({ seq: 1, removed: [] });
    expect((events[0] as Extract<BoardEvent, { type: 'tasks' }>).tasks.map((t) => t.id).sort()).toEqual(
      [parent.id, child.id].sort(),
    );
    expect(others()[1]).toMatchObject({ state: { ready: 1, running: 0 } });
    expect(value(await api.call('snapshot', { board: 'default' })).seq).toBe(api.currentSeq());

    value(await api.call('archiveTask', { id: child.id }));
    engine.flush();
    const archived = others().at(-1);
    expect(archived).toEqual({ type: 'tasks', seq: archived?.seq, tasks: [], removed: [child.id] });

    // A completion is a card change, a notice and new counts; the switch and a new board follow.
    value(await api.call('completeTask', { id: parent.id }));
    engine.flush();
    value(await api.call('setDispatcherEnabled', { enabled: false }));
    value(await api.call('createBoard', { slug: 'ops' }));
    // The new board travels as a row of the log, like one the CLI creates.
    engine.flush();
    const types = others()
      .slice(3)
      .map((e) => e.type);
    expect(types).toEqual(['tasks', 'notice', 'dispatcher', 'dispatcher', 'boards']);
    expect(others()[4]).toMatchObject({
      type: 'notice',
      title: 'Done',
      message: 'parent',
      taskId: parent.id,
    });
    expect(others()[5]).toMatchObject({ state: { ready: 0, enabled: true } });
    expect(others()[6]).toMatchObject({ state: { ready: 0, enabled: false } });
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });

  it("resends a card's children when it changes, with their dependency counts", async () => {
    const { engine, api, events, parent, child } = await parentAndChildWithEvents();
    engine.flush();
    events.length = 0;
    const cardsOf = () => events.flatMap((event) => (event.type === 'tasks' ? event.tasks : []));
    value(await api.call('completeTask', { id: parent.id }));
    engine.flush();
    expect(cardsOf().find((card) => card.id === child.id)).toMatchObject({
      status: 'ready',
      parentsTotal: 1,
      parentsDone: 1,
    });
    events.length = 0;
    const other = value(await api.call('createTask', { board: 'default', title: 'second parent' }));
    value(await api.call('linkTasks', { parentId: other.id, childId: child.id }));
    engine.flush();
    expect(cardsOf().find((card) => card.id === child.id)).toMatchObject({ parentsTotal: 2, parentsDone: 1 });
    events.length = 0;
    value(await api.call('archiveTask', { id: other.id }));
    engine.flush();
    // An archived parent no longer counts (the board shows 1/1).
    expect(cardsOf().find((card) => card.id === child.id)).toMatchObject({ parentsTotal: 1, parentsDone: 1 });
  });

  it('sends the skip reasons a tick changed, and coalesced lane figures per board', async () => {
    // The lane figures wait on a timer: run it by hand rather than sleep past it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const { engine, api } = setup();
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    const task = commands.createTask(engine.db, { title: 'waits', assignee: 'alice' }, engine.actor);
    engine.flush();
    await vi.advanceTimersByTimeAsync(400);
    events.length = 0;

    // The tick stores the task's skip reason; its row of the log brings it to the board.
    engine.runTick();
    // Only the skip reasons travel (every ready task changes after a resume), not whole cards.
    const skipEvents = events.filter((event) => event.type === 'skips');
    expect(skipEvents).toHaveLength(1);
    expect(skipEvents[0]).toMatchObject({ skips: [{ id: task.id, skipReason: 'terminal_lane' }] });
    expect(events.some((event) => event.type === 'tasks')).toBe(false);
    // A tick that changes no skip reason sends none.
    engine.runTick();
    expect(events.filter((event) => event.type === 'skips')).toHaveLength(1);

    // The tick's rows and a lane setting make one lanes event, a little later.
    engine.setLanePaused('alice', true);
    expect(events.some((event) => event.type === 'lanes')).toBe(false);
    await vi.advanceTimersByTimeAsync(400);
    const laneEvents = events.filter((event) => event.type === 'lanes');
    expect(laneEvents).toHaveLength(1);
    expect(laneEvents[0]).toMatchObject({
      board: 'default',
      lanes: [
        expect.objectContaining({
          name: 'alice',
          paused: true,
          queuedBySkipReason: expect.objectContaining({ terminal_lane: 1 }),
        }),
      ],
      cells: [{ assignee: 'alice', status: task.status, count: 1 }],
    });

    // A tick that changed nothing sends nothing.
    events.length = 0;
    engine.runTick();
    await vi.advanceTimersByTimeAsync(400);
    expect(events).toEqual([]);
  });

  it('hands a damaged database met by the lane figures to the engine: one fault line, no stack', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const { engine } = setup();
    const logged: string[] = [];
    const api = createApi(engine, { logError: (message) => logged.push(message) });
    onTestFinished(() => api.close());
    api.subscribe(() => undefined);
    // What better-sqlite3 throws for a damaged file, met by the timer before any tick of the engine.
    const damaged = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    vi.spyOn(engine, 'laneStatuses').mockImplementation(() => {
      throw damaged;
    });
    engine.setLanePaused('alice', true);
    await vi.advanceTimersByTimeAsync(400);
    expect(logged).toEqual([]);
    expect(engine.databaseFault()).toMatch(/is damaged or is not a Switchyard database/);
  });

  it('stops delivering after unsubscribe and close', async () => {
    const { engine, api } = setup();
    const events: BoardEvent[] = [];
    const off = api.subscribe((event) => events.push(event));
    off();
    commands.createTask(engine.db, { title: 'x' }, engine.actor);
    engine.flush();
    expect(events).toEqual([]);
    api.subscribe((event) => events.push(event));
    api.close();
    commands.createTask(engine.db, { title: 'y' }, engine.actor);
    engine.flush();
    engine.setDispatcherEnabled(false);
    engine.setLanePaused('alice', true);
    expect(events).toEqual([]);
  });
});
