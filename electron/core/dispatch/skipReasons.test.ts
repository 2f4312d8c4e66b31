import { afterEach, describe, expect, it } from 'vitest';
import type { SkipReason } from '../../../shared/domain';
import { assignTask, claimTask, createTask, moveTask } from '../commands/taskCommands';
import { openDatabase } from '../store/db/open';
import type { Engine } from './engine';
import type { LaneSource } from './dispatcher';
import * as tasks from '../store/tasks';
import { laneSkipRows } from '../store/laneSkips';
import { useTempHomes } from '../../../test/helpers/home';
import { newEngine, writeAgentProfile, writeFastSettings } from '../../../test/helpers/engine';

/**
 * Skip reasons live in their own table (migration v3, bench/RESULTS.md target 2) and are written
 * only when they change. Every reader of a task must still see the current one, never a stale or
 * a lost one.
 */

const actor = { name: 'test' };
const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

type Seen = { reason: SkipReason | null; detail: string | null };

/** A task's skip reason as each reader of tasks reports it; all must agree. */
function seenByEveryReader(engine: Engine, id: string): Seen {
  const { db } = engine;
  const found = tasks.findTask(db, id);
  if (!found) throw new Error(`no task ${id}`);
  const views: [string, { skipReason: SkipReason | null; skipDetail: string | null } | undefined][] = [
    ['findTask', found],
    ['listTasks', tasks.listTasks(db).find((task) => task.id === id)],
    ['listTasks by lane', tasks.listTasks(db, { assignee: found.assignee }).find((task) => task.id === id)],
    ['tasksWithStatus', tasks.tasksWithStatus(db, found.status).find((task) => task.id === id)],
  ];
  if (found.status === 'ready' && found.claimOwner === null) {
    // The dispatcher reads a task's own row and its lane's verdict (migration v13) apart.
    const lane = laneSkipRows(db).get(found.assignee ?? '');
    const asSeen = (row: tasks.ReadyQueueRow | undefined) =>
      row &&
      (lane
        ? { skipReason: lane.reason, skipDetail: lane.detail }
        : { skipReason: row.skip_reason, skipDetail: row.skip_detail });
    views.push(['readyQueueRows', asSeen(tasks.readyQueueRows(db).find((candidate) => candidate.id === id))]);
    views.push(['readyQueueRowsAmong', asSeen(tasks.readyQueueRowsAmong(db, [id])[0])]);
  }
  const seen = { reason: found.skipReason, detail: found.skipDetail };
  for (const [reader, view] of views) {
    expect({ reason: view?.skipReason, detail: view?.skipDetail }, reader).toEqual(seen);
  }
  return seen;
}

function queuedByReason(engine: Engine, lane: string): Record<string, number> {
  return engine.laneStatuses('default').find((status) => status.name === lane)?.queuedBySkipReason ?? {};
}

