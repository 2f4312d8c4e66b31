import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createTask } from '../electron/core/commands/taskCommands';
import type { Engine } from '../electron/core/dispatch/engine';
import { procfsAvailable } from '../electron/core/procfs';
import { openRuns } from '../electron/core/store/runs';
import { LOW_PRIORITY_NICE_INCREMENT, autogroupNiceOf } from '../electron/core/workers/supervisor';
import { newEngine, tickUntil, waitFor, writeAgentProfile } from './helpers/engine';
import { useTempHomes } from './helpers/home';

/**
 * Performance issue 6, target 5: workers run at a lower CPU priority so the app stays responsive
 * when many write flat out; settings.json `dispatcher.workerPriority` says which, read at each spawn.
 */

const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

/** `/proc/<pid>/stat` field 19. */
function nicenessOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.runIf(procfsAvailable)('worker CPU priority from settings.json', () => {
  it('spawns at low priority by default and at the app’s own with "normal", after an edit', async () => {
    const paths = tempHome();
    const writeSettings = (workerPriority?: string): void =>
      fs.writeFileSync(paths.settingsFile, JSON.stringify({ dispatcher: { tickMs: 100, workerPriority } }));
    writeSettings(undefined);
    writeAgentProfile(paths, 'sleeper', 'sleep.mjs', { args: ['30'], maxConcurrent: 2 });
    const engine = newEngine(paths);
    engines.push(engine);
    const spawned = async (count: number): Promise<number> => {
      await tickUntil(
        engine,
        () => openRuns(engine.db).filter((run) => run.pid !== null).length === count,
        `${count} worker(s) running`,
      );
      const pid = openRuns(engine.db).at(-1)?.pid as number;
      // A low one starts as `nice`, which lowers itself and then execs the agent: look after that.
      await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'nice', 'the exec');
      return pid;
    };

    createTask(engine.db, { title: 'default', assignee: 'sleeper' }, { name: 'test' });
    const lowPid = await spawned(1);
    expect(nicenessOf(lowPid)).toBe(Math.min(19, os.getPriority() + LOW_PRIORITY_NICE_INCREMENT));
    const ownGroup = autogroupNiceOf('self');
    if (ownGroup !== null) {
      expect(autogroupNiceOf(lowPid)).toBe(Math.min(19, ownGroup + LOW_PRIORITY_NICE_INCREMENT));
    }

    writeSettings('normal');
    // The engine notices settings.json changes at its next tick; a tick with nothing to do first.
    engine.runTick();
    createTask(engine.db, { title: 'normal', assignee: 'sleeper' }, { name: 'test' });
    const normalPid = await spawned(2);
    expect(normalPid).not.toBe(lowPid);
    expect(nicenessOf(normalPid)).toBe(os.getPriority());
    if (ownGroup !== null) expect(autogroupNiceOf(normalPid)).toBe(0);
  });
});
