import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, EngineOptions } from '../electron/core/dispatch/engine';
import { createTask, moveTask } from '../electron/core/commands/taskCommands';
import { openDatabase } from '../electron/core/store/db/open';
import { eventsOf } from '../electron/core/store/events';
import { runsOf } from '../electron/core/store/runs';
import { findTask } from '../electron/core/store/tasks';
import {
  isProcessAlive,
  listChildProcesses,
  processStartTime,
  procfsAvailable,
  readCommandLine,
} from '../electron/core/procfs';
import { STANDBY_NAME, recordedWaiter, waiterPidPathOf } from '../electron/core/workers/exitStatus';
import type { HomePaths } from '../electron/core/config/home';
import { CLI_ENTRY } from './helpers/cli';
import { newEngine, tickUntil, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { useTempHomes } from './helpers/home';

/**
 * docs/architecture.md §5 "Starting workers off the event loop": an engine that starts its workers
 * through the spawner process. The tick claims; the pid and the `spawned` event come a moment later,
 * and nothing in between may be lost, counted twice or left running.
 */

const tempHome = useTempHomes();
const engines: Engine[] = [];
const processes: ChildProcess[] = [];

afterEach(async () => {
  for (const child of processes.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(engines.splice(0).map((engine) => engine.close({ stopWorkers: true })));
});

function spawnerEngine(paths: HomePaths, options: Partial<EngineOptions> = {}): Engine {
  const engine = newEngine(paths, true, { spawner: true, ...options });
  engines.push(engine);
  return engine;
}

describe.skipIf(!procfsAvailable)('an engine that starts workers through the spawner', () => {
  it('claims in the tick, announces `spawned` with the pid when the spawner answers, and counts the starting run against the lane limit', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const go = path.join(paths.home, 'go');
    writeAgentProfile(paths, 'one', 'wait-for-file.mjs', { args: [go, '0'], maxConcurrent: 1 });
    const engine = spawnerEngine(paths);
    const spawnedEvents: { taskId: string | null; pid: unknown }[] = [];
    engine.subscribe((change) => {
      if (change.type !== 'events') return;
      for (const event of change.events)
        if (event.kind === 'spawned') spawnedEvents.push({ taskId: event.taskId, pid: event.payload.pid });
    });
    const first = createTask(engine.db, { title: 'first', assignee: 'one' }, { name: 'test' });
    const second = createTask(engine.db, { title: 'second', assignee: 'one' }, { name: 'test' });

    const tick = engine.runTick();
    // The tick claimed the first task; its worker is still being started by the spawner.
    expect(tick?.spawned).toEqual([]);
    expect(findTask(engine.db, first.id)?.status).toBe('running');
    // Claimed but starting counts: the second waits for the lane's one slot.
    const next = engine.runTick();
    expect(next?.skipped.find((skip) => skip.taskId === second.id)?.reason).toBe('lane_at_capacity');
    expect(next?.stuck).toBe(false);

    await waitFor(() => spawnedEvents.length > 0, 'the spawned event');
    const run = runsOf(engine.db, first.id)[0];
    expect(spawnedEvents).toEqual([{ taskId: first.id, pid: run?.pid }]);
    expect(run?.pid).toBeGreaterThan(0);
    expect(isProcessAlive(run?.pid as number, run?.pidStartTime)).toBe(true);
    // Not this process's child: the spawner's.
    expect(listChildProcesses(process.pid).map((child) => child.pid)).not.toContain(run?.pid);

    fs.writeFileSync(go, '');
    await tickUntil(engine, () => findTask(engine.db, second.id)?.status === 'done', 'both done', 60_000);
    expect(runsOf(engine.db, first.id).map((each) => each.outcome)).toEqual(['completed']);
    expect(runsOf(engine.db, second.id).map((each) => each.outcome)).toEqual(['completed']);
  }, 90_000);

  it('a task moved away while its worker starts: the worker is stopped once it exists, never announced', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'slow', 'sleep.mjs', { args: ['60'] });
    const engine = spawnerEngine(paths);
    const task = createTask(engine.db, { title: 'moved', assignee: 'slow' }, { name: 'test' });
    engine.runTick();
    expect(findTask(engine.db, task.id)?.status).toBe('running');
    // A person moves it back while the spawner has not answered yet (the same tick's turn).
    moveTask(engine.db, task.id, 'todo', { name: 'test' });
    const run = await waitFor(() => runsOf(engine.db, task.id).find((each) => each.pid !== null), 'the pid');
    await waitFor(() => !isProcessAlive(run.pid as number), 'the worker stopped', 30_000);
    expect(eventsOf(engine.db, task.id).map((event) => event.kind)).not.toContain('spawned');
  }, 60_000);
});

