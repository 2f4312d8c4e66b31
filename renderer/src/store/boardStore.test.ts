import { describe, expect, it, vi } from 'vitest';
import type { Snapshot } from '../../../shared/contract';
import { ApiError } from '../api/boardApi';
import { deferred, FakeBoardApi } from '../test/fakeBoardApi';
import { makeLane, makeSnapshot, makeTask, makeWorker } from '../test/fixtures';
import { createBoardStore, OPEN_CARD_NOTICE_TITLE } from './boardStore';
import { createColumnTotalsSelector, createIndexSelector } from './selectors';
import { UNASSIGNED_LANE } from './laneModel';

function setup(snapshot: Snapshot = makeSnapshot()) {
  const api = new FakeBoardApi();
  let current = snapshot;
  api.on('snapshot', () => current);
  const store = createBoardStore(api);
  return {
    api,
    store,
    setSnapshot: (next: Snapshot) => {
      current = next;
    },
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('board store', () => {
  it('loads a snapshot into normalized state', async () => {
    const a = makeTask({ title: 'first', assignee: 'coder' });
    const archived = makeTask({ status: 'archived' });
    const { store } = setup(
      makeSnapshot({ seq: 7, tasks: [a, archived], lanes: [makeLane({ name: 'coder' })] }),
    );
    await store.getState().load('default');
    const state = store.getState();
    expect(state.loadState).toBe('ready');
    expect(state.lastSeq).toBe(7);
    expect(state.tasks[a.id]?.title).toBe('first');
    expect(state.tasks[archived.id]).toBeUndefined();
    expect(state.lanes.coder?.kind).toBe('profile');
  });

  it('asks for the snapshot before the change cards (a server answers in the order asked)', async () => {
    const { api, store } = setup();
    api.on('boardChanges', () => []);
    await store.getState().load('default');
    expect(api.calls.map((call) => call.name)).toEqual(['snapshot', 'boardChanges']);
  });

  it('asks for the change cards once the snapshot is painted: serve runs its first tick at that call', async () => {
    const api = new FakeBoardApi();
    api.on('snapshot', () => makeSnapshot());
    api.on('boardChanges', () => []);
    const painted = deferred<void>();
    const store = createBoardStore(api, { afterPaint: () => painted.promise });
    const loaded = store.getState().load('default');
    await flush();
    expect(store.getState().loadState).toBe('ready');
    expect(api.calls.map((call) => call.name)).toEqual(['snapshot']);
    painted.resolve();
    await loaded;
    expect(api.calls.map((call) => call.name)).toEqual(['snapshot', 'boardChanges']);
  });

  it('applies task, worker and lane events in sequence', async () => {
    const task = makeTask({ assignee: 'coder' });
    const { store } = setup(makeSnapshot({ seq: 1, tasks: [task] }));
    await store.getState().load();
    const running = { ...task, status: 'running' as const };
    store.getState().applyEvent({ type: 'tasks', seq: 2, tasks: [running], removed: [] });
    store.getState().applyEvent({
      type: 'workers',
      seq: 3,
      workers: [makeWorker({ taskId: task.id, pid: 99, lastOutputLine: 'compiling' })],
    });
    store.getState().applyEvent({
      type: 'lanes',
      seq: 4,
      board: 'default',
      lanes: [makeLane({ name: 'coder', running: 1 })],
      cells: [{ assignee: 'coder', status: 'running', count: 1 }],
    });
    let state = store.getState();
    expect(state.lastSeq).toBe(4);
    expect(state.tasks[task.id]?.status).toBe('running');
    expect(state.workers[task.id]?.lastOutputLine).toBe('compiling');
    expect(state.lanes.coder?.running).toBe(1);
    expect(state.cellTotals).toEqual({ 'running:coder': 1 });

    // The task leaves running: its worker row goes; then it is archived and leaves the board.
    store.getState().applyEvent({ type: 'tasks', seq: 5, tasks: [{ ...task, status: 'done' }], removed: [] });
    expect(store.getState().workers[task.id]).toBeUndefined();
    store.getState().applyEvent({ type: 'tasks', seq: 6, tasks: [], removed: [task.id] });
    state = store.getState();
    expect(state.tasks[task.id]).toBeUndefined();
  });

  it('ignores events older than the snapshot and tasks of other boards', async () => {
    const task = makeTask({ title: 'kept' });
    const { store } = setup(makeSnapshot({ seq: 10, tasks: [task] }));
    await store.getState().load();
    store.getState().applyEvent({ type: 'tasks', seq: 9, tasks: [{ ...task, title: 'old' }], removed: [] });
    expect(store.getState().tasks[task.id]?.title).toBe('kept');
    const other = makeTask({ board: 'other' });
    store.getState().applyEvent({ type: 'tasks', seq: 11, tasks: [other], removed: [] });
    expect(store.getState().tasks[other.id]).toBeUndefined();
    expect(store.getState().lastSeq).toBe(11);
  });

  it('resyncs from a snapshot when a seq gap shows lost events', async () => {
    const task = makeTask({ title: 'before' });
    const { api, store, setSnapshot } = setup(makeSnapshot({ seq: 3, tasks: [task] }));
    await store.getState().load();
    expect(api.callsOf('snapshot')).toHaveLength(1);

    setSnapshot(makeSnapshot({ seq: 8, tasks: [{ ...task, title: 'from snapshot' }] }));
    // seq 4..7 were lost; 8 is already in the new snapshot, 9 continues it.
    store
      .getState()
      .applyEvent({ type: 'tasks', seq: 8, tasks: [{ ...task, title: 'event 8' }], removed: [] });
    store
      .getState()
      .applyEvent({ type: 'tasks', seq: 9, tasks: [{ ...task, title: 'event 9' }], removed: [] });
    await flush();
    expect(api.callsOf('snapshot')).toHaveLength(2);
    expect(store.getState().lastSeq).toBe(9);
    expect(store.getState().tasks[task.id]?.title).toBe('event 9');
  });

  it('buffers events that arrive while the first snapshot loads', async () => {
    const task = makeTask({ title: 'snap' });
    const api = new FakeBoardApi();
    const pending = deferred<Snapshot>();
    api.on('snapshot', () => pending.promise);
    const store = createBoardStore(api);
    const loading = store.getState().load();
    store.getState().applyEvent({ type: 'tasks', seq: 5, tasks: [{ ...task, title: 'live' }], removed: [] });
    pending.resolve(makeSnapshot({ seq: 4, tasks: [task] }));
    await loading;
    expect(store.getState().tasks[task.id]?.title).toBe('live');
    expect(api.callsOf('snapshot')).toHaveLength(1);
  });

  it('moves optimistically and confirms with the task the core returns', async () => {
    const task = makeTask({ status: 'ready', assignee: 'coder' });
    const { api, store } = setup(makeSnapshot({ tasks: [task] }));
    const answer = deferred<{ task: typeof task; stoppedWorker: boolean }>();
    api.on('moveTask', () => answer.promise);
    await store.getState().load();

    const move = store.getState().moveTask(task.id, { status: 'blocked', assignee: 'reviewer' });
    expect(store.getState().tasks[task.id]).toMatchObject({ status: 'blocked', assignee: 'reviewer' });
    expect(api.callsOf('moveTask')).toEqual([{ id: task.id, status: 'blocked', assignee: 'reviewer' }]);

    answer.resolve({
      task: { ...task, status: 'blocked', assignee: 'reviewer', updatedAt: 5 },
      stoppedWorker: false,
    });
    expect(await move).toBe(true);
    expect(store.getState().tasks[task.id]?.updatedAt).toBe(5);
    expect(store.getState().pendingMoves).toEqual({});
  });

  it('reverts a refused move and shows the reason', async () => {
    const task = makeTask({ status: 'ready', assignee: 'coder' });
    const { api, store } = setup(makeSnapshot({ tasks: [task] }));
    api.on('moveTask', () => {
      throw new ApiError('illegal_move', 'lane `nope` is not valid');
    });
    await store.getState().load();
    const ok = await store.getState().moveTask(task.id, { assignee: 'nope' });
    expect(ok).toBe(false);
    expect(store.getState().tasks[task.id]).toEqual(task);
    const toast = store.getState().toasts.at(-1);
    expect(toast?.level).toBe('error');
    expect(toast?.message).toContain('lane `nope` is not valid');
  });

  it('refuses moves into running without asking the core', async () => {
    const task = makeTask({ status: 'ready' });
    const { api, store } = setup(makeSnapshot({ tasks: [task] }));
    await store.getState().load();
    expect(await store.getState().moveTask(task.id, { status: 'running' })).toBe(false);
    expect(api.callsOf('moveTask')).toHaveLength(0);
    expect(store.getState().toasts.at(-1)?.message).toContain('only a claim puts a task in running');
  });

  it('asks before moving a running task, and does nothing when declined', async () => {
    const task = makeTask({ status: 'running', assignee: 'coder' });
    const { api, store } = setup(makeSnapshot({ tasks: [task] }));
    api.on('moveTask', (request) => ({
      task: { ...task, status: request.status ?? task.status },
      stoppedWorker: true,
    }));
    await store.getState().load();

    const declined = store.getState().moveTask(task.id, { status: 'todo' });
    expect(store.getState().confirm?.message).toContain('stops its worker');
    store.getState().answerConfirm(false);
    expect(await declined).toBe(false);
    expect(api.callsOf('moveTask')).toHaveLength(0);

    const accepted = store.getState().moveTask(task.id, { status: 'todo' });
    store.getState().answerConfirm(true);
    expect(await accepted).toBe(true);
    expect(store.getState().tasks[task.id]?.status).toBe('todo');
  });

  it('opens the card of an "open card" notice and toasts other notices', async () => {
    const task = makeTask();
    const { store } = setup(makeSnapshot({ seq: 1, tasks: [task] }));
    await store.getState().load();
    store.getState().applyEvent({
      type: 'notice',
      seq: 2,
      level: 'info',
      title: OPEN_CARD_NOTICE_TITLE,
      message: '',
      taskId: task.id,
    });
    expect(store.getState().openTaskId).toBe(task.id);
    expect(store.getState().toasts).toHaveLength(0);
    store.getState().applyEvent({
      type: 'notice',
      seq: 3,
      level: 'warning',
      title: 'Gave up',
      message: 'five failures',
      taskId: task.id,
    });
    expect(store.getState().toasts.at(-1)).toMatchObject({ level: 'warning', taskId: task.id });
  });
});

describe('board index selector', () => {
  it('groups lanes by kind and keeps unchanged lanes identical', async () => {
    const tasks = [
      makeTask({ assignee: 'zeta', status: 'ready' }),
      makeTask({ assignee: 'human', status: 'todo' }),
      makeTask({ assignee: null, status: 'triage' }),
      makeTask({ assignee: 'alpha', status: 'ready', priority: 1 }),
      makeTask({ assignee: 'alpha', status: 'ready', priority: 5 }),
    ];
    const { store } = setup(
      makeSnapshot({
        tasks,
        lanes: [
          makeLane({ name: 'zeta', kind: 'profile' }),
          makeLane({ name: 'alpha', kind: 'profile' }),
          makeLane({ name: 'broken', kind: 'profile_broken', problem: 'x' }),
          makeLane({ name: 'desk', kind: 'terminal' }),
        ],
      }),
    );
    await store.getState().load();
    const select = createIndexSelector();
    const index = select(store.getState());
    expect(index.lanes.map((lane) => lane.key)).toEqual([
      'alpha',
      'zeta',
      'desk',
      'human',
      'broken',
      UNASSIGNED_LANE,
    ]);
    // Higher priority first.
    expect(index.cells.get('alpha')?.ready).toEqual([tasks[4]!.id, tasks[3]!.id]);
    expect(index.columnTotals.ready).toBe(3);

    store.getState().upsertTasks([{ ...tasks[0]!, title: 'renamed' }]);
    const next = select(store.getState());
    // Nothing moved on the board: the same index, so the board does not even re-render.
    expect(next).toBe(index);
    expect(next.cells.get('alpha')).toBe(index.cells.get('alpha'));
    expect(next.cells.get('zeta')).toBe(index.cells.get('zeta'));
    store.getState().upsertTasks([{ ...tasks[0]!, status: 'blocked' }]);
    expect(select(store.getState()).cells.get('zeta')?.blocked).toEqual([tasks[0]!.id]);
  });

  it('filters by text and needs-attention, hiding lanes without matches', async () => {
    const tasks = [
      makeTask({ assignee: 'a', title: 'Fix the login bug' }),
      makeTask({ assignee: 'b', title: 'Write docs', failureCount: 2 }),
    ];
    const { store } = setup(makeSnapshot({ tasks }));
    await store.getState().load();
    const select = createIndexSelector();
    store.getState().setFilter({ text: 'login' });
    expect(select(store.getState()).lanes.map((lane) => lane.key)).toEqual(['a']);
    store.getState().setFilter({ text: '', needsAttention: true });
    expect(select(store.getState()).lanes.map((lane) => lane.key)).toEqual(['b']);
  });

  describe('lane figures', () => {
    it('takes a lanes event of its board as the whole list, and ignores other boards', async () => {
      const { store } = setup(
        makeSnapshot({
          seq: 1,
          lanes: [makeLane({ name: 'coder', running: 0 }), makeLane({ name: 'gone' })],
        }),
      );
      await store.getState().load();
      store.getState().applyEvent({
        type: 'lanes',
        seq: 2,
        board: 'default',
        lanes: [makeLane({ name: 'coder', running: 1, queuedBySkipReason: { lane_at_capacity: 2 } })],
        cells: [],
      });
      expect(Object.keys(store.getState().lanes)).toEqual(['coder']);
      expect(store.getState().lanes.coder).toMatchObject({
        running: 1,
        queuedBySkipReason: { lane_at_capacity: 2 },
      });

      store.getState().applyEvent({ type: 'lanes', seq: 3, board: 'other', lanes: [], cells: [] });
      expect(Object.keys(store.getState().lanes)).toEqual(['coder']);
      expect(store.getState().lastSeq).toBe(3);
    });
  });

  describe('cells loaded in part (the snapshot carries the first cards of each cell)', () => {
    const doneCard = (id: string, assignee: string | null, completedAt: number) =>
      makeTask({ id, assignee, status: 'done', completedAt, updatedAt: completedAt });
    const readyCard = (id: string, priority: number, createdAt: number) =>
      makeTask({ id, assignee: 'coder', status: 'ready', priority, createdAt });

    function partSetup() {
      const loaded = [
        doneCard('t_00000003', 'coder', 300),
        doneCard('t_00000002', 'coder', 200),
        readyCard('t_000000a1', 5, 10),
        readyCard('t_000000a2', 1, 20),
        doneCard('t_000000b1', null, 50),
      ];
      const ctx = setup(
        makeSnapshot({
          tasks: loaded,
          cells: [
            { assignee: 'coder', status: 'done', count: 5 },
            { assignee: 'coder', status: 'ready', count: 4 },
            { assignee: null, status: 'done', count: 2 },
          ],
          lanes: [makeLane({ name: 'coder' })],
        }),
      );
      return { ...ctx, loaded };
    }

    it('keeps a cursor per cell loaded in part and pages the rest in after it', async () => {
      const { api, store } = partSetup();
      const older = [doneCard('t_00000001', 'coder', 100), doneCard('t_00000000', 'coder', 50)];
      api.on('cellCards', () => ({ tasks: older, remaining: 1 }));
      await store.getState().load('default');
      expect(store.getState().cellCursors).toEqual({
        'done:coder': { id: 't_00000002', priority: 0, createdAt: 1_700_000_000_000, doneAt: 200 },
        'ready:coder': { id: 't_000000a2', priority: 1, createdAt: 20, doneAt: 1_700_000_000_000 },
        'done:': { id: 't_000000b1', priority: 0, createdAt: 1_700_000_000_000, doneAt: 50 },
      });
      const totals = createColumnTotalsSelector(createIndexSelector());
      expect(totals(store.getState())).toMatchObject({ done: 7, ready: 4 });

      await store.getState().loadMoreCards('coder', 'done', 2);
      expect(api.callsOf('cellCards')).toEqual([
        {
          board: 'default',
          assignee: 'coder',
          status: 'done',
          limit: 2,
          after: { id: 't_00000002', priority: 0, createdAt: 1_700_000_000_000, doneAt: 200 },
        },
      ]);
      const ids = createIndexSelector()(store.getState()).cells.get('coder')?.done;
      expect(ids).toEqual(['t_00000003', 't_00000002', 't_00000001', 't_00000000']);
      expect(store.getState().cellCursors['done:coder']).toMatchObject({ id: 't_00000000', doneAt: 50 });
      expect(store.getState().cellTotals['done:coder']).toBe(5);
      expect(totals(store.getState())).toMatchObject({ done: 7, ready: 4 });
    });

    it('asks for the Unassigned lane by null, forgets the cursor at the end, and not at all then', async () => {
      const { api, store } = partSetup();
      api.on('cellCards', () => ({ tasks: [doneCard('t_0000000a', null, 10)], remaining: 0 }));
      await store.getState().load('default');
      await store.getState().loadMoreCards(UNASSIGNED_LANE, 'done');
      expect(api.callsOf('cellCards')).toMatchObject([
        { board: 'default', assignee: null, status: 'done', limit: 100 },
      ]);
      expect(store.getState().cellCursors['done:']).toBeUndefined();
      await store.getState().loadMoreCards(UNASSIGNED_LANE, 'done');
      await store.getState().loadMoreCards('nobody', 'ready');
      expect(api.callsOf('cellCards')).toHaveLength(1);
    });

    it('keeps out cards that events place past a cursor, and drops loaded ones that move there', async () => {
      const { store } = partSetup();
      await store.getState().load('default');
      const hidden = doneCard('t_00000001', 'coder', 100);
      const fresh = doneCard('t_00000009', 'coder', 900);
      const urgent = readyCard('t_000000c1', 9, 5);
      const demoted = { ...readyCard('t_000000a1', 0, 10) };
      store
        .getState()
        .applyEvent({ type: 'tasks', seq: 2, tasks: [hidden, fresh, urgent, demoted], removed: [] });
      const tasks = store.getState().tasks;
      expect(tasks[hidden.id]).toBeUndefined();
      expect(tasks[fresh.id]?.status).toBe('done');
      expect(tasks[urgent.id]?.status).toBe('ready');
      // Priority 0 sorts after the cursor (priority 1): that part of the cell is not loaded.
      expect(tasks['t_000000a1']).toBeUndefined();
    });

    it('keeps a card this window moved where it lands, also past the cursor', async () => {
      const { api, store } = partSetup();
      await store.getState().load('default');
      // The Unassigned lane's oldest done card, given to coder: it sorts past coder's done cursor.
      const moved = { ...doneCard('t_000000b1', 'coder', 50) };
      api.on('moveTask', () => ({ task: moved, stoppedWorker: false }));
      expect(await store.getState().moveTask('t_000000b1', { assignee: 'coder' })).toBe(true);
      store.getState().applyEvent({ type: 'tasks', seq: 2, tasks: [moved], removed: [] });
      expect(store.getState().tasks['t_000000b1']?.assignee).toBe('coder');
      const ids = createIndexSelector()(store.getState()).cells.get('coder')?.done;
      expect(ids).toEqual(['t_00000003', 't_00000002', 't_000000b1']);

      // Someone else's card landing there stays out; a new snapshot forgets what was kept.
      const other = doneCard('t_000000b2', 'coder', 40);
      store.getState().applyEvent({ type: 'tasks', seq: 3, tasks: [other], removed: [] });
      expect(store.getState().tasks[other.id]).toBeUndefined();
      await store.getState().resync();
      store.getState().applyEvent({ type: 'tasks', seq: 2, tasks: [moved], removed: [] });
      expect(store.getState().tasks['t_000000b1']).toBeUndefined();
    });

    it("asks the core for a filter's matches when the board is loaded in part, and keeps them current", async () => {
      const { api, store } = partSetup();
      const far = makeTask({
        id: 't_000000f1',
        assignee: 'coder',
        status: 'ready',
        title: 'needle far away',
      });
      api.on('searchCards', () => ({ tasks: [far], total: 1 }));
      await store.getState().load('default');
      vi.useFakeTimers();
      try {
        store.getState().setFilter({ text: 'needle' });
        store.getState().setFilter({ text: 'needle ' });
        expect(store.getState().search?.state).toBe('loading');
        await vi.advanceTimersByTimeAsync(250);
      } finally {
        vi.useRealTimers();
      }
      expect(api.callsOf('searchCards')).toEqual([
        { board: 'default', text: 'needle', needsAttention: false, limit: 500 },
      ]);
      expect(store.getState().search).toMatchObject({ state: 'ready', total: 1 });
      const index = createIndexSelector();
      expect(index(store.getState()).cells.get('coder')?.ready).toEqual([far.id]);
      store
        .getState()
        .applyEvent({ type: 'tasks', seq: 2, tasks: [{ ...far, status: 'blocked' }], removed: [] });
      expect(index(store.getState()).cells.get('coder')?.blocked).toEqual([far.id]);
      store.getState().setFilter({ text: '' });
      expect(store.getState().search).toBeNull();
    });

    it("applies a tick's skip reasons to the loaded cards only, search matches too", async () => {
      const { api, store } = partSetup();
      const far = makeTask({ id: 't_000000f2', assignee: 'coder', status: 'ready', title: 'far away' });
      api.on('searchCards', () => ({ tasks: [far], total: 1 }));
      await store.getState().load('default');
      vi.useFakeTimers();
      try {
        store.getState().setFilter({ text: 'far' });
        await vi.advanceTimersByTimeAsync(250);
      } finally {
        vi.useRealTimers();
      }
      const before = store.getState().tasks;
      store.getState().applyEvent({
        type: 'skips',
        seq: 2,
        skips: [
          { id: 't_000000a1', skipReason: 'lane_at_capacity', skipDetail: 'coder: 1 of 1 running' },
          { id: 't_00000003', skipReason: null, skipDetail: null }, // unchanged: stays the same object
          { id: far.id, skipReason: 'lane_paused', skipDetail: null },
          { id: 't_0000ffff', skipReason: 'lane_paused', skipDetail: null }, // not loaded: ignored
        ],
      });
      const state = store.getState();
      expect(state.lastSeq).toBe(2);
      expect(state.tasks['t_000000a1']).toMatchObject({ skipReason: 'lane_at_capacity', status: 'ready' });
      expect(state.tasks['t_00000003']).toBe(before['t_00000003']);
      expect(state.tasks['t_0000ffff']).toBeUndefined();
      expect(state.search?.cards[far.id]?.skipReason).toBe('lane_paused');
    });

    it('filters locally when the whole board is loaded', async () => {
      const { api, store } = setup(makeSnapshot({ tasks: [makeTask({ title: 'needle' })] }));
      await store.getState().load('default');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        store.getState().setFilter({ text: 'needle' });
        await vi.advanceTimersByTimeAsync(250); // past the search debounce
      } finally {
        vi.useRealTimers();
      }
      expect(api.callsOf('searchCards')).toEqual([]);
      expect(store.getState().search).toBeNull();
    });

    it('keeps no bodies: cards from commands are stored without theirs', async () => {
      const { store } = setup();
      await store.getState().load('default');
      const task = makeTask({ body: 'a long description', result: 'a summary' });
      store.getState().upsertTasks([task]);
      expect(store.getState().tasks[task.id]).not.toHaveProperty('body');
      expect(store.getState().tasks[task.id]).not.toHaveProperty('result');
      expect(store.getState().tasks[task.id]?.title).toBe(task.title);
    });
  });
});

describe('board store: lanes the first snapshot only counts', () => {
  const card = (id: string, assignee: string, status: 'ready' | 'todo', priority = 0) =>
    makeTask({ id, assignee, status, priority, createdAt: 10 });

  /** "near" is loaded (two ready cards), "far" only counted (three ready, one todo). */
  function laneSetup() {
    const near = [card('t_0000000a', 'near', 'ready', 2), card('t_0000000b', 'near', 'ready', 1)];
    const far = [
      card('t_0000000c', 'far', 'ready', 3),
      card('t_0000000d', 'far', 'ready', 2),
      card('t_0000000e', 'far', 'ready', 1),
      card('t_0000000f', 'far', 'todo'),
    ];
    const ctx = setup(
      makeSnapshot({
        tasks: near,
        cells: [
          { assignee: 'near', status: 'ready', count: 2 },
          { assignee: 'far', status: 'ready', count: 3 },
          { assignee: 'far', status: 'todo', count: 1 },
        ],
        lanes: [makeLane({ name: 'near' }), makeLane({ name: 'far' })],
      }),
    );
    return { ...ctx, near, far };
  }

  it('counts the lane, keeps its cards out until it loads, and shows cards that leave it', async () => {
    const { store, far } = laneSetup();
    await store.getState().load('default');
    expect(store.getState().cellCursors).toEqual({ 'ready:far': null, 'todo:far': null });
    const totals = createColumnTotalsSelector(createIndexSelector());
    expect(totals(store.getState())).toMatchObject({ ready: 5, todo: 1 });
    // A card of the far lane changes: it stays out (its lane is not loaded), the counts stay.
    store
      .getState()
      .applyEvent({ type: 'tasks', seq: 2, tasks: [{ ...far[0]!, title: 'renamed' }], removed: [] });
    expect(store.getState().tasks[far[0]!.id]).toBeUndefined();
    // One moves into the loaded lane: it shows up there.
    const moved = { ...far[1]!, assignee: 'near' };
    store.getState().applyEvent({ type: 'tasks', seq: 3, tasks: [moved], removed: [] });
    expect(createIndexSelector()(store.getState()).cells.get('near')?.ready).toContain(moved.id);
    // And a loaded one moves into the far lane: it leaves the store, the lane figures count it.
    const away = { ...store.getState().tasks.t_0000000a!, assignee: 'far' };
    store.getState().applyEvent({ type: 'tasks', seq: 4, tasks: [away], removed: [] });
    expect(store.getState().tasks[away.id]).toBeUndefined();
    store.getState().applyEvent({
      type: 'lanes',
      seq: 5,
      board: 'default',
      lanes: [makeLane({ name: 'near' }), makeLane({ name: 'far' })],
      cells: [
        { assignee: 'near', status: 'ready', count: 2 },
        { assignee: 'far', status: 'ready', count: 3 },
        { assignee: 'far', status: 'todo', count: 1 },
      ],
    });
    expect(totals(store.getState())).toMatchObject({ ready: 5, todo: 1 });
  });

  it('loads the first cards of the lanes asked for in one turn with one call', async () => {
    const { api, store, far } = laneSetup();
    api.on('laneCards', () => ({
      tasks: [far[0]!, far[1]!, far[3]!],
      cells: [
        { assignee: 'far', status: 'ready', count: 3 },
        { assignee: 'far', status: 'todo', count: 1 },
      ],
    }));
    await store.getState().load('default');
    store.getState().loadLaneCards('far');
    store.getState().loadLaneCards('far');
    store.getState().loadLaneCards('near'); // loaded: nothing to ask
    await flush();
    expect(api.callsOf('laneCards')).toEqual([{ board: 'default', lanes: ['far'] }]);
    const state = store.getState();
    expect(Object.keys(state.tasks).sort()).toEqual([
      't_0000000a',
      't_0000000b',
      't_0000000c',
      't_0000000d',
      't_0000000f',
    ]);
    // ready: two of three loaded, the cursor at the last; todo: loaded whole.
    expect(state.cellCursors).toEqual({ 'ready:far': expect.objectContaining({ id: 't_0000000d' }) });
    store.getState().loadLaneCards('far');
    await flush();
    expect(api.callsOf('laneCards')).toHaveLength(1);
    // The rest of the cell pages in after the cursor.
    api.on('cellCards', () => ({ tasks: [far[2]!], remaining: 0 }));
    await store.getState().loadMoreCards('far', 'ready');
    expect(api.callsOf('cellCards')[0]).toMatchObject({ after: { id: 't_0000000d' } });
    expect(store.getState().cellCursors).toEqual({});
  });

  it('pages a cell of an unloaded lane from its first card', async () => {
    const { api, store, far } = laneSetup();
    api.on('cellCards', () => ({ tasks: [far[0]!], remaining: 2 }));
    await store.getState().load('default');
    await store.getState().loadMoreCards('far', 'ready', 1);
    expect(api.callsOf('cellCards')).toEqual([
      { board: 'default', assignee: 'far', status: 'ready', limit: 1 },
    ]);
    expect(store.getState().cellCursors['ready:far']).toMatchObject({ id: 't_0000000c' });
    expect(store.getState().tasks[far[0]!.id]).toBeDefined();
  });
});

describe('board store: events queued from the live stream', () => {
  function setupQueued(snapshot: Snapshot) {
    const api = new FakeBoardApi();
    let current = snapshot;
    api.on('snapshot', () => current);
    const frames: (() => void)[] = [];
    const store = createBoardStore(api, { scheduleFlush: (flush) => frames.push(flush) });
    const nextFrame = () => frames.splice(0).forEach((flush) => flush());
    return {
      api,
      store,
      frames,
      nextFrame,
      setSnapshot: (next: Snapshot) => {
        current = next;
      },
    };
  }

  it('applies the events that arrive before a frame together, in order, in one store update', async () => {
    const tasks = Array.from({ length: 20 }, (_, i) => makeTask({ status: 'todo', title: `t${i}` }));
    const { store, frames, nextFrame } = setupQueued(makeSnapshot({ seq: 1, tasks }));
    await store.getState().load();
    let updates = 0;
    store.subscribe(() => updates++);
    tasks.forEach((task, i) =>
      store
        .getState()
        .queueEvent({ type: 'tasks', seq: 2 + i, tasks: [{ ...task, status: 'triage' }], removed: [] }),
    );
    // The first task goes back: the later event wins.
    const first = tasks[0] as (typeof tasks)[number];
    store.getState().queueEvent({ type: 'tasks', seq: 22, tasks: [first], removed: [] });
    store
      .getState()
      .queueEvent({ type: 'lanes', seq: 23, board: 'default', lanes: [makeLane({ name: 'x' })], cells: [] });
    expect(updates).toBe(0);
    expect(frames).toHaveLength(1); // one flush asked for, however many events
    nextFrame();
    expect(updates).toBe(1);
    const state = store.getState();
    expect(state.lastSeq).toBe(23);
    expect(state.tasks[first.id]?.status).toBe('todo');
    expect(tasks.slice(1).every((task) => state.tasks[task.id]?.status === 'triage')).toBe(true);
    expect(Object.keys(state.lanes)).toEqual(['x']);
    // Nothing queued: the next frame asks for no update.
    expect(frames).toHaveLength(0);
  });

  it('spreads a burst over frames, a bounded number of cards each, in order', async () => {
    const tasks = Array.from({ length: 60 }, () => makeTask({ status: 'todo' }));
    const { store, frames, nextFrame } = setupQueued(makeSnapshot({ seq: 1, tasks }));
    await store.getState().load();
    tasks.forEach((task, i) =>
      store
        .getState()
        .queueEvent({ type: 'tasks', seq: 2 + i, tasks: [{ ...task, status: 'triage' }], removed: [] }),
    );
    const applied: number[] = [];
    while (frames.length > 0) {
      nextFrame();
      applied.push(store.getState().lastSeq);
    }
    expect(applied).toEqual([25, 49, 61]);
    expect(tasks.every((task) => store.getState().tasks[task.id]?.status === 'triage')).toBe(true);
  });

  it('resyncs on a gap inside a batch, keeping the events after it for the snapshot', async () => {
    const task = makeTask({ title: 'before' });
    const { api, store, nextFrame, setSnapshot } = setupQueued(makeSnapshot({ seq: 1, tasks: [task] }));
    await store.getState().load();
    setSnapshot(makeSnapshot({ seq: 5, tasks: [{ ...task, title: 'from snapshot' }] }));
    const titled = (seq: number) =>
      store
        .getState()
        .queueEvent({ type: 'tasks', seq, tasks: [{ ...task, title: `event ${seq}` }], removed: [] });
    titled(2);
    titled(4); // 3 was lost
    titled(5);
    titled(6);
    nextFrame();
    expect(store.getState().lastSeq).toBe(2);
    expect(store.getState().tasks[task.id]?.title).toBe('event 2');
    await flush();
    expect(api.callsOf('snapshot')).toHaveLength(2);
    expect(store.getState().lastSeq).toBe(6);
    expect(store.getState().tasks[task.id]?.title).toBe('event 6');
  });

  it('handles an answer only after the events that arrived before it', async () => {
    const task = makeTask({ status: 'ready', assignee: 'coder' });
    const { api, store, frames } = setupQueued(makeSnapshot({ seq: 1, tasks: [task] }));
    const answer = deferred<{ task: typeof task; stoppedWorker: boolean }>();
    api.on('moveTask', () => answer.promise);
    await store.getState().load();
    const move = store.getState().moveTask(task.id, { status: 'blocked' });
    // An event read before the move, still queued when the answer comes.
    store
      .getState()
      .queueEvent({ type: 'tasks', seq: 2, tasks: [{ ...task, title: 'renamed' }], removed: [] });
    answer.resolve({ task: { ...task, status: 'blocked', updatedAt: 5 }, stoppedWorker: false });
    expect(await move).toBe(true);
    // As if applied on arrival: the event replaced the optimistic card before the answer came.
    expect(store.getState().lastSeq).toBe(2);
    expect(store.getState().tasks[task.id]?.title).toBe('renamed');
    expect(store.getState().pendingMoves).toEqual({});
    const before = store.getState();
    frames.splice(0).forEach((flush) => flush());
    expect(store.getState()).toBe(before);
  });
});
