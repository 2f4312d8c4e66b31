import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assignTask, createTask, editTask, linkTasks, moveTask } from '../commands/taskCommands';
import type { Engine } from './engine';
import { findTask, listTasks } from '../store/tasks';
import { useTempHomes } from '../../../test/helpers/home';
import { newEngine, tickUntil, writeAgentProfile, writeFastSettings } from '../../../test/helpers/engine';
import { Dispatcher } from './dispatcher';

/**
 * The dispatcher keeps the ready queue in memory and replays the verdicts of tasks that did not
 * change (performance, bench/RESULTS.md). Whatever happens, a tick must report exactly what a full
 * walk over the table reports: a dry run reads every ready task from the database and walks them all.
 */

const actor = { name: 'test' };
const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state % n;
  };
}

describe('incremental ticks', () => {
  it.each([7, 11, 23])(
    'report the same verdicts, in the same order, as a full walk (seed %i)',
    (seed) => {
      const paths = tempHome();
      writeFastSettings(paths, { globalMaxConcurrent: 3 });
      writeAgentProfile(paths, 'alpha', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
      writeAgentProfile(paths, 'beta', 'sleep.mjs', { args: ['600'], maxConcurrent: 2 });
      fs.mkdirSync(path.join(paths.profiles, 'broken'), { recursive: true });
      fs.writeFileSync(
        path.join(paths.profiles, 'broken', 'profile.json'),
        JSON.stringify({ command: ['no-such-program-anywhere'] }),
      );
      const engine = newEngine(paths);
      engines.push(engine);
      const lanes = ['alpha', 'beta', 'broken', 'human', null];
      const pick = random(seed);
      const ids: string[] = [];
      const create = (): void => {
        const task = createTask(
          engine.db,
          {
            title: `t${ids.length}`,
            assignee: lanes[pick(lanes.length)] ?? null,
            priority: pick(3),
            status: pick(4) === 0 ? 'todo' : 'ready',
          },
          actor,
        );
        ids.push(task.id);
      };
      for (let i = 0; i < 30; i++) create();

      // Idle ticks hand out the memo's list itself: no later tick may change an earlier result.
      let previous: { skipped: unknown[]; asItWas: string } | null = null;
      const unread: { step: number; tick: ReturnType<Engine['runTick']>; expected: string }[] = [];
      for (let step = 0; step < 120; step++) {
        const id = ids[pick(ids.length)] as string;
        const action = pick(9);
        try {
          if (action === 0) create();
          else if (action === 1) assignTask(engine.db, id, lanes[pick(lanes.length)] ?? null, actor);
          else if (action === 2) editTask(engine.db, id, { priority: pick(3) }, actor);
          else if (action === 3)
            moveTask(engine.db, id, ['todo', 'ready', 'blocked', 'done'][pick(4)] as string, actor);
          else if (action === 4) engine.setLanePaused(lanes[pick(3)] as string, pick(2) === 0);
          else if (action === 5) engine.setDispatcherEnabled(pick(3) !== 0);
          else if (action === 6) engine.setLaneConcurrency(lanes[pick(2)] as string, 1 + pick(3));
          else if (action === 7) linkTasks(engine.db, ids[pick(ids.length)] as string, id, actor);
        } catch {
          // An illegal move or a cycle: refused, nothing changed.
        }
        const tick = engine.runTick();
        if (previous) expect(JSON.stringify(previous.skipped), `step ${step}`).toBe(previous.asItWas);
        const full = engine.dryRun();
        if (step % 2 === 1) {
          // Read only at the end, after later ticks changed what the list is made from.
          unread.push({ step, tick, expected: JSON.stringify(full.skipped) });
          previous = null;
        } else {
          previous = tick ? { skipped: tick.skipped, asItWas: JSON.stringify(tick.skipped) } : null;
          expect(tick?.skipped, `step ${step}`).toEqual(full.skipped);
        }
        expect(tick?.skippedCounts).toEqual(full.skippedCounts);
        // Every stored skip reason is the one the walk gave, as every reader of tasks sees it.
        const listed = new Map(listTasks(engine.db).map((task) => [task.id, task]));
        for (const entry of full.skipped) {
          const stored = { reason: entry.reason, detail: entry.detail };
          const found = findTask(engine.db, entry.taskId);
          expect({ reason: found?.skipReason, detail: found?.skipDetail }).toEqual(stored);
          const row = listed.get(entry.taskId);
          expect({ reason: row?.skipReason, detail: row?.skipDetail }).toEqual(stored);
        }
      }
      for (const { step, tick, expected } of unread)
        expect(JSON.stringify(tick?.skipped), `step ${step}, read late`).toBe(expected);
    },
    60_000,
  );
});

/** How many times the walk judged a task (docs/architecture.md §4.6), counted while `action` runs. */
function judged<T>(action: () => T): { value: T; count: number } {
  const spy = vi.spyOn(Dispatcher.prototype as unknown as { skipReasonOf: () => unknown }, 'skipReasonOf');
  try {
    const value = action();
    return { value, count: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

describe('incremental ticks around workers starting and ending', () => {
  it('a spawn keeps the other verdicts: the tick judges the new task, the next one judges none', () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 10 });
    writeAgentProfile(paths, 'alpha', 'sleep.mjs', { args: ['600'], maxConcurrent: 10 });
    const engine = newEngine(paths);
    engines.push(engine);
    for (let i = 0; i < 40; i++) createTask(engine.db, { title: `human ${i}`, assignee: 'human' }, actor);
    expect(judged(() => engine.runTick()).count).toBe(40);
    const task = createTask(engine.db, { title: 'work', assignee: 'alpha' }, actor);
    const spawning = judged(() => engine.runTick());
    expect(spawning.value?.spawned.map((spawn) => spawn.taskId)).toEqual([task.id]);
    expect(spawning.count).toBe(1);
    const after = judged(() => engine.runTick());
    expect(after.count).toBe(0);
    expect(after.value?.skipped).toEqual(engine.dryRun().skipped);
  });

  it.each(['lane', 'global'] as const)(
    'a worker that ends frees %s capacity for the next task at the next tick',
    async (limit) => {
      const paths = tempHome();
      writeFastSettings(paths, { globalMaxConcurrent: limit === 'global' ? 1 : 4 });
      const release = path.join(paths.home, 'release');
      writeAgentProfile(paths, 'alpha', 'wait-for-file.mjs', { args: [release], maxConcurrent: 1 });
      writeAgentProfile(paths, 'beta', 'wait-for-file.mjs', { args: [release], maxConcurrent: 1 });
      const engine = newEngine(paths);
      engines.push(engine);
      for (let i = 0; i < 20; i++) createTask(engine.db, { title: `human ${i}`, assignee: 'human' }, actor);
      const first = createTask(engine.db, { title: 'first', assignee: 'alpha', priority: 2 }, actor);
      const second = createTask(
        engine.db,
        { title: 'second', assignee: limit === 'lane' ? 'alpha' : 'beta', priority: 1 },
        actor,
      );
      const tick = engine.runTick();
      expect(tick?.spawned.map((spawn) => spawn.taskId)).toEqual([first.id]);
      expect(tick?.skipped.find((entry) => entry.taskId === second.id)?.reason).toBe(
        limit === 'lane' ? 'lane_at_capacity' : 'global_at_capacity',
      );
      expect(engine.runTick()?.skipped).toEqual(engine.dryRun().skipped);
      fs.writeFileSync(release, '');
      // Each tick must say what a full walk says; the one that reaps the first worker starts the second.
      await tickUntil(
        engine,
        () => {
          const last = engine.lastDispatchResult();
          if (!last?.spawned.length) expect(last?.skipped).toEqual(engine.dryRun().skipped);
          return findTask(engine.db, second.id)?.status !== 'ready';
        },
        'the second task to start',
      );
      expect(findTask(engine.db, first.id)?.status).toBe('done');
      expect(findTask(engine.db, second.id)?.status).toBe('running');
    },
    30_000,
  );
});