describe('the spawner of an engine that dispatches', () => {
  it('is started by its first scheduled tick, not when the engine starts (serve listens first)', async () => {
    // Performance issue 17, target 7: the spawner's fork and boot took 30–100 ms of `serve`'s thread
    // before it listened; `serve` holds its first tick until a board has opened.
    const paths = tempHome();
    writeFastSettings(paths);
    const engine = spawnerEngine(paths, { firstTickDelayMs: 60 * 60_000 });
    const supervisor = (engine as unknown as { supervisor: { spawnerPid(): number | null } }).supervisor;
    let ticks = 0;
    engine.subscribe((change) => {
      if (change.type === 'tick') ticks++;
    });
    engine.start();
    expect(supervisor.spawnerPid()).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(supervisor.spawnerPid()).toBeNull();
    engine.wake();
    await waitFor(() => ticks > 0, 'the first tick');
    expect(supervisor.spawnerPid()).toBeGreaterThan(0);
  });
});

/** The unused standby waiter the spawner `spawnerPid` holds (spawner.ts), once there is one. */
function standbyOf(spawnerPid: number): Promise<number> {
  return waitFor(
    () =>
      listChildProcesses(spawnerPid).find((child) => readCommandLine(child.pid)?.includes(STANDBY_NAME))?.pid,
    'the standby',
    60_000,
  );
}

describe.skipIf(!procfsAvailable)('an engine whose spawner keeps a standby waiter', () => {
  it('starts the next worker on it; the next engine adopts that worker by pid and start time; no standby outlives its engine', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const go = path.join(paths.home, 'go');
    writeAgentProfile(paths, 'quick', 'exit-code.mjs', { args: ['0'] });
    writeAgentProfile(paths, 'held', 'wait-for-file.mjs', { args: [go, '0'] });
    const engine = spawnerEngine(paths);
    const quick = createTask(engine.db, { title: 'quick', assignee: 'quick' }, { name: 'test' });
    await tickUntil(engine, () => findTask(engine.db, quick.id)?.status === 'done', 'the first done', 60_000);
    const spawnerPid = await waitFor(
      () => listChildProcesses(process.pid).find((child) => readCommandLine(child.pid)?.includes('-e'))?.pid,
      'the spawner',
    );
    const standby = await standbyOf(spawnerPid);
    const standbyStart = processStartTime(standby);

    const held = createTask(engine.db, { title: 'held', assignee: 'held' }, { name: 'test' });
    const run = await waitFor(
      () => runsOf(engine.db, held.id).find((each) => each.pid !== null),
      'the pid',
      60_000,
    );
    expect(run).toMatchObject({ pid: standby, pidStartTime: standbyStart });
    expect(eventsOf(engine.db, held.id).map((event) => event.kind)).toContain('spawned');
    const logPath = run.logPath as string;
    await waitFor(() => recordedWaiter(logPath), 'its waiter running', 60_000);
    const next = await standbyOf(spawnerPid);

    // The app quits leaving its worker running: the spawner and its unused standby end with it.
    engines.splice(engines.indexOf(engine), 1);
    await engine.close({ stopWorkers: false });
    await waitFor(
      () => !isProcessAlive(spawnerPid) && !isProcessAlive(next),
      'spawner and standby gone',
      30_000,
    );
    expect(isProcessAlive(standby, standbyStart)).toBe(true);

    const restarted = spawnerEngine(paths);
    restarted.runTick();
    expect(runsOf(restarted.db, held.id)).toMatchObject([
      { pid: standby, pidStartTime: standbyStart, endedAt: null },
    ]);
    expect(eventsOf(restarted.db, held.id).map((event) => event.kind)).toContain('adopted');
    fs.writeFileSync(go, '');
    await tickUntil(restarted, () => findTask(restarted.db, held.id)?.status === 'done', 'done', 60_000);
    expect(runsOf(restarted.db, held.id).map((each) => each.outcome)).toEqual(['completed']);
    expect(isProcessAlive(standby)).toBe(false);
  }, 180_000);
});

