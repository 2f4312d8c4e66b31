import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GRANDCHILD_REPORT_WAIT_MS,
  HELD_CLOCK_TEST_TIMEOUT_MS,
  heldClock,
} from '../../../test/helpers/heldClock';
import { agentArgv, useProcessSandbox, waitFor } from '../../../test/helpers/processes';
import {
  isProcessAlive,
  listChildProcesses,
  procfsAvailable,
  readCommandLine,
  readProcStat,
} from '../procfs';
import { Supervisor, type SpawnRequest, type SupervisorOptions, type WorkerExit } from './supervisor';
import { STANDBY_NAME, recordedWaiter, waiterPidPathOf } from './exitStatus';
import { appendAll } from '../../../shared/arrays';

/**
 * docs/architecture.md §5 "Starting workers off the event loop": workers started through the
 * spawner process (spawner.ts) with real processes — exits, stops, timeouts, the group kill, a
 * spawner killed mid-way, a spawner that never answers — each both ways the spawner starts one:
 * forked, and on the standby waiter it forked ahead (§5 "A standby waiter").
 */

const sandbox = useProcessSandbox('switchyard-spawner-');
const supervisors: Supervisor[] = [];

/** Every standby seen in this file: none may outlive its spawner (checked after each test). */
const standbysSeen = new Set<number>();

afterEach(async () => {
  const all = supervisors.splice(0);
  await Promise.all(all.map((supervisor) => supervisor.stopAll()));
  for (const supervisor of all) supervisor.close();
  // A spawner closed or killed takes its unused standby with it (end of its input, or SIGKILL).
  await waitFor('no standby left behind', () => [...standbysSeen].every((pid) => !isStandby(pid)));
  standbysSeen.clear();
});

function makeSupervisorOf(options: Partial<SupervisorOptions> = {}, standby = true): Supervisor {
  const supervisor = new Supervisor({
    killGraceMs: 1_000,
    logRotateBytes: 2 * 1024 * 1024,
    outputThrottleMs: 50,
    adoptedPollMs: 100,
    onError: () => undefined,
    ...options,
    spawner: { ...options.spawner, standby },
  });
  supervisors.push(supervisor);
  return supervisor;
}

const request = sandbox.workerRequest;

/** Still a standby (not yet given a start): alive, and its argv is the standby's. */
function isStandby(pid: number): boolean {
  return readCommandLine(pid)?.includes(STANDBY_NAME) === true && readProcStat(pid)?.state !== 'Z';
}

/** The unused standbys the supervisor's spawner holds now (its children still named as standbys). */
function standbysOf(supervisor: Supervisor): number[] {
  const spawnerPid = supervisor.spawnerPid();
  if (spawnerPid === null) return [];
  const found = listChildProcesses(spawnerPid)
    .map((child) => child.pid)
    .filter(isStandby);
  for (const pid of found) standbysSeen.add(pid);
  return found;
}

/** Starts one quick worker if need be, so that the spawner has forked its standby: its pid. */
async function primedStandby(supervisor: Supervisor): Promise<number> {
  if (standbysOf(supervisor).length === 0) {
    const first = request(agentArgv('exit-code.mjs', '0'));
    const outcome = await supervisor.spawnOffTheLoop(first);
    if (!outcome.ok) throw new Error(`spawn failed: ${outcome.error}`);
    sandbox.killAfterwards(outcome.pid);
  }
  const found = await waitFor('the standby', () => {
    const standbys = standbysOf(supervisor);
    return standbys.length > 0 && standbys;
  });
  expect(found).toHaveLength(1);
  return found[0] as number;
}

async function exitOf(supervisor: Supervisor, runId: number, seen: WorkerExit[] = []): Promise<WorkerExit> {
  return waitFor(`the exit of run ${runId}`, () => {
    appendAll(seen, supervisor.drainExits());
    return seen.find((exit) => exit.runId === runId);
  });
}

