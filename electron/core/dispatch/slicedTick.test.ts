import { afterEach, describe, expect, it, vi } from 'vitest';
import { assignTask, claimTask, createTask, linkTasks, moveTask } from '../commands/taskCommands';
import { Dispatcher } from './dispatcher';
import { Engine } from './engine';
import { findTask } from '../store/tasks';
import { useTempHomes } from '../../../test/helpers/home';
import { newEngine, waitFor, writeAgentProfile, writeFastSettings } from '../../../test/helpers/engine';

/**
 * Issue 17, target 9: the engine's scheduled tick runs in bounded steps with the event loop served
 * between them — a cold start's pages of promotion checks and ready tasks, the tick, then the skip
 * reasons it did not store yet. Whatever happens between steps, the end must be what one tick over
 * the whole table gives (a dry run reads every ready task and walks them all).
 */

const actor = { name: 'test' };
const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

describe('a scheduled tick in steps', () => {
  it('starts cold in pages with the event loop served between steps, and ends as one full tick would', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 2, tickMs: 60_000 });
    writeAgentProfile(paths, 'alpha', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    writeAgentProfile(paths, 'beta', 'sleep.mjs', { args: ['600'], maxConcurrent: 3 });
    const engine = newEngine(paths, true, { sliceRows: 10 });
    engines.push(engine);
    const lanes = ['alpha', 'beta', 'human', null];
    const ready = Array.from({ length: 60 }, (_, i) =>
      createTask(engine.db, { title: `r${i}`, assignee: lanes[i % 4] ?? null, priority: i % 3 }, actor),
    );
    // Todo children whose parent is done: the cold start's promotion check makes them ready.
    const children: string[] = [];
    for (let i = 0; i < 25; i++) {
      const parent = createTask(engine.db, { title: `p${i}`, assignee: 'human' }, actor);
      moveTask(engine.db, parent.id, 'done', actor);
      const child = createTask(
        engine.db,
        { title: `c${i}`, assignee: lanes[i % 4] ?? null, status: 'todo' },
        actor,
      );
      linkTasks(engine.db, parent.id, child.id, actor);
      children.push(child.id);
    }

    // Every step notes how many turns of the event loop had run; another callback spins meanwhile.
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns += 1;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const stepTurns: number[] = [];
    const warmUp = Dispatcher.prototype.warmUpStep;
    let late: { id: string } | null = null;
    vi.spyOn(Dispatcher.prototype, 'warmUpStep').mockImplementation(function (this: Dispatcher) {
      stepTurns.push(turns);
      warmUp.call(this);
      // Between two pages of the ready queue: a task already read leaves, a new one arrives.
      if (stepTurns.length === 6) {
        moveTask(engine.db, (ready[0] as { id: string }).id, 'done', actor);
        late = createTask(engine.db, { title: 'late', assignee: 'beta', priority: 2 }, actor);
      }
    });
    const flush = Dispatcher.prototype.flushSkipWrites;
    const flushTurns: number[] = [];
    vi.spyOn(Dispatcher.prototype, 'flushSkipWrites').mockImplementation(function (this: Dispatcher, limit) {
      flushTurns.push(turns);
      flush.call(this, limit);
    });

    engine.start();
    await waitFor(
      () =>
        engine.lastDispatchResult() !== null &&
        (engine as unknown as { dispatcher: Dispatcher }).dispatcher.pendingSkipWrites() === 0 &&
        !(engine as unknown as { stepping: boolean }).stepping,
      'the stepped tick to end',
    );
    spinning = false;

    // 3 pages of the 25 todo tasks' promotion check, 9 of the 85 ready ones (10 a step).
    expect(stepTurns.length).toBeGreaterThanOrEqual(12);
    // The tick stored 10 of its ~85 skip reasons, the later steps the rest.
    expect(flushTurns.length).toBeGreaterThanOrEqual(8);
    const all = [...stepTurns, ...flushTurns];
    for (let i = 1; i < all.length; i++) expect(all[i], `step ${i}`).toBeGreaterThan(all[i - 1] as number);

    const tick = engine.lastDispatchResult();
    // Promoted by the cold start's check (the tick that follows, woken by the changes above, may be the last).
    for (const id of children) expect(findTask(engine.db, id)?.status, id).not.toBe('todo');
    const full = engine.dryRun();
    expect(tick?.skipped).toEqual(full.skipped);
    expect(full.skipped.map((entry) => entry.taskId)).toContain((late as { id: string } | null)?.id);
    expect(full.skipped.map((entry) => entry.taskId)).not.toContain((ready[0] as { id: string }).id);
    for (const entry of full.skipped) {
      const found = findTask(engine.db, entry.taskId);
      expect({ reason: found?.skipReason, detail: found?.skipDetail }, entry.taskId).toEqual({
        reason: entry.reason,
        detail: entry.detail,
      });
    }
    expect(findTask(engine.db, (ready[0] as { id: string }).id)?.skipReason).toBeNull();
  }, 60_000);

  it('never stores a verdict for a task that left the ready queue between two write steps', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 1, tickMs: 60_000 });
    writeAgentProfile(paths, 'alpha', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    const engine = newEngine(paths, true, { sliceRows: 5 });
    engines.push(engine);
    // Tasks that wait for their own approval: a verdict each (a lane-wide verdict, such as a
    // terminal lane's, is one row for the lane: migration v13).
    const waiting = { assignee: 'alpha', requireApproval: true };
    for (let i = 0; i < 30; i++) createTask(engine.db, { title: `h${i}`, priority: 2, ...waiting }, actor);
    // Last in walk order, so still waiting to be stored when the first write step runs.
    const leaving = createTask(engine.db, { title: 'leaving', ...waiting }, actor);
    const moving = createTask(engine.db, { title: 'moving', ...waiting }, actor);
    const flush = Dispatcher.prototype.flushSkipWrites;
    let steps = 0;
    vi.spyOn(Dispatcher.prototype, 'flushSkipWrites').mockImplementation(function (this: Dispatcher, limit) {
      steps += 1;
      if (steps === 1) {
        expect(this.pendingSkipWrites()).toBe(32);
        moveTask(engine.db, leaving.id, 'done', actor);
        assignTask(engine.db, moving.id, 'robot', actor);
      }
      flush.call(this, limit);
    });
    await (engine as unknown as { runTickInSteps(): Promise<void> }).runTickInSteps();
    expect(steps).toBeGreaterThanOrEqual(7);
    expect(findTask(engine.db, leaving.id)?.skipReason).toBeNull();
    // The next tick judges the reassigned task again; then every stored verdict is the full walk's.
    engine.runTick();
    const full = engine.dryRun();
    expect(full.skipped.map((entry) => entry.taskId)).toContain(moving.id);
    for (const entry of full.skipped) {
      const found = findTask(engine.db, entry.taskId);
      expect({ reason: found?.skipReason, detail: found?.skipDetail }, entry.taskId).toEqual({
        reason: entry.reason,
        detail: entry.detail,
      });
    }
  }, 60_000);
});

