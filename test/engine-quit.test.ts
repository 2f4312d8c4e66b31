import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTask } from '../electron/core/commands/taskCommands';
import { openDatabase } from '../electron/core/store/db/open';
import type { Engine } from '../electron/core/dispatch/engine';
import { eventsOf } from '../electron/core/store/events';
import { isProcessAlive, listProcessGroup } from '../electron/core/procfs';
import { openRuns, runsOf } from '../electron/core/store/runs';
import { findTask } from '../electron/core/store/tasks';
import { newEngine, tickUntil, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { useTempHomes } from './helpers/home';

/**
 * docs/architecture.md §7: quitting the app with workers running offers two choices — stop them, or leave them
 * running to be adopted at the next start. Both go through Engine.close().
 */

const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function started(engine: Engine): Engine {
  engines.push(engine);
  return engine;
}

describe('closing the engine with workers running', () => {
  it('"Stop workers" kills each worker with its grandchildren and leaves no task running', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { killGraceMs: 300 });
    writeAgentProfile(paths, 'forker', 'fork-grandchild.mjs', { maxConcurrent: 2 });
    const engine = started(newEngine(paths));
    const tasks = [1, 2].map((n) =>
      createTask(engine.db, { title: `long job ${n}`, assignee: 'forker' }, { name: 'test' }),
    );
    await tickUntil(
      engine,
      () => openRuns(engine.db).filter((run) => run.pid !== null).length === 2,
      'two workers running',
    );
    const pids = openRuns(engine.db).map((run) => run.pid as number);
    await waitFor(() => pids.every((pid) => listProcessGroup(pid).length >= 2), 'the grandchildren');
    const groups = pids.flatMap((pid) => listProcessGroup(pid));

    await engine.close({ stopWorkers: true });
    engines.splice(engines.indexOf(engine), 1);

    expect(groups.filter((pid) => isProcessAlive(pid.pid))).toEqual([]);
    const db = openDatabase(paths.database);
    try {
      for (const task of tasks) {
        expect(findTask(db, task.id)?.status).not.toBe('running');
        expect(runsOf(db, task.id).every((run) => run.endedAt !== null)).toBe(true);
      }
    } finally {
      db.close();
    }
  });

  it('"Leave running" keeps workers alive, and the next engine adopts them and records their end', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    // It reports once the test has seen it adopted: with a fixed 1.5 s of work, its end raced the
    // second engine's start, which a slow machine can lose (nothing left to adopt).
    const workDone = path.join(paths.home, 'work-done');
    writeAgentProfile(paths, 'reporter', 'slow-report.mjs', {
      args: ['--until', workDone],
      completion: 'report',
    });
    const first = started(newEngine(paths));
    const task = createTask(first.db, { title: 'outlives the app', assignee: 'reporter' }, { name: 'test' });
    await tickUntil(first, () => openRuns(first.db)[0]?.pid != null, 'the worker to start');
    const pid = openRuns(first.db)[0]?.pid as number;

    await first.close({ stopWorkers: false });
    engines.splice(engines.indexOf(first), 1);
    expect(isProcessAlive(pid)).toBe(true);
    const db = openDatabase(paths.database);
    expect(findTask(db, task.id)?.status).toBe('running');
    db.close();

    const second = started(newEngine(paths));
    await tickUntil(
      second,
      () => eventsOf(second.db, task.id).some((event) => event.kind === 'adopted'),
      'the second engine to adopt the worker',
    );
    fs.writeFileSync(workDone, '');
    await tickUntil(
      second,
      () => findTask(second.db, task.id)?.status === 'done',
      'the adopted worker to finish',
      // Its report is a `switchyard complete`: a Node start, seconds on a loaded 2-core machine.
      45_000,
    );
    const kinds = eventsOf(second.db, task.id).map((event) => event.kind);
    expect(kinds.filter((kind) => kind === 'spawned')).toHaveLength(1);
    expect(kinds).toContain('adopted');
    expect(runsOf(second.db, task.id).map((run) => run.outcome)).toEqual(['completed']);
    expect(openRuns(second.db)).toHaveLength(0);
  }, 90_000);
});