describe('stored skip reasons', () => {
  it('follow pause, resume, claims, moves and reassignment, for every reader', () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 1 });
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    const engine = newEngine(paths);
    engines.push(engine);
    const make = (title: string, assignee: string | null): string =>
      createTask(engine.db, { title, assignee }, actor).id;
    const coder = [make('c1', 'coder'), make('c2', 'coder'), make('c3', 'coder')];
    const human = [make('h1', 'human'), make('h2', 'human')];
    const loose = make('u1', null);

    const first = engine.runTick();
    expect(first?.spawned.map((spawn) => spawn.taskId)).toEqual([coder[0]]);
    expect(seenByEveryReader(engine, coder[0] as string)).toEqual({ reason: null, detail: null });
    for (const id of coder.slice(1))
      expect(seenByEveryReader(engine, id)).toEqual({
        reason: 'lane_at_capacity',
        detail: 'lane at capacity 1/1',
      });
    for (const id of human) expect(seenByEveryReader(engine, id).reason).toBe('terminal_lane');
    expect(seenByEveryReader(engine, loose).reason).toBe('unassigned');
    expect(queuedByReason(engine, 'coder')).toEqual({ lane_at_capacity: 2 });
    expect(queuedByReason(engine, 'human')).toEqual({ terminal_lane: 2 });

    // Paused: only the verdicts that changed are written, and every reader sees them.
    engine.setDispatcherEnabled(false);
    const paused = engine.runTick();
    expect(new Set(paused?.skipChanged)).toEqual(new Set(coder.slice(1)));
    for (const id of coder.slice(1))
      expect(seenByEveryReader(engine, id)).toEqual({
        reason: 'dispatcher_paused',
        detail: 'the dispatcher is switched off',
      });
    for (const id of human) expect(seenByEveryReader(engine, id).reason).toBe('terminal_lane');
    expect(queuedByReason(engine, 'coder')).toEqual({ dispatcher_paused: 2 });
    expect(engine.runTick()?.skipChanged).toEqual([]);

    engine.setDispatcherEnabled(true);
    const resumed = engine.runTick();
    expect(new Set(resumed?.skipChanged)).toEqual(new Set(coder.slice(1)));
    for (const id of coder.slice(1)) expect(seenByEveryReader(engine, id).reason).toBe('lane_at_capacity');

    // Leaving the ready queue clears the reason; coming back gets a fresh one on the next tick.
    claimTask(engine.db, { taskId: human[0] as string }, { name: 'terminal:human' });
    expect(seenByEveryReader(engine, human[0] as string)).toEqual({ reason: null, detail: null });
    moveTask(engine.db, coder[1] as string, 'blocked', actor);
    expect(seenByEveryReader(engine, coder[1] as string)).toEqual({ reason: null, detail: null });
    // Reassigned to a lane whose verdict holds for all its tasks (migration v13), it has that one at once.
    assignTask(engine.db, coder[2] as string, 'human', actor);
    expect(seenByEveryReader(engine, coder[2] as string).reason).toBe('terminal_lane');
    engine.runTick();
    expect(seenByEveryReader(engine, coder[2] as string).reason).toBe('terminal_lane');
    expect(seenByEveryReader(engine, coder[1] as string).reason).toBe(null);
    expect(seenByEveryReader(engine, human[0] as string).reason).toBe(null);
    expect(queuedByReason(engine, 'coder')).toEqual({});
    expect(queuedByReason(engine, 'human')).toEqual({ terminal_lane: 2 });
  });

  it('never stores a reason on a task another process claimed during the walk', () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const engine = newEngine(paths);
    engines.push(engine);
    const racer = openDatabase(paths.database);
    try {
      const ids = ['a', 'b', 'c'].map(
        (title) => createTask(engine.db, { title, assignee: 'human' }, actor).id,
      );
      const stolen = ids[1] as string;
      // The walk resolves the lane after the queue was read: a terminal claims a task right then.
      const dispatcher = (engine as unknown as { dispatcher: { deps: { lanes: LaneSource } } }).dispatcher;
      const lanes = dispatcher.deps.lanes;
      let raced = false;
      dispatcher.deps.lanes = {
        resolve: (name) => {
          if (!raced) {
            raced = true;
            claimTask(racer, { taskId: stolen }, { name: 'terminal:human' });
          }
          return lanes.resolve(name);
        },
        declaredLanes: () => lanes.declaredLanes(),
        version: () => lanes.version?.() ?? 0,
      };
      const result = engine.runTick();
      expect(raced).toBe(true);
      // The walk judged all three (it read them ready), but the claimed one must not keep a reason.
      expect(result?.skipChanged).toHaveLength(3);
      expect(seenByEveryReader(engine, stolen)).toEqual({ reason: null, detail: null });
      expect(tasks.findTask(engine.db, stolen)).toMatchObject({
        status: 'running',
        claimOwner: 'terminal:human',
      });
      for (const id of ids.filter((id) => id !== stolen))
        expect(seenByEveryReader(engine, id).reason).toBe('terminal_lane');
      // The next tick sees the claim and drops the task from the queue; nothing else changes.
      expect(engine.runTick()?.skipped.map((entry) => entry.taskId)).toEqual(
        ids.filter((id) => id !== stolen),
      );
    } finally {
      racer.close();
    }
  });
});

describe('writeSkipReasons', () => {
  it('writes only tasks still ready and unclaimed unless the caller vouches for them', () => {
    const paths = tempHome();
    const engine = newEngine(paths, false);
    engines.push(engine);
    const { db } = engine;
    const ready = createTask(db, { title: 'ready', assignee: 'human' }, actor).id;
    const blocked = createTask(db, { title: 'blocked', assignee: 'human' }, actor).id;
    moveTask(db, blocked, 'blocked', actor);
    const verdict = { reason: 'terminal_lane' as const, detail: 'waiting' };
    tasks.writeSkipReasons(db, [
      { id: ready, ...verdict },
      { id: blocked, ...verdict },
    ]);
    expect(seenByEveryReader(engine, ready)).toEqual(verdict);
    expect(seenByEveryReader(engine, blocked)).toEqual({ reason: null, detail: null });
    // Changed again, then cleared: the last write wins, a cleared reason is gone for every reader.
    tasks.writeSkipReasons(
      db,
      [{ id: ready, reason: 'lane_paused', detail: 'lane human is paused' }],
      () => true,
    );
    expect(seenByEveryReader(engine, ready)).toEqual({
      reason: 'lane_paused',
      detail: 'lane human is paused',
    });
    tasks.writeSkipReasons(db, [{ id: ready, reason: null, detail: null }]);
    expect(seenByEveryReader(engine, ready)).toEqual({ reason: null, detail: null });
  });

  it('keeps updateTask semantics for skipReason and skipDetail', () => {
    const paths = tempHome();
    const engine = newEngine(paths, false);
    engines.push(engine);
    const { db } = engine;
    const id = createTask(db, { title: 'x', assignee: 'human' }, actor).id;
    const before = tasks.findTask(db, id)?.updatedAt as number;
    tasks.updateTask(db, id, { skipReason: 'backoff', skipDetail: 'backoff until then' }, before + 5);
    expect(tasks.findTask(db, id)).toMatchObject({
      skipReason: 'backoff',
      skipDetail: 'backoff until then',
      updatedAt: before + 5,
    });
    tasks.updateTask(db, id, { skipReason: 'lane_paused' }, before + 6);
    expect(seenByEveryReader(engine, id)).toEqual({ reason: 'lane_paused', detail: 'backoff until then' });
    tasks.updateTask(db, id, { skipDetail: 'lane human is paused' }, before + 7);
    expect(seenByEveryReader(engine, id)).toEqual({ reason: 'lane_paused', detail: 'lane human is paused' });
    tasks.updateTask(db, id, { priority: 2, skipReason: null, skipDetail: null }, before + 8);
    expect(tasks.findTask(db, id)).toMatchObject({ priority: 2, skipReason: null, skipDetail: null });
  });
});
