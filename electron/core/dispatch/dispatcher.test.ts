import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assignTask, createTask, moveTask } from '../commands/taskCommands';
import type { Engine } from './engine';
import { eventsOf } from '../store/events';
import { runsOf } from '../store/runs';
import { findTask } from '../store/tasks';
import {
  GRANDCHILD_REPORT_WAIT_MS,
  HELD_CLOCK_TEST_TIMEOUT_MS,
  heldClock,
} from '../../../test/helpers/heldClock';
import { useTempHomes } from '../../../test/helpers/home';
import {
  AGENTS,
  editHomeFiles,
  newEngine,
  tickUntil,
  waitFor,
  writeAgentProfile,
  writeFastSettings,
  zombieChildrenOf,
} from '../../../test/helpers/engine';
import { isProcessAlive } from '../procfs';

const actor = { name: 'test' };
const tempHome = useTempHomes();
const engines: Engine[] = [];

function start(
  paths: ReturnType<typeof tempHome>,
  dispatch = true,
  options: Parameters<typeof newEngine>[2] = {},
): Engine {
  const engine = newEngine(paths, dispatch, options);
  engines.push(engine);
  return engine;
}

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

describe('terminal lanes (the bug this product exists to get right)', () => {
  it('never claims, spawns or fails a ready task on a terminal lane, across 100 ticks and dry runs', () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const engine = start(paths);
    const task = createTask(engine.db, { title: 'Review PR', assignee: 'orion-cc' }, actor);
    for (let tick = 0; tick < 100; tick++) {
      const dry = engine.dryRun();
      expect(dry.spawned).toHaveLength(0);
      const result = engine.runTick();
      expect(result?.spawned).toHaveLength(0);
      expect(result?.skipped).toEqual([
        expect.objectContaining({ taskId: task.id, reason: 'terminal_lane' }),
      ]);
      // Stored (and reported to the UI) once, on the first tick; never rewritten after.
      expect(result?.skipChanged).toEqual(tick === 0 ? [task.id] : []);
    }
    const after = findTask(engine.db, task.id);
    expect(after).toMatchObject({
      status: 'ready',
      claimOwner: null,
      claimExpiresAt: null,
      currentRunId: null,
      failureCount: 0,
      skipReason: 'terminal_lane',
    });
    expect(after?.skipDetail).toContain('terminal lane — waiting for `switchyard claim`');
    expect(runsOf(engine.db, task.id)).toHaveLength(0);
    expect(eventsOf(engine.db, task.id).map((event) => event.kind)).toEqual(['created']);
    expect(engine.dispatcherState().stuck).toBe(false);
  });

  it('keeps unassigned and terminal buckets apart, and skipped tasks use no capacity', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { globalMaxConcurrent: 1 });
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['0.3'] });
    const engine = start(paths);
    const terminal = [1, 2, 3].map((n) =>
      createTask(engine.db, { title: `terminal ${n}`, assignee: 'orion-cc', priority: 10 }, actor),
    );
    const unassigned = createTask(engine.db, { title: 'nobody', priority: 10 }, actor);
    const work = createTask(engine.db, { title: 'real work', assignee: 'coder', priority: 0 }, actor);
    const result = engine.runTick();
    expect(result?.spawned.map((spawn) => spawn.taskId)).toEqual([work.id]);
    const byReason = (reason: string) =>
      result?.skipped
        .filter((skip) => skip.reason === reason)
        .map((skip) => skip.taskId)
        .sort();
    expect(byReason('terminal_lane')).toEqual(terminal.map((task) => task.id).sort());
    expect(byReason('unassigned')).toEqual([unassigned.id]);
    expect(result?.skippedCounts).toMatchObject({ terminal_lane: 3, unassigned: 1, global_at_capacity: 0 });
    await tickUntil(engine, () => findTask(engine.db, work.id)?.status === 'done', 'the worker to finish');
  });

  it('treats Orion-CC and orion-cc as the same lane', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'orion-cc', 'exit0.mjs');
    const engine = start(paths);
    const task = createTask(engine.db, { title: 'mixed case', assignee: 'Orion-CC' }, actor);
    expect(task.assignee).toBe('orion-cc');
    const result = engine.runTick();
    expect(result?.spawned.map((spawn) => spawn.lane)).toEqual(['orion-cc']);
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'done', 'completion');
  });
});

