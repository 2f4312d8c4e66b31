import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../shared/dispatch';
import { createTask } from '../electron/core/commands/taskCommands';
import { openDatabase } from '../electron/core/store/db/open';
import { eventsOf } from '../electron/core/store/events';
import { setLanePausedRow } from '../electron/core/store/laneSettings';
import { openRuns, runsOf } from '../electron/core/store/runs';
import { findTask } from '../electron/core/store/tasks';
import { isProcessAlive } from '../electron/core/procfs';
import { CLI_ENTRY, runCli } from './helpers/cli';
import { waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { useTempHomes } from './helpers/home';

/**
 * Issue 20: a dispatcher restart is never the task's failure. Workers that end while no dispatcher
 * runs are settled at the next start with the exit status their waiter recorded; only a worker that
 * left none (SIGKILLed together with its waiter) is `lost`: back to ready, no failure counted.
 * Real processes throughout: `switchyard dispatch --watch` SIGKILLed, then `switchyard dispatch`.
 */

const tempHome = useTempHomes();
const dispatchers: ChildProcess[] = [];

afterEach(() => {
  for (const child of dispatchers.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('a worker that ends while no dispatcher runs', () => {
  it('is settled at the restart with its own status: exit 3 crashed (one failure), exit 0 done, a report kept, no status lost', async () => {
    const paths = tempHome();
    // A long backoff: the crashed task stays ready (in backoff) instead of running again.
    writeFastSettings(paths, { failureLimit: 5, backoffBaseMs: 600_000, backoffMaxMs: 600_000 });
    const go = path.join(paths.home, 'go');
    writeAgentProfile(paths, 'three', 'wait-for-file.mjs', { args: [go, '3'] });
    writeAgentProfile(paths, 'zero', 'wait-for-file.mjs', { args: [go, '0'] });
    writeAgentProfile(paths, 'reporter', 'slow-report.mjs', { args: ['1200'], completion: 'report' });
    writeAgentProfile(paths, 'killed', 'sleep.mjs', { args: ['60'] });
    const db = openDatabase(paths.database);
    try {
      const lanes = ['three', 'zero', 'reporter', 'killed'] as const;
      const create = (lane: string) =>
        createTask(db, { title: `on ${lane}`, assignee: lane }, { name: 'test' });
      const task = {
        three: create('three'),
        zero: create('zero'),
        reporter: create('reporter'),
        killed: create('killed'),
      };

      const first = spawn(process.execPath, [CLI_ENTRY, 'dispatch', '--watch'], {
        env: { ...process.env, SWITCHYARD_HOME: paths.home },
        stdio: 'ignore',
      });
      dispatchers.push(first);
      await waitFor(
        () => lanes.every((lane) => runsOf(db, task[lane].id)[0]?.pid),
        'four workers spawned',
        60_000,
      );
      first.kill('SIGKILL');
      await exited(first);
      const pidOf = (lane: (typeof lanes)[number]) => runsOf(db, task[lane].id)[0]?.pid as number;

      // Now, with no dispatcher: two workers end on their own, one reports and ends, one is killed
      // together with its waiter (the whole process group: nothing can record how it ended).
      fs.writeFileSync(go, '');
      process.kill(-pidOf('killed'), 'SIGKILL');
      await waitFor(
        () => lanes.every((lane) => !isProcessAlive(pidOf(lane))),
        'every worker to end while no dispatcher runs',
        // The reporter's `switchyard complete` is a Node start: seconds on a loaded 2-core machine.
        60_000,
      );
      expect(findTask(db, task.three.id)?.status).toBe('running');
      expect(findTask(db, task.reporter.id)?.status).toBe('done'); // it reported before it ended
      // The lost task would be spawned again at once: its lane is paused so it can be seen ready.
      setLanePausedRow(db, 'killed', true);

      const restart = await runCli(paths.home, ['dispatch', '--json'], { timeoutMs: 45_000 });
      expect(restart.code, restart.stderr).toBe(0);
      const tick = JSON.parse(restart.stdout) as DispatchResult;
      expect(tick.crashed.map((crash) => crash.taskId)).toEqual([task.three.id]);
      expect(tick.completed).toEqual([task.zero.id]);
      expect(tick.lost).toEqual([task.killed.id]);
      expect(tick.spawned).toEqual([]);

      const three = findTask(db, task.three.id);
      expect(three).toMatchObject({ status: 'ready', failureCount: 1 });
      expect(runsOf(db, task.three.id)).toEqual([
        expect.objectContaining({ outcome: 'crashed', exitCode: 3, signal: null }),
      ]);
      expect(three?.lastError).toMatch(/^exited with code 3/);

      expect(findTask(db, task.zero.id)).toMatchObject({ status: 'done', failureCount: 0 });
      expect(runsOf(db, task.zero.id)).toEqual([
        expect.objectContaining({ outcome: 'completed', exitCode: 0 }),
      ]);

      expect(findTask(db, task.reporter.id)).toMatchObject({ status: 'done', failureCount: 0 });
      expect(runsOf(db, task.reporter.id).map((run) => run.outcome)).toEqual(['completed']);
      expect(eventsOf(db, task.reporter.id).filter((event) => event.kind === 'completed')).toHaveLength(1);

      const killed = findTask(db, task.killed.id);
      expect(killed).toMatchObject({
        status: 'ready',
        failureCount: 0,
        currentRunId: null,
        claimOwner: null,
      });
      expect(runsOf(db, task.killed.id)).toEqual([
        expect.objectContaining({ outcome: 'lost', exitCode: null, signal: null }),
      ]);
      expect(eventsOf(db, task.killed.id).map((event) => event.kind)).toContain('lost');
      expect(eventsOf(db, task.killed.id).map((event) => event.kind)).not.toContain('crashed');
      expect(openRuns(db)).toEqual([]);

      // `switchyard show` names the outcome.
      const shown = await runCli(paths.home, ['show', task.killed.id], { timeoutMs: 45_000 });
      expect(shown.stdout).toMatch(/^ {2}1\. killed .* lost .*— the worker ended without an exit status/m);
      expect(shown.stdout).toMatch(/worker lost: the worker ended without an exit status.* — back to ready/);
    } finally {
      db.close();
    }
  }, 180_000);
});