describe.skipIf(!procfsAvailable).each([
  { way: 'forked by the spawner', standby: false },
  { way: 'on the standby waiter the spawner forked ahead', standby: true },
])('workers started through the spawner process, $way', ({ standby }) => {
  const makeSupervisor = (options: Partial<SupervisorOptions> = {}): Supervisor =>
    makeSupervisorOf(options, standby);

  /** The pid the next start must get: the standby's, or null when the spawner forks it. */
  const expectedPid = async (supervisor: Supervisor): Promise<number | null> => {
    if (standby) return primedStandby(supervisor);
    expect(standbysOf(supervisor)).toEqual([]);
    return null;
  };

  async function startOk(supervisor: Supervisor, spawnRequest: SpawnRequest): Promise<number> {
    const expected = await expectedPid(supervisor);
    const outcome = await supervisor.spawnOffTheLoop(spawnRequest);
    if (!outcome.ok) throw new Error(`spawn failed: ${outcome.error}`);
    sandbox.killAfterwards(outcome.pid);
    if (expected !== null) expect(outcome.pid).toBe(expected);
    else expect(standbysOf(supervisor)).toEqual([]);
    return outcome.pid;
  }

  it('runs the worker as a child of the spawner, not of this process, and relays its exit code', async () => {
    const supervisor = makeSupervisor();
    expect(supervisor.spawnsOffTheLoop).toBe(true);
    const spawnRequest = request(agentArgv('exit-code.mjs', '3'));
    const pid = await startOk(supervisor, spawnRequest);
    const spawnerPid = supervisor.spawnerPid();
    expect(spawnerPid).not.toBeNull();
    expect(spawnerPid).not.toBe(process.pid);
    // Started by the spawner: its parent is the spawner (or init, if it has already been reaped).
    const parent = readProcStat(pid)?.parentPid;
    if (parent !== undefined) expect(parent).toBe(spawnerPid);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit).toMatchObject({ exitCode: 3, signal: null, adopted: false, timedOut: false });
    expect(fs.readFileSync(spawnRequest.logPath, 'utf8')).toContain('exit-code: exiting with 3');
    // Its own process group, as in process (docs/architecture.md "Processes").
    expect(exit.pid).toBe(pid);
  });

  it('records the waiter pid in the run folder before the agent runs (recovery finds an unrecorded start)', async () => {
    const supervisor = makeSupervisor();
    const spawnRequest = request(agentArgv('sleep.mjs', '30'));
    const pid = await startOk(supervisor, spawnRequest);
    await waitFor('the pid file', () => fs.existsSync(waiterPidPathOf(spawnRequest.logPath)));
    // The file is made, then written: its pid may be read a moment after it exists.
    expect(await waitFor('the pid in it', () => recordedWaiter(spawnRequest.logPath))).toMatchObject({ pid });
    await supervisor.stop(spawnRequest.runId, 'test');
    expect(recordedWaiter(spawnRequest.logPath)).toBeNull();
  });

  it('stops a worker by its process group: SIGTERM, then SIGKILL after the grace period', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 300 });
    const spawnRequest = request(agentArgv('ignore-term.mjs'));
    const pid = await startOk(supervisor, spawnRequest);
    await waitFor('ready', () => fs.readFileSync(spawnRequest.logPath, 'utf8').includes('ready'));
    await supervisor.stop(spawnRequest.runId, 'test stop');
    expect(isProcessAlive(pid)).toBe(false);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit).toMatchObject({ stopRequested: true, stopReason: 'test stop', signal: 'SIGKILL' });
  });

  it(
    'kills a worker that runs past its max runtime, with its whole group',
    async () => {
      const clock = heldClock();
      const supervisor = makeSupervisor({ killGraceMs: 300, now: clock.now });
      const spawnRequest = request(agentArgv('fork-grandchild.mjs'), { maxRuntimeMs: 1_000 });
      await startOk(supervisor, spawnRequest);
      const grandchild = await waitFor(
        'the grandchild to report its pid',
        () => {
          const match = /^grandchild (\d+)$/m.exec(fs.readFileSync(spawnRequest.logPath, 'utf8'));
          return match ? Number(match[1]) : null;
        },
        { timeoutMs: GRANDCHILD_REPORT_WAIT_MS },
      );
      sandbox.killAfterwards(grandchild);
      clock.release();
      const exit = await exitOf(supervisor, spawnRequest.runId);
      expect(exit.timedOut).toBe(true);
      expect(isProcessAlive(grandchild)).toBe(false);
    },
    HELD_CLOCK_TEST_TIMEOUT_MS,
  );

  it('a stop asked for while the worker is still starting ends it as soon as it exists', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 300 });
    const spawnRequest = request(agentArgv('sleep.mjs', '30'));
    const expected = await expectedPid(supervisor);
    const starting = supervisor.spawnOffTheLoop(spawnRequest);
    expect(supervisor.has(spawnRequest.runId)).toBe(true);
    const stopped = supervisor.stop(spawnRequest.runId, 'before it started');
    const outcome = await starting;
    if (!outcome.ok) throw new Error(outcome.error);
    sandbox.killAfterwards(outcome.pid);
    if (expected !== null) expect(outcome.pid).toBe(expected);
    await stopped;
    expect(isProcessAlive(outcome.pid)).toBe(false);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit).toMatchObject({ stopRequested: true, stopReason: 'before it started' });
  });

  it('spawner killed mid-way: its workers are polled like adopted ones, their exits recorded; the next spawn gets a new spawner', async () => {
    const supervisor = makeSupervisor();
    const gate = path.join(sandbox.tempDir(), 'go');
    const spawnRequest = request(agentArgv('wait-for-file.mjs', gate, '5'));
    const pid = await startOk(supervisor, spawnRequest);
    const first = supervisor.spawnerPid() as number;
    // The standby for the next start, forked after this one: it must not outlive its spawner.
    const waiting = standby ? [await primedStandby(supervisor)] : [];
    process.kill(first, 'SIGKILL');
    await waitFor('the spawner gone', () => !isProcessAlive(first) && supervisor.spawnerPid() === null);
    await waitFor('its standby gone', () => waiting.every((each) => !isProcessAlive(each)));
    // The worker lives on without it (detached), and is now watched in /proc.
    expect(isProcessAlive(pid)).toBe(true);
    expect(supervisor.isAlive(spawnRequest.runId)).toBe(true);
    fs.writeFileSync(gate, 'go');
    const exit = await exitOf(supervisor, spawnRequest.runId);
    // The status comes from its waiter's file: nobody reaped it for us.
    expect(exit.exitCode).toBe(5);
    const next = request(agentArgv('exit-code.mjs', '0'));
    await startOk(supervisor, next);
    expect(supervisor.spawnerPid()).not.toBe(first);
    expect((await exitOf(supervisor, next.runId)).exitCode).toBe(0);
  });

  it('a spawner that never answers: the start fails with a clear reason (no hang), and the next start works', async () => {
    const supervisor = makeSupervisor({ spawner: { answerTimeoutMs: 500 } });
    // Up and answering first, then held.
    await startOk(supervisor, request(agentArgv('exit-code.mjs', '0')));
    const hung = supervisor.spawnerPid() as number;
    process.kill(hung, 'SIGSTOP');
    try {
      const outcome = await supervisor.spawnOffTheLoop(request(agentArgv('exit-code.mjs', '0')));
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error).toMatch(/did not answer within 500 ms/);
    } finally {
      if (isProcessAlive(hung)) process.kill(hung, 'SIGKILL');
    }
    const next = request(agentArgv('exit-code.mjs', '0'));
    await startOk(supervisor, next);
    expect(supervisor.spawnerPid()).not.toBe(hung);
  });

  it('a program that cannot start is a clear failure, never an exit', async () => {
    const supervisor = makeSupervisor();
    const outcome = await supervisor.spawnOffTheLoop(request(['/nonexistent/agent']));
    expect(outcome.ok).toBe(false);
    expect(supervisor.drainExits()).toEqual([]);
  });

  it('the spawner ends when it is closed, and never keeps this process alive while idle', async () => {
    const supervisor = makeSupervisor();
    const spawnRequest = request(agentArgv('exit-code.mjs', '0'));
    await startOk(supervisor, spawnRequest);
    await exitOf(supervisor, spawnRequest.runId);
    const spawnerPid = supervisor.spawnerPid() as number;
    // A standby never used ends with it.
    const waiting = standby ? [await primedStandby(supervisor)] : [];
    // Idle: its handle and channel are unref'd (the spawner test in test/ checks a whole process exits).
    supervisor.close();
    await waitFor('the spawner gone', () => !isProcessAlive(spawnerPid));
    await waitFor('its standby gone', () => waiting.every((each) => !isProcessAlive(each)));
  });
});

