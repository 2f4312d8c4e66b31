import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as commands from '../../electron/core/commands/taskCommands';
import { openDatabase } from '../../electron/core/store/db/open';
import { liveProcessGroupMembers } from '../../electron/core/procfs';
import { openRuns, runsOf } from '../../electron/core/store/runs';
import { tasksWithStatus } from '../../electron/core/store/tasks';
import {
  newEngine,
  tickUntil,
  waitFor,
  writeAgentProfile,
  writeFastSettings,
  zombieChildrenOf,
} from '../helpers/engine';
import { GRANDCHILD_REPORT_WAIT_MS, HELD_CLOCK_TEST_TIMEOUT_MS, heldClock } from '../helpers/heldClock';
import { useTempHomes } from '../helpers/home';

/**
 * docs/architecture.md §5 worker hygiene at the engine level (the supervisor's own tests cover stop and timeout of
 * single workers): engine.close({ stopWorkers: true }) and timeouts end whole process groups —
 * grandchildren, SIGTERM-ignorers and workers without stdout included — and leave no zombie.
 */

const tempHome = useTempHomes();

function killGroups(groups: number[]): void {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

describe('worker hygiene through the engine', () => {
  it('close({ stopWorkers: true }) ends every process of every worker group, and their runs', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { killGraceMs: 500, globalMaxConcurrent: 8 });
    writeAgentProfile(paths, 'forker', 'fork-grandchild.mjs', { args: ['grandchild-ignores-term'] });
    writeAgentProfile(paths, 'forker-stubborn', 'fork-grandchild.mjs', { args: ['ignore-term'] });
    writeAgentProfile(paths, 'stubborn', 'ignore-term.mjs');
    writeAgentProfile(paths, 'quiet', 'close-stdout.mjs', { args: ['120'] });
    const engine = newEngine(paths);
    const lanes = ['forker', 'forker-stubborn', 'stubborn', 'quiet'];
    const ids = lanes.map(
      (lane) => commands.createTask(engine.db, { title: lane, assignee: lane }, { name: 'test' }).id,
    );
    let groups: number[] = [];
    try {
      await tickUntil(
        engine,
        () => tasksWithStatus(engine.db, 'running').length === 4,
        'four workers running',
      );
      groups = ids.map((id) => runsOf(engine.db, id)[0]?.pid as number);
      // Wait until the grandchildren run and the SIGTERM handlers are installed.
      await waitFor(
        () =>
          ids.every((id) => {
            const log = runsOf(engine.db, id)[0]?.logPath;
            const text = log && fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
            return /grandchild \d+|ready|closing stdout/.test(text);
          }),
        'workers ready',
      );
      expect(liveProcessGroupMembers(groups[0] as number).length).toBeGreaterThanOrEqual(2);
      await engine.close({ stopWorkers: true });
      for (const [index, group] of groups.entries()) {
        expect(
          liveProcessGroupMembers(group).map((member) => `${member.pid} ${member.command}`),
          lanes[index],
        ).toEqual([]);
      }
      expect(zombieChildrenOf(process.pid)).toEqual([]);
      const db = openDatabase(paths.database);
      try {
        // Stopping is not a failure and must not start the tasks again while the others stop.
        expect(db.prepare('SELECT outcome, count(*) AS n FROM runs GROUP BY outcome').all()).toEqual([
          { outcome: 'stopped', n: 4 },
        ]);
        expect(
          tasksWithStatus(db, 'ready')
            .map((task) => task.id)
            .sort(),
        ).toEqual([...ids].sort());
        expect(tasksWithStatus(db, 'running')).toEqual([]);
        expect(openRuns(db)).toEqual([]);
        expect(db.prepare('SELECT count(*) AS n FROM dispatcher_lease').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    } finally {
      killGroups(groups);
      await engine.close({ stopWorkers: true });
    }
  }, 40_000);

  it(
    'a timeout kills the whole group: a worker that dies on SIGTERM leaves no grandchild that ignores it',
    async () => {
      const paths = tempHome();
      writeFastSettings(paths, { killGraceMs: 500, failureLimit: 1 });
      writeAgentProfile(paths, 'forker', 'fork-grandchild.mjs', {
        args: ['grandchild-ignores-term'],
        maxRuntimeSeconds: 1,
      });
      const clock = heldClock();
      const engine = newEngine(paths, true, { workerClock: clock.now });
      const task = commands.createTask(
        engine.db,
        { title: 'times out', assignee: 'forker' },
        { name: 'test' },
      );
      let group = 0;
      try {
        await tickUntil(engine, () => runsOf(engine.db, task.id)[0]?.pid != null, 'the worker to start');
        group = runsOf(engine.db, task.id)[0]?.pid as number;
        // The runtime runs out only once the grandchild (which ignores SIGTERM) is there to be left behind.
        const logPath = runsOf(engine.db, task.id)[0]?.logPath as string;
        const log = () => (fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '');
        await waitFor(
          () => /^grandchild \d+$/m.test(log()),
          'the grandchild to report its pid',
          GRANDCHILD_REPORT_WAIT_MS,
        );
        clock.release();
        await tickUntil(engine, () => runsOf(engine.db, task.id)[0]?.endedAt != null, 'the timeout', 20_000);
        expect(runsOf(engine.db, task.id)[0]?.outcome).toBe('timed_out');
        await waitFor(() => liveProcessGroupMembers(group).length === 0, 'the group to be gone', 5_000).catch(
          () => undefined,
        );
        expect(liveProcessGroupMembers(group).map((member) => `${member.pid} ${member.command}`)).toEqual([]);
        expect(zombieChildrenOf(process.pid)).toEqual([]);
      } finally {
        if (group) killGroups([group]);
        await engine.close({ stopWorkers: true });
      }
    },
    HELD_CLOCK_TEST_TIMEOUT_MS,
  );
});