describe('a walk in slices', () => {
  it('judges the ready tasks a slice a step, and a task claimed or moved between two slices is neither spawned nor given a stale verdict', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 2, tickMs: 60_000 });
    writeAgentProfile(paths, 'alpha', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    const engine = newEngine(paths, true, { sliceRows: 5 });
    engines.push(engine);
    const dispatcher = (engine as unknown as { dispatcher: Dispatcher }).dispatcher;
    // 30 tasks waiting for their own approval first in walk order (a verdict each; a terminal
    // lane's is one row for the lane, migration v13), then the two alpha tasks and one that leaves.
    const waiting = { assignee: 'alpha', requireApproval: true };
    for (let i = 0; i < 30; i++) createTask(engine.db, { title: `h${i}`, priority: 2, ...waiting }, actor);
    const taken = createTask(engine.db, { title: 'taken', assignee: 'alpha' }, actor);
    const next = createTask(engine.db, { title: 'next', assignee: 'alpha' }, actor);
    const leaving = createTask(engine.db, { title: 'leaving', ...waiting }, actor);
    engine.runTick({ spawn: false }); // warm: the stepped tick below is a full walk, not a cold start

    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns += 1;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const sliceTurns: number[] = [];
    const proceed = Dispatcher.prototype.continueTick;
    vi.spyOn(Dispatcher.prototype, 'continueTick').mockImplementation(function (this: Dispatcher) {
      sliceTurns.push(turns);
      if (sliceTurns.length === 1) {
        // Between the first two slices: a terminal takes the task the walk would spawn, another leaves.
        claimTask(engine.db, { taskId: taken.id }, { name: 'terminal' });
        moveTask(engine.db, leaving.id, 'done', actor);
      }
      return proceed.call(this);
    });
    const flush = Dispatcher.prototype.flushSkipWrites;
    const stored: number[] = [];
    vi.spyOn(Dispatcher.prototype, 'flushSkipWrites').mockImplementation(function (this: Dispatcher, limit) {
      const before = this.pendingSkipWrites();
      flush.call(this, limit);
      stored.push(before - this.pendingSkipWrites());
    });
    await (engine as unknown as { runTickInSteps(): Promise<void> }).runTickInSteps();
    spinning = false;

    // A write step stores a quarter of a slice (SKIP_WRITE_COST): here one verdict a step.
    expect(stored.length).toBeGreaterThanOrEqual(30);
    expect(Math.max(...stored)).toBe(1);
    // 33 ready tasks, 5 a slice: the first slice in beginTick, six more, each in a turn of its own.
    expect(sliceTurns.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < sliceTurns.length; i++)
      expect(sliceTurns[i], `slice ${i}`).toBeGreaterThan(sliceTurns[i - 1] as number);
    expect(dispatcher.walking()).toBe(false);
    // The claimed task's compare-and-swap failed: the lane's one slot went to the next task.
    expect(engine.lastDispatchResult()?.spawned.map((entry) => entry.taskId)).toEqual([next.id]);
    expect(findTask(engine.db, taken.id)?.claimOwner).toBe('terminal');
    expect(findTask(engine.db, leaving.id)?.skipReason).toBeNull();
    // The walk's verdicts (and the memo that replays them) equal a full walk's, stored too.
    engine.runTick();
    const full = engine.dryRun();
    expect(engine.lastDispatchResult()?.skipped).toEqual(full.skipped);
    expect(full.skipped).toHaveLength(30);
    for (const entry of full.skipped) {
      const found = findTask(engine.db, entry.taskId);
      expect({ reason: found?.skipReason, detail: found?.skipDetail }, entry.taskId).toEqual({
        reason: entry.reason,
        detail: entry.detail,
      });
    }
  }, 60_000);

  it('drops a walk in progress when a tick that must start nothing comes (the engine closing)', () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 2, tickMs: 60_000 });
    writeAgentProfile(paths, 'alpha', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    const engine = newEngine(paths, true, { sliceRows: 5 });
    engines.push(engine);
    const dispatcher = (engine as unknown as { dispatcher: Dispatcher }).dispatcher;
    for (let i = 0; i < 30; i++)
      createTask(engine.db, { title: `h${i}`, assignee: 'human', priority: 2 }, actor);
    const last = createTask(engine.db, { title: 'last', assignee: 'alpha' }, actor);
    engine.runTick({ spawn: false });
    expect(dispatcher.beginTick({ sliceWrites: true })).toBeNull();
    expect(dispatcher.walking()).toBe(true);
    dispatcher.tick({ spawn: false });
    expect(dispatcher.walking()).toBe(false);
    expect(findTask(engine.db, last.id)?.status).toBe('ready');
    // The next tick walks every task again and starts it.
    expect(engine.runTick()?.spawned.map((entry) => entry.taskId)).toEqual([last.id]);
  });
});