describe.skipIf(!procfsAvailable)('the standby waiter', () => {
  /** The start `spawnRequest` gets, as the process-state agent saw it, with the run's own paths named. */
  async function stateOfStart(supervisor: Supervisor, spawnRequest: SpawnRequest): Promise<unknown> {
    const outcome = await supervisor.spawnOffTheLoop(spawnRequest);
    if (!outcome.ok) throw new Error(`spawn failed: ${outcome.error}`);
    sandbox.killAfterwards(outcome.pid);
    expect((await exitOf(supervisor, spawnRequest.runId)).exitCode).toBe(0);
    const out = spawnRequest.env.OUT_FILE as string;
    const runFolder = path.dirname(spawnRequest.logPath);
    const text = fs.readFileSync(out, 'utf8').replaceAll(`${runFolder}/${spawnRequest.runId}.`, '<run>.');
    fs.rmSync(out);
    const state = JSON.parse(text) as { pgid: number; sid: number };
    // The worker leads its own session and group, whichever way it was started.
    expect(state).toMatchObject({ pgid: outcome.pid, sid: outcome.pid });
    return { ...state, pgid: 'the worker', sid: 'the worker' };
  }

  it('gives the worker exactly the start a forked one gets: argv, cwd, environment, fds, signals, priority, session', async () => {
    const cwd = sandbox.tempDir();
    const tricky = [`it's`, 'two\nlines', '$HOME `x` $(y) \\ "q" * ;|&', '-n', '', 'ünï 😀', '--', "'"];
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      OUT_FILE: path.join(cwd, 'state.json'),
      TRICKY: `a'b\nc $d \\ "e"`,
      EMPTY: '',
      PWD: '/not/the/cwd',
      IFS: 'x',
      SWITCHYARD_RUN_SECRET: 'secret-1',
    };
    const startOf = (supervisor: Supervisor) =>
      stateOfStart(supervisor, request(agentArgv('process-state.mjs', ...tricky), { cwd, env }));
    const forked = await startOf(makeSupervisorOf({}, false));
    const onStandby = makeSupervisorOf({}, true);
    const standbyPid = await primedStandby(onStandby);
    const viaStandby = await startOf(onStandby);
    // It ran on the standby (its pid), and is no standby any more.
    expect(isStandby(standbyPid)).toBe(false);
    expect(viaStandby).toEqual(forked);
    expect(forked).toMatchObject({ argv: tricky, cwd: fs.realpathSync(cwd), nice: expect.any(Number) });
    // The waiter's own shell sets PWD and IFS afresh, whichever way it was started.
    const { PWD: _pwd, IFS: _ifs, ...passedOn } = env;
    expect((forked as { env: Record<string, string> }).env).toMatchObject(passedOn);
  });

  it('leaves a start the shell cannot make exactly to the fork, and keeps the standby for the next', async () => {
    const supervisor = makeSupervisorOf({}, true);
    const standbyPid = await primedStandby(supervisor);
    // A variable name no shell can set: an environment may hold it all the same (the waiter's own
    // shell drops it; what matters is that the standby is not the one that decides).
    const odd = request(agentArgv('exit-code.mjs', '0'), {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', 'ODD.NAME': 'x' },
    });
    const outcome = await supervisor.spawnOffTheLoop(odd);
    if (!outcome.ok) throw new Error(outcome.error);
    sandbox.killAfterwards(outcome.pid);
    expect(outcome.pid).not.toBe(standbyPid);
    expect((await exitOf(supervisor, odd.runId)).exitCode).toBe(0);
    expect(isStandby(standbyPid)).toBe(true);
    const next = request(agentArgv('exit-code.mjs', '4'));
    const nextOutcome = await supervisor.spawnOffTheLoop(next);
    expect(nextOutcome).toMatchObject({ ok: true, pid: standbyPid });
    expect((await exitOf(supervisor, next.runId)).exitCode).toBe(4);
  });

  it('a standby killed while it waits: the next start is forked, and a new standby is made', async () => {
    const supervisor = makeSupervisorOf({}, true);
    const killed = await primedStandby(supervisor);
    process.kill(killed, 'SIGKILL');
    await waitFor('the standby reaped', () => !isProcessAlive(killed));
    const spawnRequest = request(agentArgv('exit-code.mjs', '2'));
    const outcome = await supervisor.spawnOffTheLoop(spawnRequest);
    if (!outcome.ok) throw new Error(outcome.error);
    sandbox.killAfterwards(outcome.pid);
    expect(outcome.pid).not.toBe(killed);
    expect((await exitOf(supervisor, spawnRequest.runId)).exitCode).toBe(2);
    expect(await primedStandby(supervisor)).not.toBe(killed);
  });
});