describe('profiles', () => {
  it('makes a lane spawnable at the tick after its profile folder appears', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const engine = start(paths);
    const task = createTask(engine.db, { title: 'later', assignee: 'coder' }, actor);
    expect(engine.runTick()?.skipped[0]?.reason).toBe('terminal_lane');
    // Heard through the watchers, in a turn of the event loop (as between the engine's own ticks).
    await editHomeFiles(engine, () => writeAgentProfile(paths, 'coder', 'exit0.mjs'));
    expect(engine.runTick()?.spawned.map((spawn) => spawn.taskId)).toEqual([task.id]);
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'done', 'completion');
  });

  it('never spawns a broken profile and says exactly what is wrong', () => {
    const paths = tempHome();
    writeFastSettings(paths);
    fs.mkdirSync(path.join(paths.profiles, 'badjson'), { recursive: true });
    fs.writeFileSync(path.join(paths.profiles, 'badjson', 'profile.json'), '{ "command": [');
    fs.mkdirSync(path.join(paths.profiles, 'noprog'), { recursive: true });
    fs.writeFileSync(
      path.join(paths.profiles, 'noprog', 'profile.json'),
      JSON.stringify({ command: ['definitely-not-installed-agent', '{prompt}'] }),
    );
    const engine = start(paths);
    const bad = createTask(engine.db, { title: 'bad json', assignee: 'badjson' }, actor);
    const missing = createTask(engine.db, { title: 'missing program', assignee: 'noprog' }, actor);
    for (let tick = 0; tick < 20; tick++) expect(engine.runTick()?.spawned).toHaveLength(0);
    expect(findTask(engine.db, bad.id)).toMatchObject({
      skipReason: 'profile_broken',
      failureCount: 0,
      status: 'ready',
    });
    expect(findTask(engine.db, bad.id)?.skipDetail).toMatch(/profile `badjson`: profile\.json: invalid JSON/);
    expect(findTask(engine.db, missing.id)?.skipDetail).toBe(
      'profile `noprog`: `definitely-not-installed-agent` not found on PATH',
    );
    expect(runsOf(engine.db, bad.id)).toHaveLength(0);
    expect(runsOf(engine.db, missing.id)).toHaveLength(0);
    expect(engine.dispatcherState().stuck).toBe(false);
  });
});

