import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assignTask, createTask, editTask, linkTasks, moveTask } from '../commands/taskCommands';
import type { Engine } from './engine';
import { findTask, listTasks } from '../store/tasks';
import { useTempHomes } from '../../../test/helpers/home';
import { newEngine, writeAgentProfile, writeFastSettings } from '../../../test/helpers/engine';

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
        previous = tick ? { skipped: tick.skipped, asItWas: JSON.stringify(tick.skipped) } : null;
        const full = engine.dryRun();
        expect(tick?.skipped, `step ${step}`).toEqual(full.skipped);
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
    },
    60_000,
  );
});