describe.skipIf(!procfsAvailable)('a dispatcher killed between the claim and the pid', () => {
  it('loses nothing: the worker the spawner started after the kill is adopted from its pid file — no lost run, no second run, no orphan', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const go = path.join(paths.home, 'go');
    writeAgentProfile(paths, 'late', 'wait-for-file.mjs', { args: [go, '0'] });
    const db = openDatabase(paths.database);
    try {
      const dispatcher = spawn(process.execPath, [CLI_ENTRY, 'dispatch', '--watch'], {
        env: { ...process.env, SWITCHYARD_HOME: paths.home },
        stdio: 'ignore',
      });
      processes.push(dispatcher);
      // Its spawner (a Node run with -e), started by its first tick.
      const spawnerPid = await waitFor(
        () =>
          listChildProcesses(dispatcher.pid as number).find((child) =>
            readCommandLine(child.pid)?.includes('-e'),
          )?.pid,
        'the spawner',
        60_000,
      );
      // Held: the request reaches it, but it answers nothing until the dispatcher is gone.
      process.kill(spawnerPid, 'SIGSTOP');
      const task = createTask(db, { title: 'late start', assignee: 'late' }, { name: 'test' });
      const claimed = await waitFor(() => runsOf(db, task.id)[0], 'the claim', 60_000);
      expect(claimed.pid).toBeNull();
      // The engine opens the run's log and sends the request in the same turn; let that turn end
      // (killed before the send, nothing starts: the run is simply lost, a case tested elsewhere).
      await waitFor(() => fs.existsSync(claimed.logPath as string), 'the log opened for the start', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      dispatcher.kill('SIGKILL');
      await new Promise((resolve) =>
        dispatcher.exitCode !== null || dispatcher.signalCode !== null
          ? resolve(null)
          : dispatcher.once('exit', resolve),
      );
      // Now the spawner reads the request, starts the worker and ends (its channel is closed).
      process.kill(spawnerPid, 'SIGCONT');
      const logPath = runsOf(db, task.id)[0]?.logPath as string;
      const worker = await waitFor(
        () => recordedWaiter(logPath),
        'the worker started after the kill',
        60_000,
      );
      expect(fs.existsSync(waiterPidPathOf(logPath))).toBe(true);
      await waitFor(() => !isProcessAlive(spawnerPid), 'the spawner gone with its dispatcher', 30_000);
      expect(runsOf(db, task.id)[0]?.pid).toBeNull();

      // The next dispatcher adopts it instead of closing the run as lost and starting it again.
      const engine = newEngine(paths);
      engines.push(engine);
      engine.runTick();
      const runs = runsOf(engine.db, task.id);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ pid: worker.pid, pidStartTime: worker.startTime, endedAt: null });
      expect(findTask(engine.db, task.id)?.status).toBe('running');
      expect(eventsOf(engine.db, task.id).map((event) => event.kind)).toContain('adopted');
      expect(eventsOf(engine.db, task.id).map((event) => event.kind)).not.toContain('lost');

      fs.writeFileSync(go, '');
      await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'done', 'done', 60_000);
      expect(runsOf(engine.db, task.id).map((run) => run.outcome)).toEqual(['completed']);
      expect(isProcessAlive(worker.pid)).toBe(false);
    } finally {
      db.close();
    }
  }, 180_000);
});