describe('failures', () => {
  it('spawns a crash-looping worker exactly failureLimit times with growing backoff, then gives up', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { failureLimit: 3, backoffBaseMs: 100, backoffMaxMs: 10_000 });
    writeAgentProfile(paths, 'crashy', 'exit1.mjs');
    const engine = start(paths);
    const task = createTask(engine.db, { title: 'doomed', assignee: 'crashy' }, actor);
    const delays: number[] = [];
    await tickUntil(
      engine,
      () => {
        const current = findTask(engine.db, task.id);
        if (current?.status === 'ready' && current.nextAttemptAt && delays.length < current.failureCount) {
          delays.push(current.nextAttemptAt - current.updatedAt);
        }
        return current?.status === 'blocked';
      },
      'the task to give up',
    );
    const final = findTask(engine.db, task.id);
    expect(final?.failureCount).toBe(3);
    expect(final?.blockReason).toMatch(/gave up after 3 failures: exited with code 1/);
    expect(runsOf(engine.db, task.id).map((run) => run.outcome)).toEqual(['crashed', 'crashed', 'crashed']);
    expect(delays).toEqual([100, 200]);
    expect(eventsOf(engine.db, task.id).filter((event) => event.kind === 'spawned')).toHaveLength(3);
    expect(eventsOf(engine.db, task.id).some((event) => event.kind === 'gave_up')).toBe(true);
    for (let tick = 0; tick < 10; tick++) expect(engine.runTick()?.spawned).toHaveLength(0);
    expect(zombieChildrenOf(process.pid)).toEqual([]);
  });

  it('counts a spawn error as a failure', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { failureLimit: 2 });
    writeAgentProfile(paths, 'coder', 'exit0.mjs');
    const engine = start(paths);
    const task = createTask(
      engine.db,
      { title: 'nowhere', assignee: 'coder', workspace: 'dir:/definitely/not/here' },
      actor,
    );
    const first = engine.runTick();
    expect(first?.spawnFailed[0]?.error).toMatch(/not a directory/);
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'blocked', 'give up');
    expect(runsOf(engine.db, task.id).map((run) => run.outcome)).toEqual(['spawn_failed', 'spawn_failed']);
  });

  it(
    'kills a worker that outlives its max runtime, and one that ignores SIGTERM, with their grandchildren',
    async () => {
      const paths = tempHome();
      writeFastSettings(paths, { failureLimit: 1 });
      writeAgentProfile(paths, 'stubborn', 'fork-grandchild.mjs', {
        args: ['ignore-term'],
        maxRuntimeSeconds: 1,
      });
      const clock = heldClock();
      const engine = start(paths, true, { workerClock: clock.now });
      const task = createTask(engine.db, { title: 'runs forever', assignee: 'stubborn' }, actor);
      const spawned = engine.runTick()?.spawned[0];
      expect(spawned?.pid).toBeGreaterThan(0);
      const logPath = runsOf(engine.db, task.id)[0]?.logPath as string;
      const grandchild = await waitFor(
        // The grandchild's own line (its SIGTERM handler is in place), not the worker's "started grandchild".
        () => /^grandchild (\d+)$/m.exec(fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '')?.[1],
        'the grandchild to report its pid',
        GRANDCHILD_REPORT_WAIT_MS,
      );
      clock.release();
      await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'blocked', 'timeout', 20_000);
      expect(runsOf(engine.db, task.id)[0]?.outcome).toBe('timed_out');
      expect(isProcessAlive(spawned?.pid as number)).toBe(false);
      expect(isProcessAlive(Number(grandchild))).toBe(false);
      expect(fs.readFileSync(logPath, 'utf8')).toContain(`${grandchild}: ignoring SIGTERM`);
    },
    HELD_CLOCK_TEST_TIMEOUT_MS,
  );
});

describe('health', () => {
  it('reports stuck only when spawnable work sits idle, and never for terminal, paused, backoff or full lanes', async () => {
    const paths = tempHome();
    writeFastSettings(paths, {
      globalMaxConcurrent: 1,
      backoffBaseMs: 60_000,
      backoffMaxMs: 60_000,
      stuckTicks: 3,
    });
    writeAgentProfile(paths, 'busy', 'sleep.mjs', { args: ['30'] });
    writeAgentProfile(paths, 'paused', 'exit0.mjs');
    const engine = start(paths);
    createTask(engine.db, { title: 'terminal', assignee: 'orion-cc' }, actor);
    createTask(engine.db, { title: 'occupies capacity', assignee: 'busy', priority: 5 }, actor);
    createTask(engine.db, { title: 'waits for capacity', assignee: 'busy' }, actor);
    engine.setLanePaused('paused', true);
    createTask(engine.db, { title: 'paused lane', assignee: 'paused' }, actor);
    for (let tick = 0; tick < 20; tick++) expect(engine.runTick()?.stuck).toBe(false);
    expect(engine.dispatcherState().stuck).toBe(false);
  });

  it('reports stuck when a spawnable task keeps failing to start without backoff', () => {
    const paths = tempHome();
    writeFastSettings(paths, { failureLimit: 1000, stuckTicks: 4 });
    writeAgentProfile(paths, 'coder', 'exit0.mjs');
    const engine = start(paths);
    createTask(
      engine.db,
      { title: 'cannot start', assignee: 'coder', workspace: 'dir:/definitely/not/here' },
      actor,
    );
    const stuckFlags = Array.from({ length: 6 }, () => engine.runTick()?.stuck);
    expect(stuckFlags).toEqual([false, false, false, true, true, true]);
  });
});

