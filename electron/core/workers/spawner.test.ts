import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentArgv, useProcessSandbox, waitFor } from '../../../test/helpers/processes';
import { isProcessAlive, procfsAvailable, readProcStat } from '../procfs';
import { Supervisor, type SpawnRequest, type SupervisorOptions, type WorkerExit } from './supervisor';
import { recordedWaiter, waiterPidPathOf } from './exitStatus';
import { appendAll } from '../../../shared/arrays';

/**
 * docs/architecture.md §5 "Starting workers off the event loop": workers started through the
 * spawner process (spawner.ts) with real processes — exits, stops, timeouts, the group kill, a
 * spawner killed mid-way, a spawner that never answers.
 */

const sandbox = useProcessSandbox('switchyard-spawner-');
const supervisors: Supervisor[] = [];

afterEach(async () => {
  const all = supervisors.splice(0);
  await Promise.all(all.map((supervisor) => supervisor.stopAll()));
  for (const supervisor of all) supervisor.close();
});

function makeSupervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
  const supervisor = new Supervisor({
    killGraceMs: 1_000,
    logRotateBytes: 2 * 1024 * 1024,
    outputThrottleMs: 50,
    adoptedPollMs: 100,
    onError: () => undefined,
    spawner: {},
    ...options,
  });
  supervisors.push(supervisor);
  return supervisor;
}

const request = sandbox.workerRequest;

async function startOk(supervisor: Supervisor, spawnRequest: SpawnRequest): Promise<number> {
  const outcome = await supervisor.spawnOffTheLoop(spawnRequest);
  if (!outcome.ok) throw new Error(`spawn failed: ${outcome.error}`);
  sandbox.killAfterwards(outcome.pid);
  return outcome.pid;
}

async function exitOf(supervisor: Supervisor, runId: number, seen: WorkerExit[] = []): Promise<WorkerExit> {
  return waitFor(`the exit of run ${runId}`, () => {
    appendAll(seen, supervisor.drainExits());
    return seen.find((exit) => exit.runId === runId);
  });
}

describe.skipIf(!procfsAvailable)('workers started through the spawner process', () => {
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
    expect(recordedWaiter(spawnRequest.logPath)).toMatchObject({ pid });
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

  it('kills a worker that runs past its max runtime, with its whole group', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 300 });
    const spawnRequest = request(agentArgv('fork-grandchild.mjs'), {
      // Long enough for two Node processes to start on a loaded machine before the SIGTERM.
      maxRuntimeMs: 8_000,
    });
    await startOk(supervisor, spawnRequest);
    const grandchild = await waitFor('the grandchild', () => {
      const match = /grandchild (\d+)/.exec(fs.readFileSync(spawnRequest.logPath, 'utf8'));
      return match ? Number(match[1]) : null;
    });
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit.timedOut).toBe(true);
    expect(isProcessAlive(grandchild)).toBe(false);
  });

  it('a stop asked for while the worker is still starting ends it as soon as it exists', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 300 });
    const spawnRequest = request(agentArgv('sleep.mjs', '30'));
    const starting = supervisor.spawnOffTheLoop(spawnRequest);
    expect(supervisor.has(spawnRequest.runId)).toBe(true);
    const stopped = supervisor.stop(spawnRequest.runId, 'before it started');
    const outcome = await starting;
    if (!outcome.ok) throw new Error(outcome.error);
    sandbox.killAfterwards(outcome.pid);
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
    process.kill(first, 'SIGKILL');
    await waitFor('the spawner gone', () => !isProcessAlive(first) && supervisor.spawnerPid() === null);
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
    // Idle: its handle and channel are unref'd (the spawner test in test/ checks a whole process exits).
    supervisor.close();
    await waitFor('the spawner gone', () => !isProcessAlive(spawnerPid));
  });
});
