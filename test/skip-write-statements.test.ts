import { afterEach, describe, expect, it } from 'vitest';
import { createTask } from '../electron/core/commands/taskCommands';
import type { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { recordPrepared } from './helpers/statements';
import { newEngine, writeAgentProfile, writeFastSettings } from './helpers/engine';

const newHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

/**
 * Performance issue 17, target 2: every store of skip reasons (a re-evaluation's write steps, 14 of
 * them for a resume on "large") compiled its four statements again, and a statement writing
 * task_skips compiles its three count triggers with it. They are kept per connection now.
 */
describe('storing skip reasons', () => {
  it('compiles its statements once per connection, not once per store', () => {
    const paths = newHome();
    writeFastSettings(paths, { tickMs: 60_000 });
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    const engine = newEngine(paths);
    engines.push(engine);
    for (const title of ['runs', 'waits', 'also waits'])
      createTask(engine.db, { title, assignee: 'coder', status: 'ready' }, { name: 'test' });
    const pauseAndResume = (): string[] => {
      engine.setDispatcherEnabled(false);
      const paused = engine.runTick()?.skipChanged ?? [];
      engine.setDispatcherEnabled(true);
      return [...paused, ...(engine.runTick()?.skipChanged ?? [])];
    };
    engine.runTick();
    engine.runTick();
    expect(pauseAndResume().length).toBeGreaterThanOrEqual(4);

    const prepared = recordPrepared(engine.db);
    expect(pauseAndResume().length).toBeGreaterThanOrEqual(4);
    expect(prepared.filter((sql) => sql.includes('task_skips'))).toEqual([]);
  });
});