describe('workers', () => {
  it('hands task text with shell metacharacters to the worker verbatim, never through a shell', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const outFile = path.join(paths.home, 'echo.json');
    writeAgentProfile(paths, 'echo', 'echo-args.mjs', { env: { OUT_FILE: outFile } });
    fs.writeFileSync(
      path.join(paths.profiles, 'echo', 'profile.json'),
      JSON.stringify({
        command: [process.execPath, path.join(AGENTS, 'echo-args.mjs'), '{taskId}', '{prompt}'],
        env: { OUT_FILE: outFile },
      }),
    );
    const engine = start(paths);
    const hostile = 'Fix $(rm -rf ~) `whoami` "quoted" \'single\' ; | & > /tmp/x';
    const body = 'line one\nline two $HOME\n';
    const task = createTask(engine.db, { title: hostile, body, assignee: 'echo' }, actor);
    engine.runTick();
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'done', 'echo worker');
    const seen = JSON.parse(fs.readFileSync(outFile, 'utf8')) as {
      argv: string[];
      env: Record<string, string>;
      cwd: string;
    };
    expect(seen.argv[0]).toBe(task.id);
    expect(seen.argv).toHaveLength(2);
    expect(seen.argv[1]).toContain(`# ${hostile}`);
    expect(seen.argv[1]).toContain(body.trim());
    expect(seen.env).toMatchObject({
      SWITCHYARD_TASK: task.id,
      SWITCHYARD_HOME: paths.home,
      SWITCHYARD_BOARD: 'default',
    });
    expect(seen.cwd).toBe(path.join(paths.workspaces, task.id));
  });

  it('lets a report-mode worker complete through the CLI, and refuses it another task', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const engine = start(paths);
    const other = createTask(engine.db, { title: 'not yours' }, actor);
    writeAgentProfile(paths, 'reporter', 'report.mjs', {
      completion: 'report',
      env: { SWITCHYARD_AGENT_ACTION: `complete --summary all-good` },
    });
    const task = createTask(engine.db, { title: 'report back', assignee: 'reporter' }, actor);
    engine.runTick();
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'done', 'reported completion');
    expect(findTask(engine.db, task.id)?.result).toBe('all-good');
    expect(runsOf(engine.db, task.id)[0]?.outcome).toBe('completed');

    writeAgentProfile(paths, 'sneaky', 'report.mjs', {
      completion: 'report',
      env: { SWITCHYARD_AGENT_ACTION: `complete ${other.id}` },
    });
    const sneaky = createTask(engine.db, { title: 'tries another task', assignee: 'sneaky' }, actor);
    await tickUntil(
      engine,
      () => (findTask(engine.db, sneaky.id)?.failureCount ?? 0) > 0,
      'the refused report',
    );
    expect(findTask(engine.db, other.id)?.status).toBe('ready');
  });

  it('treats exit 0 without a report as a failure for report-mode profiles', async () => {
    const paths = tempHome();
    writeFastSettings(paths, { failureLimit: 1 });
    writeAgentProfile(paths, 'quiet', 'exit0.mjs', { completion: 'report' });
    const engine = start(paths);
    const task = createTask(engine.db, { title: 'forgets to report', assignee: 'quiet' }, actor);
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'blocked', 'give up');
    expect(runsOf(engine.db, task.id)[0]?.error).toMatch(/without reporting/);
  });

  it('stops the worker when a person moves its task out of running', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'slow', 'sleep.mjs', { args: ['30'] });
    const engine = start(paths);
    const task = createTask(engine.db, { title: 'slow', assignee: 'slow' }, actor);
    const pid = engine.runTick()?.spawned[0]?.pid as number;
    moveTask(engine.db, task.id, 'blocked', actor);
    await tickUntil(engine, () => !isProcessAlive(pid), 'the worker to stop');
    expect(findTask(engine.db, task.id)?.status).toBe('blocked');
    expect(runsOf(engine.db, task.id)[0]?.outcome).toBe('stopped');
    expect(() => assignTask(engine.db, task.id, 'other', actor)).not.toThrow();
  });
});

describe('lease', () => {
  it('refuses a second dispatcher on the same database and names the holder', () => {
    const paths = tempHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'coder', 'exit0.mjs');
    const first = start(paths);
    expect(first.runTick()).not.toBeNull();
    const second = start(paths);
    createTask(second.db, { title: 'only one may take me', assignee: 'coder' }, actor);
    expect(second.runTick()).toBeNull();
    const state = second.dispatcherState();
    expect(state.active).toBe(false);
    expect(state.leaseHolder).toContain(`pid ${process.pid}`);
  });
});
