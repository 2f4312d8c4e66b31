import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../electron/core/store/db/open';
import { createTask } from '../electron/core/commands/taskCommands';
import { eventsOf } from '../electron/core/store/events';
import { openRuns, runsOf } from '../electron/core/store/runs';
import { findTask, tasksWithStatus } from '../electron/core/store/tasks';
import { isProcessAlive } from '../electron/core/procfs';
import { CLI_ENTRY } from './helpers/cli';
import { waitFor, writeAgentProfile, writeFastSettings, zombieChildrenOf } from './helpers/engine';
import { useTempHomes } from './helpers/home';

const tempHome = useTempHomes();
const children: ChildProcess[] = [];

function startDispatcher(home: string): ChildProcess {
  const child = spawn(process.execPath, [CLI_ENTRY, 'dispatch', '--watch'], {
    env: { ...process.env, SWITCHYARD_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
});

describe('a dispatcher killed with SIGKILL while workers run', () => {
  it('adopts live workers on restart, retries lost ones, and leaves nothing running or done twice', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { failureLimit: 5, backoffBaseMs: 0, killGraceMs: 500 });
    // The workers end when the test says (the file `workDone`), not after fixed times (2.5 s, 1 s) that
    // a slow machine can outlast before the restart: the reporters must still run to be adopted, and
    // the victim to be killed.
    const workDone = path.join(paths.home, 'work-done');
    writeAgentProfile(paths, 'reporter', 'slow-report.mjs', {
      args: ['--until', workDone],
      completion: 'report',
      maxConcurrent: 3,
    });
    writeAgentProfile(paths, 'victim', 'wait-for-file.mjs', { args: [workDone, '0'] });
    const db: Db = openDatabase(paths.database);
    try {
      const reported = [1, 2, 3].map((n) =>
        createTask(db, { title: `report ${n}`, assignee: 'reporter' }, { name: 'test' }),
      );
      const victim = createTask(
        db,
        { title: 'worker dies with the app', assignee: 'victim' },
        { name: 'test' },
      );

      const first = startDispatcher(paths.home);
      await waitFor(
        () => tasksWithStatus(db, 'running').length === 4 && openRuns(db).every((run) => run.pid !== null),
        'four workers running',
      );
      first.kill('SIGKILL');
      await exited(first);
      const victimPid = runsOf(db, victim.id)[0]?.pid as number;
      process.kill(-victimPid, 'SIGKILL'); // its worker dies while no dispatcher watches
      await waitFor(() => !isProcessAlive(victimPid), 'the victim worker to die');
      const reporterPids = reported.map((task) => runsOf(db, task.id)[0]?.pid as number);
      expect(reporterPids.every((pid) => isProcessAlive(pid))).toBe(true);

      const second = startDispatcher(paths.home);
      await waitFor(
        () => reported.every((task) => eventsOf(db, task.id).some((event) => event.kind === 'adopted')),
        'the reporters adopted',
        30_000,
      );
      fs.writeFileSync(workDone, '');
      await waitFor(
        () => [...reported, victim].every((task) => findTask(db, task.id)?.status === 'done'),
        'every task done',
        // Three reports are three `switchyard complete` Node starts: seconds each on a loaded machine.
        60_000,
      );
      second.kill('SIGTERM');
      await exited(second);

      for (const task of reported) {
        const kinds = eventsOf(db, task.id).map((event) => event.kind);
        expect(kinds.filter((kind) => kind === 'spawned')).toHaveLength(1);
        expect(kinds).toContain('adopted');
        expect(kinds.filter((kind) => kind === 'completed')).toHaveLength(1);
        expect(runsOf(db, task.id).map((run) => run.outcome)).toEqual(['completed']);
      }
      // Killed with its waiter (the whole group), it left no exit status: `lost`, not a failure.
      const victimRuns = runsOf(db, victim.id);
      expect(victimRuns.map((run) => run.outcome)).toEqual(['lost', 'completed']);
      expect(victimRuns[0]?.error).toMatch(/without an exit status/);
      expect(findTask(db, victim.id)?.failureCount).toBe(0);
      expect(tasksWithStatus(db, 'running')).toHaveLength(0);
      expect(openRuns(db)).toHaveLength(0);
      const ids = db.prepare('SELECT id FROM events ORDER BY id').all() as { id: number }[];
      expect(
        ids.every((row, index) => index === 0 || row.id === (ids[index - 1] as { id: number }).id + 1),
      ).toBe(true);
      expect(zombieChildrenOf(process.pid)).toEqual([]);
    } finally {
      db.close();
    }
  }, 120_000);

  it('a second dispatcher process refuses and names the lease holder', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const first = startDispatcher(paths.home);
    const db = openDatabase(paths.database);
    try {
      await waitFor(
        () => db.prepare('SELECT 1 FROM dispatcher_lease').get(),
        'the first dispatcher to take the lease',
      );
      const second = spawn(process.execPath, [CLI_ENTRY, 'dispatch'], {
        env: { ...process.env, SWITCHYARD_HOME: paths.home },
      });
      let stderr = '';
      second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) =>
        second.once('exit', (exitCode) => resolve(exitCode)),
      );
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`another dispatcher holds the lease: .*pid ${first.pid}`));
      // Since when, written as the CLI writes times, not as the stored ISO.
      expect(stderr).toMatch(/since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)/);
      expect(stderr).not.toMatch(/\dT\d/);
    } finally {
      db.close();
    }
  });
});
