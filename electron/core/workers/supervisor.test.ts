import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerStatus } from '../../../shared/dispatch';
import {
  GRANDCHILD_REPORT_WAIT_MS,
  HELD_CLOCK_TEST_TIMEOUT_MS,
  heldClock,
} from '../../../test/helpers/heldClock';
import { agentArgv, useProcessSandbox, waitFor } from '../../../test/helpers/processes';
import {
  isProcessAlive,
  listChildProcesses,
  processStartTime,
  procfsAvailable,
  readProcStat,
} from '../procfs';
import {
  LOW_PRIORITY_NICE_INCREMENT,
  autogroupNiceOf,
  exitStatusKnown,
  Supervisor,
  type SpawnRequest,
  type SupervisorOptions,
  type WorkerExit,
} from './supervisor';
import { exitStatusPathOf } from './exitStatus';
import { lowAutogroupNice } from './priority';
import { appendAll } from '../../../shared/arrays';

const sandbox = useProcessSandbox('switchyard-supervisor-');
const supervisors: Supervisor[] = [];

afterEach(async () => {
  // A failing test must not leave workers behind (the sandbox also SIGKILLs what it was told about).
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stopAll()));
});

function makeSupervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
  const supervisor = new Supervisor({
    killGraceMs: 1_000,
    logRotateBytes: 2 * 1024 * 1024,
    outputThrottleMs: 50,
    adoptedPollMs: 100,
    onError: (error) => {
      throw error;
    },
    ...options,
  });
  supervisors.push(supervisor);
  return supervisor;
}

const request = sandbox.workerRequest;

function spawnOk(supervisor: Supervisor, spawnRequest: SpawnRequest): number {
  const outcome = supervisor.spawn(spawnRequest);
  if (!outcome.ok) throw new Error(`spawn failed: ${outcome.error}`);
  sandbox.killAfterwards(outcome.pid);
  return outcome.pid;
}

/** Drains until the exit of `runId` shows up; other exits drained meanwhile are kept in `seen`. */
async function exitOf(supervisor: Supervisor, runId: number, seen: WorkerExit[] = []): Promise<WorkerExit> {
  return waitFor(`the exit of run ${runId}`, () => {
    appendAll(seen, supervisor.drainExits());
    return seen.find((exit) => exit.runId === runId);
  });
}

const readLog = (logPath: string): string => fs.readFileSync(logPath, 'utf8');

async function grandchildPidIn(logPath: string): Promise<number> {
  return waitFor(
    'the grandchild to report its pid',
    () => {
      const match = /^grandchild (\d+)$/m.exec(readLog(logPath));
      return match ? Number(match[1]) : undefined;
    },
    { timeoutMs: GRANDCHILD_REPORT_WAIT_MS },
  );
}

describe('Supervisor.spawn and exits', () => {
  it('records exit codes, the last output line, and reports each exit exactly once', async () => {
    const supervisor = makeSupervisor();
    const heard: WorkerExit[] = [];
    supervisor.onExit((exit) => heard.push(exit));
    const ok = request(agentArgv('exit0'));
    const failing = request(agentArgv('exit1'));
    const seven = request(agentArgv('exit-code', '7'));
    for (const spawnRequest of [ok, failing, seven]) spawnOk(supervisor, spawnRequest);

    const seen: WorkerExit[] = [];
    const [okExit, failingExit, sevenExit] = [
      await exitOf(supervisor, ok.runId, seen),
      await exitOf(supervisor, failing.runId, seen),
      await exitOf(supervisor, seven.runId, seen),
    ];
    expect(okExit).toMatchObject({ exitCode: 0, signal: null, timedOut: false, adopted: false });
    expect(okExit.lastOutputLine).toBe('exit0: all done');
    expect(failingExit).toMatchObject({ exitCode: 1, lastOutputLine: 'exit1: fatal error, giving up' });
    expect(sevenExit).toMatchObject({ exitCode: 7, taskId: seven.taskId, lane: 'fake' });
    expect(sevenExit.endedAt).toBeGreaterThan(0);

    expect(seen).toHaveLength(3);
    expect(supervisor.drainExits()).toEqual([]);
    expect(heard.map((exit) => exit.runId).sort()).toEqual([ok.runId, failing.runId, seven.runId].sort());
    expect(supervisor.has(ok.runId)).toBe(false);
    expect(supervisor.workers()).toEqual([]);
  });

  it('keeps recording exits when a listener throws, and reports the listener error', async () => {
    const errors: Error[] = [];
    const supervisor = makeSupervisor({ onError: (error) => errors.push(error) });
    supervisor.onExit(() => {
      throw new Error('listener bug');
    });
    const heard: number[] = [];
    supervisor.onExit((exit) => heard.push(exit.runId));
    const spawnRequest = request(agentArgv('exit0'));
    spawnOk(supervisor, spawnRequest);
    expect((await exitOf(supervisor, spawnRequest.runId)).exitCode).toBe(0);
    expect(heard).toEqual([spawnRequest.runId]);
    expect(errors.map((error) => error.message)).toEqual(['a supervisor listener threw: listener bug']);
  });

  it('returns a missing program as ok:false and never reports it as an exit', async () => {
    const supervisor = makeSupervisor();
    const missing = supervisor.spawn(request(['definitely-not-a-real-agent-xyz', '--help']));
    expect(missing).toEqual({
      ok: false,
      error: '`definitely-not-a-real-agent-xyz` not found on PATH (ENOENT)',
    });

    const missingPath = supervisor.spawn(request(['/nonexistent/claude']));
    expect(missingPath.ok).toBe(false);
    if (!missingPath.ok) expect(missingPath.error).toContain('ENOENT');

    const dir = sandbox.tempDir();
    const notExecutable = path.join(dir, 'agent.sh');
    fs.writeFileSync(notExecutable, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const refused = supervisor.spawn(request([notExecutable]));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toContain('EACCES');

    const noCwd = supervisor.spawn(request(agentArgv('exit0'), { cwd: path.join(dir, 'missing') }));
    expect(noCwd).toEqual({
      ok: false,
      error: `the working directory ${path.join(dir, 'missing')} does not exist (ENOENT)`,
    });

    // Give a wrongly reported asynchronous spawn error every chance to show up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.drainExits()).toEqual([]);
    expect(supervisor.workers()).toEqual([]);
  });

  it('passes argv verbatim without a shell, with exactly the given env and cwd', async () => {
    const supervisor = makeSupervisor();
    const dir = sandbox.tempDir();
    const outFile = path.join(dir, 'echo.json');
    const tricky = ['$(touch pwned)', '`id`', 'a b;c|d&&e', "'quoted'", '*', '$HOME', ''];
    const spawnRequest = request(agentArgv('echo-args', ...tricky), {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', OUT_FILE: outFile, SWITCHYARD_TASK: 't_00000001', ECHO_ENV: 'HOME' },
    });
    spawnOk(supervisor, spawnRequest);
    expect((await exitOf(supervisor, spawnRequest.runId)).exitCode).toBe(0);

    const echoed = JSON.parse(fs.readFileSync(outFile, 'utf8')) as {
      argv: string[];
      cwd: string;
      env: Record<string, string | null>;
    };
    expect(echoed.argv).toEqual(tricky);
    expect(echoed.cwd).toBe(fs.realpathSync(dir));
    expect(echoed.env).toEqual({ HOME: null, SWITCHYARD_TASK: 't_00000001' });
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  it('starts each worker as the leader of its own process group with its start time recorded', async () => {
    const supervisor = makeSupervisor();
    const spawnRequest = request(agentArgv('sleep', '30'));
    const outcome = supervisor.spawn(spawnRequest);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    sandbox.killAfterwards(outcome.pid);
    if (procfsAvailable) {
      expect(outcome.pidStartTime).toBe(processStartTime(outcome.pid));
      const stat = fs.readFileSync(`/proc/${outcome.pid}/stat`, 'utf8');
      const [processGroup] = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .slice(2);
      expect(Number(processGroup)).toBe(outcome.pid);
    }
    expect(supervisor.has(spawnRequest.runId)).toBe(true);
    expect(supervisor.isAlive(spawnRequest.runId)).toBe(true);
    expect(supervisor.spawn(spawnRequest)).toEqual({
      ok: false,
      error: `run ${spawnRequest.runId} already has a worker`,
    });
  });

  it('records the exit of a worker that closed its stdout and stderr early', async () => {
    const supervisor = makeSupervisor();
    const spawnRequest = request(agentArgv('close-stdout', '1'));
    spawnOk(supervisor, spawnRequest);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.isAlive(spawnRequest.runId)).toBe(true);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit).toMatchObject({ exitCode: 0, lastOutputLine: 'close-stdout: closing stdout and stderr' });
  });

  it.runIf(procfsAvailable)('leaves no zombie behind once exits are drained', async () => {
    const supervisor = makeSupervisor();
    const requests = Array.from({ length: 6 }, () => request(agentArgv('exit0')));
    const pids = requests.map((spawnRequest) => spawnOk(supervisor, spawnRequest));
    const seen: WorkerExit[] = [];
    for (const spawnRequest of requests) await exitOf(supervisor, spawnRequest.runId, seen);

    const zombies = listChildProcesses(process.pid).filter((stat) => stat.state === 'Z');
    expect(zombies).toEqual([]);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
  });
  it.runIf(procfsAvailable)(
    'waits for a slow log writer without scanning /proc on every poll (issue 17, target 5)',
    async () => {
      // A log writer that stays 1 s after the agent's output ended: the exit waits for it (polling
      // every 10 ms). Reading every process's stat on each poll blocked the event loop for tens of
      // ms per worker when 40 ended together; the group's members found once are watched instead.
      const writer = path.join(sandbox.tempDir(), 'slow-log-writer.sh');
      fs.writeFileSync(writer, '#!/bin/sh\n# split -b BYTES -a 4 - PREFIX\ncat > "${6}aaaa"\nsleep 1\n', {
        mode: 0o755,
      });
      const supervisor = makeSupervisor({ logWriter: writer });
      const spawnRequest = request(agentArgv('chatty', '1000'));
      const scans = vi.spyOn(fs, 'readdirSync');
      try {
        spawnOk(supervisor, spawnRequest);
        const exit = await exitOf(supervisor, spawnRequest.runId);
        expect(exit).toMatchObject({
          exitCode: 0,
          lastOutputLine: expect.stringMatching(/^chatty 00000009 x+$/),
        });
        const procScans = scans.mock.calls.filter(([folder]) => folder === '/proc').length;
        expect(procScans).toBeGreaterThanOrEqual(1); // the writer was still there when the agent ended
        expect(procScans).toBeLessThanOrEqual(2);
      } finally {
        scans.mockRestore();
      }
    },
  );
});

describe('Supervisor output following', () => {
  it('follows the log for the last line and coalesces notifications per worker', async () => {
    const throttleMs = 250;
    const supervisor = makeSupervisor({ outputThrottleMs: throttleMs });
    const calls: { at: number; status: WorkerStatus }[] = [];
    supervisor.onOutput((status) => calls.push({ at: performance.now(), status }));
    // Six bursts of 640 lines, 300 ms apart: many lines per throttle window however slowly the
    // agent is scheduled (a line every 100 ms could arrive one per window on a loaded machine).
    const spawnRequest = request(agentArgv('chatty', String(6 * 640 * 100), '300'));
    spawnOk(supervisor, spawnRequest);
    const exit = await exitOf(supervisor, spawnRequest.runId);

    expect(exit.exitCode).toBe(0);
    const lines = readLog(spawnRequest.logPath).trim().split('\n');
    expect(exit.lastOutputLine).toBe(lines.at(-1));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every(({ status }) => status.runId === spawnRequest.runId)).toBe(true);
    // Coalesced to at most one notification per throttle window.
    expect(calls.length).toBeLessThan(lines.length);
    for (let index = 1; index < calls.length; index += 1) {
      const gap = (calls[index]?.at ?? 0) - (calls[index - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(throttleMs - 5);
    }
    const last = calls.at(-1)?.status;
    expect(last?.lastOutputLine).toMatch(/^chatty \d{8} x+$/);
    expect(last?.outputBytes).toBeGreaterThan(0);
  });

  it('shows the live last line and byte count in workers()', async () => {
    const supervisor = makeSupervisor();
    const spawnRequest = request(agentArgv('sleep', '30'));
    const pid = spawnOk(supervisor, spawnRequest);
    const status = await waitFor('a tick in the status', () =>
      supervisor.workers().find((worker) => /^tick \d+$/.test(worker.lastOutputLine ?? '')),
    );
    expect(status).toMatchObject({
      runId: spawnRequest.runId,
      taskId: spawnRequest.taskId,
      lane: 'fake',
      pid,
      ownChild: true,
      stopping: false,
    });
    expect(status.lastOutputAt).not.toBeNull();
    expect(status.outputBytes).toBeGreaterThan(0);
  });

  it('takes the final line of a burst of output without reading it all', async () => {
    const supervisor = makeSupervisor();
    const bytes = 5_000_000;
    const spawnRequest = request(agentArgv('chatty', String(bytes)));
    spawnOk(supervisor, spawnRequest);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit.exitCode).toBe(0);
    // 5,000,000 bytes = 50,000 lines of 100 bytes: the last is number 49,999.
    expect(exit.lastOutputLine).toMatch(/^chatty 00049999 x+$/);
  });

  it('rotates by switching files: a burst at full speed loses no byte (issue 18)', async () => {
    const chunkBytes = 32 * 1024;
    const bytes = 4_000_000; // 123 switches while the worker writes as fast as it can
    const supervisor = makeSupervisor({ logRotateBytes: chunkBytes, logKeepFiles: 200 });
    const spawnRequest = request(agentArgv('chatty', String(bytes)));
    spawnOk(supervisor, spawnRequest);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit.exitCode).toBe(0);
    expect(exit.lastOutputLine).toMatch(/^chatty 00039999 x+$/);

    const logPath = spawnRequest.logPath;
    const names = fs.readdirSync(path.dirname(logPath));
    // Every chunk became the log or one of its copies; nothing is left under split's names.
    expect(names.filter((name) => name.includes('.chunk.') || name.endsWith('.pipe'))).toEqual([]);
    const generations = names
      .filter((name) => /^\d+\.log\.\d+$/.test(name))
      .map((name) => Number(name.split('.').pop()))
      .sort((a, b) => b - a);
    expect(generations).toEqual(Array.from({ length: generations.length }, (_, i) => generations.length - i));
    const files = [...generations.map((generation) => `${logPath}.${generation}`), logPath];
    for (const file of files.slice(0, -1)) expect(fs.statSync(file).size).toBe(chunkBytes);
    const expected = Array.from({ length: bytes / 100 }, (_, n) =>
      `chatty ${String(n).padStart(8, '0')} `.padEnd(99, 'x'),
    ).join('\n');
    const written = Buffer.concat(files.map((file) => fs.readFileSync(file))).toString('utf8');
    expect(written.length).toBe(bytes); // bytes lost: 0
    expect(written === `${expected}\n`).toBe(true);
  });

  it('rotates the log with copy-truncate where there is no log writer, and keeps every line in order', async () => {
    const supervisor = makeSupervisor({ logRotateBytes: 200_000, logKeepFiles: 50, logWriter: null });
    const bytes = 3_000_000;
    // 64,000-byte chunks every 15 ms: the log passes the limit many times while the worker runs.
    const spawnRequest = request(agentArgv('chatty', String(bytes), '15'));
    spawnOk(supervisor, spawnRequest);
    const exit = await exitOf(supervisor, spawnRequest.runId);
    expect(exit.exitCode).toBe(0);

    const logPath = spawnRequest.logPath;
    const rotated = fs
      .readdirSync(path.dirname(logPath))
      .filter((name) => name.startsWith(`${path.basename(logPath)}.`))
      .map((name) => Number(name.slice(path.basename(logPath).length + 1)))
      .sort((a, b) => b - a);
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    expect(rotated).toEqual(Array.from({ length: rotated.length }, (_, index) => rotated.length - index));
    expect(fs.statSync(logPath).size).toBeLessThan(bytes);

    // Oldest copy first, the live log last.
    const files = [...rotated.map((generation) => readLog(`${logPath}.${generation}`)), readLog(logPath)];
    const text = files.join('');
    const numbers = files.flatMap((file, fileIndex) => {
      const lines = file.split('\n').filter((line) => line !== '');
      return lines.flatMap((line, lineIndex) => {
        const match = /^chatty (\d{8}) x{83}$/.exec(line);
        if (match) return [Number(match[1])];
        // A write still in progress when the truncate ran can leave a copy's last line cut short
        // (the rest of that write is in the race window, lost); anything else is torn or foreign.
        const isCopysLastLine = fileIndex < files.length - 1 && lineIndex === lines.length - 1;
        if (
          isCopysLastLine &&
          `chatty 00000000 ${'x'.repeat(83)}`.length > line.length &&
          /^chatty( \d{0,8}( x*)?)?$/.test(line)
        )
          return [];
        throw new Error(`a torn or foreign line in the rotated logs: ${line.slice(0, 40)}…`);
      });
    });
    for (let index = 1; index < numbers.length; index += 1) {
      expect(numbers[index]).toBeGreaterThan(numbers[index - 1] ?? -1);
    }
    expect(numbers[0]).toBe(0);
    expect(numbers.at(-1)).toBe(bytes / 100 - 1);
    // Copy-truncate has a documented race window of two system calls per rotation; a write landing in
    // it is lost (never duplicated; at most the copy's last line is cut). Nearly always nothing is lost.
    expect(text.length).toBeGreaterThanOrEqual(bytes * 0.97);
    expect(text.length).toBeLessThanOrEqual(bytes);
  });

  it('keeps at most logKeepFiles rotated copies', async () => {
    const supervisor = makeSupervisor({ logRotateBytes: 100_000, logKeepFiles: 2 });
    const spawnRequest = request(agentArgv('chatty', '2000000', '15'));
    spawnOk(supervisor, spawnRequest);
    await exitOf(supervisor, spawnRequest.runId);
    const names = fs.readdirSync(path.dirname(spawnRequest.logPath)).sort();
    const base = path.basename(spawnRequest.logPath);
    // Beside the log and its copies: the exit status and the pid its waiter recorded (exitStatus.ts).
    expect(names).toEqual([
      `${spawnRequest.runId}.exit`,
      base,
      `${base}.1`,
      `${base}.2`,
      `${spawnRequest.runId}.pid`,
    ]);
  });
});

describe('Supervisor stop and timeouts', () => {
  it('stop() ends a worker with SIGTERM and reports stopRequested with the reason', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 10_000 });
    const spawnRequest = request(agentArgv('sleep', '30'));
    const pid = spawnOk(supervisor, spawnRequest);
    await waitFor('the worker to print', () => supervisor.workers()[0]?.lastOutputLine);

    await supervisor.stop(spawnRequest.runId, 'user pressed stop');
    // stop() resolves once the exit is recorded.
    const [exit] = supervisor.drainExits();
    expect(exit).toMatchObject({
      runId: spawnRequest.runId,
      exitCode: null,
      signal: 'SIGTERM',
      stopRequested: true,
      stopReason: 'user pressed stop',
      timedOut: false,
    });
    expect(isProcessAlive(pid)).toBe(false);
    expect(supervisor.has(spawnRequest.runId)).toBe(false);
  });

  it('stop() of an unknown or finished run resolves at once', async () => {
    const supervisor = makeSupervisor();
    await supervisor.stop(987_654);
    const spawnRequest = request(agentArgv('exit0'));
    spawnOk(supervisor, spawnRequest);
    await exitOf(supervisor, spawnRequest.runId);
    await supervisor.stop(spawnRequest.runId);
    expect(supervisor.drainExits()).toEqual([]);
  });

  it('escalates to SIGKILL for a worker that ignores SIGTERM, within the grace period', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 800 });
    const statuses: WorkerStatus[] = [];
    supervisor.onOutput((status) => statuses.push(status));
    const spawnRequest = request(agentArgv('ignore-term'));
    const pid = spawnOk(supervisor, spawnRequest);
    await waitFor('the SIGTERM handler to be installed', () =>
      readLog(spawnRequest.logPath).includes('ready'),
    );

    const stopped = supervisor.stop(spawnRequest.runId);
    expect(supervisor.workers()[0]?.stopping).toBe(true);
    await stopped;
    const [exit] = supervisor.drainExits();
    expect(exit).toMatchObject({ signal: 'SIGKILL', stopRequested: true, timedOut: false });
    expect(readLog(spawnRequest.logPath)).toContain('got SIGTERM, ignoring it');
    expect(isProcessAlive(pid)).toBe(false);
    expect(statuses.some((status) => status.stopping)).toBe(true);
  });

  it(
    'times out a worker past maxRuntimeMs and kills its whole group, grandchild included',
    async () => {
      const clock = heldClock();
      const supervisor = makeSupervisor({ killGraceMs: 800, now: clock.now });
      const spawnRequest = request(agentArgv('fork-grandchild', 'ignore-term'), { maxRuntimeMs: 1_000 });
      const pid = spawnOk(supervisor, spawnRequest);
      const grandchildPid = await grandchildPidIn(spawnRequest.logPath);
      sandbox.killAfterwards(grandchildPid);
      expect(isProcessAlive(grandchildPid)).toBe(true);
      clock.release();

      const exit = await exitOf(supervisor, spawnRequest.runId);
      expect(exit).toMatchObject({ timedOut: true, stopRequested: false, signal: 'SIGKILL', exitCode: null });
      expect(readLog(spawnRequest.logPath)).toMatch(/ignoring SIGTERM/);
      expect(isProcessAlive(pid)).toBe(false);
      expect(isProcessAlive(grandchildPid)).toBe(false);
    },
    HELD_CLOCK_TEST_TIMEOUT_MS,
  );

  it.runIf(procfsAvailable)(
    'kills a lingering grandchild after the worker itself died on SIGTERM',
    async () => {
      const supervisor = makeSupervisor({ killGraceMs: 800 });
      const spawnRequest = request(agentArgv('fork-grandchild', 'grandchild-ignores-term'));
      spawnOk(supervisor, spawnRequest);
      const grandchildPid = await grandchildPidIn(spawnRequest.logPath);
      sandbox.killAfterwards(grandchildPid);

      await supervisor.stop(spawnRequest.runId);
      const [exit] = supervisor.drainExits();
      expect(exit).toMatchObject({ signal: 'SIGTERM', stopRequested: true });
      expect(readLog(spawnRequest.logPath)).toContain(`${grandchildPid}: ignoring SIGTERM`);
      expect(isProcessAlive(grandchildPid)).toBe(false);
    },
  );

  describe.runIf(procfsAvailable)('descendants that call setsid (issue 18)', () => {
    for (const variant of ['setsid', 'setsid grandchild-ignores-term', 'setsid ignore-term']) {
      it(`stop() ends them too: ${variant}`, async () => {
        const supervisor = makeSupervisor({ killGraceMs: 800 });
        const spawnRequest = request(agentArgv('fork-grandchild', ...variant.split(' ')));
        const pid = spawnOk(supervisor, spawnRequest);
        const grandchildPid = await grandchildPidIn(spawnRequest.logPath);
        sandbox.killAfterwards(grandchildPid);
        // It really left the worker's group and session: a signal to the group would miss it.
        const stat = readProcStat(grandchildPid);
        expect(stat?.processGroupId).toBe(grandchildPid);
        expect(stat?.sessionId).toBe(grandchildPid);

        await supervisor.stop(spawnRequest.runId, 'test');
        expect(supervisor.drainExits()).toMatchObject([{ runId: spawnRequest.runId, stopRequested: true }]);
        expect(isProcessAlive(pid)).toBe(false);
        expect(isProcessAlive(grandchildPid)).toBe(false);
      });
    }

    it(
      'a timeout ends a setsid grandchild that ignores SIGTERM, through the waiter',
      async () => {
        const clock = heldClock();
        const supervisor = makeSupervisor({ killGraceMs: 800, now: clock.now });
        const spawnRequest = request(agentArgv('fork-grandchild', 'setsid', 'grandchild-ignores-term'), {
          maxRuntimeMs: 1_000,
        });
        const pid = spawnOk(supervisor, spawnRequest);
        const grandchildPid = await grandchildPidIn(spawnRequest.logPath);
        sandbox.killAfterwards(grandchildPid);
        expect(readProcStat(pid)?.command).toBe('sh'); // the exit-status waiter leads the worker
        clock.release();

        const exit = await exitOf(supervisor, spawnRequest.runId);
        expect(exit).toMatchObject({ timedOut: true });
        expect(readLog(spawnRequest.logPath)).toContain(`${grandchildPid}: ignoring SIGTERM`);
        expect(isProcessAlive(grandchildPid)).toBe(false);
      },
      HELD_CLOCK_TEST_TIMEOUT_MS,
    );

    it('an adopted worker stopped by the next app takes its setsid grandchild along', async () => {
      const first = makeSupervisor({ killGraceMs: 800 });
      const spawnRequest = request(agentArgv('fork-grandchild', 'setsid', 'ignore-term'));
      const pid = spawnOk(first, spawnRequest);
      const grandchildPid = await grandchildPidIn(spawnRequest.logPath);
      sandbox.killAfterwards(grandchildPid);
      first.detachAll();

      const next = makeSupervisor({ killGraceMs: 800 });
      expect(
        next.adopt({
          runId: spawnRequest.runId,
          taskId: spawnRequest.taskId,
          lane: 'fake',
          pid,
          pidStartTime: processStartTime(pid),
          logPath: spawnRequest.logPath,
          startedAt: Date.now(),
          maxRuntimeMs: null,
        }),
      ).toBe(true);
      await next.stop(spawnRequest.runId, 'test');
      expect(isProcessAlive(pid)).toBe(false);
      expect(isProcessAlive(grandchildPid)).toBe(false);
    });
  });

  it('stopAll() stops every worker', async () => {
    const supervisor = makeSupervisor();
    const requests = [request(agentArgv('sleep', '30')), request(agentArgv('sleep', '30'))];
    const pids = requests.map((spawnRequest) => spawnOk(supervisor, spawnRequest));
    await supervisor.stopAll();
    expect(
      supervisor
        .drainExits()
        .map((exit) => exit.runId)
        .sort(),
    ).toEqual(requests.map((r) => r.runId).sort());
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
  });
});

describe('Supervisor detach and adopt', () => {
  it('detachAll() forgets workers without killing them', async () => {
    const supervisor = makeSupervisor();
    const spawnRequest = request(agentArgv('sleep', '30'), { maxRuntimeMs: 500 });
    const pid = spawnOk(supervisor, spawnRequest);
    supervisor.detachAll();
    expect(supervisor.has(spawnRequest.runId)).toBe(false);
    expect(supervisor.workers()).toEqual([]);

    // Past its max runtime: the cleared timer must not kill it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(isProcessAlive(pid)).toBe(true);

    process.kill(-pid, 'SIGKILL');
    await waitFor('the detached worker to be gone', () => !isProcessAlive(pid));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(supervisor.drainExits()).toEqual([]);
  });

  it.runIf(procfsAvailable)('adopts a live worker, follows its log and reports its end', async () => {
    const supervisor = makeSupervisor();
    const logPath = path.join(sandbox.tempDir(), 'adopted.log');
    const pid = sandbox.startDetached(agentArgv('sleep', '1.5'), logPath);
    await waitFor('the orphan to print', () => fs.existsSync(logPath) && readLog(logPath).includes('tick'));

    const adopted = supervisor.adopt({
      runId: 41,
      taskId: 't_00000041',
      lane: 'fake',
      pid,
      pidStartTime: processStartTime(pid),
      logPath,
      startedAt: Date.now() - 1_000,
      maxRuntimeMs: null,
    });
    expect(adopted).toBe(true);
    expect(supervisor.isAlive(41)).toBe(true);
    const status = await waitFor('a tick in the adopted status', () =>
      supervisor.workers().find((worker) => /^tick \d+$/.test(worker.lastOutputLine ?? '')),
    );
    expect(status).toMatchObject({ runId: 41, pid, ownChild: false });

    const exit = await exitOf(supervisor, 41);
    expect(exit).toMatchObject({ adopted: true, exitCode: null, signal: null, timedOut: false, pid });
    expect(exit.lastOutputLine).toMatch(/^tick \d+$/);
    expect(supervisor.has(41)).toBe(false);
  });

  it.runIf(procfsAvailable)(
    'refuses a pid whose start time differs (recycled), a dead pid and a missing start time',
    async () => {
      const supervisor = makeSupervisor();
      const logPath = path.join(sandbox.tempDir(), 'other.log');
      const pid = sandbox.startDetached(agentArgv('sleep', '30'), logPath);
      const base = {
        runId: 42,
        taskId: 't_00000042',
        lane: 'fake',
        logPath,
        startedAt: Date.now(),
        maxRuntimeMs: null,
      };
      const startTime = processStartTime(pid) as string;

      expect(supervisor.adopt({ ...base, pid, pidStartTime: String(Number(startTime) - 1) })).toBe(false);
      expect(supervisor.adopt({ ...base, pid, pidStartTime: null })).toBe(false);
      process.kill(pid, 'SIGKILL');
      await waitFor('the orphan to be gone', () => !isProcessAlive(pid));
      expect(supervisor.adopt({ ...base, pid, pidStartTime: startTime })).toBe(false);
      expect(supervisor.workers()).toEqual([]);
    },
  );

  it.runIf(procfsAvailable)('applies the max runtime to an adopted worker and kills its group', async () => {
    const supervisor = makeSupervisor({ killGraceMs: 800 });
    const logPath = path.join(sandbox.tempDir(), 'adopted-late.log');
    const pid = sandbox.startDetached(agentArgv('fork-grandchild', 'ignore-term'), logPath);
    const grandchildPid = await grandchildPidIn(logPath);
    sandbox.killAfterwards(grandchildPid);

    const adopted = supervisor.adopt({
      runId: 43,
      taskId: 't_00000043',
      lane: 'fake',
      pid,
      pidStartTime: processStartTime(pid),
      logPath,
      startedAt: Date.now() - 60_000,
      maxRuntimeMs: 30_000,
    });
    expect(adopted).toBe(true);
    const exit = await exitOf(supervisor, 43);
    expect(exit).toMatchObject({ adopted: true, timedOut: true, exitCode: null });
    expect(isProcessAlive(pid)).toBe(false);
    expect(isProcessAlive(grandchildPid)).toBe(false);
  });
});

describe.runIf(procfsAvailable)(
  'Supervisor worker priority (settings.json dispatcher.workerPriority)',
  () => {
    /** `/proc/<pid>/stat` field 19: the niceness. */
    const nicenessOf = (pid: number): number => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const ownNiceness = os.getPriority();
    const low = Math.min(19, ownNiceness + LOW_PRIORITY_NICE_INCREMENT);

    /** A worker that starts a helper at once (as agents do) and prints the helper's pid. */
    async function spawnWithHelper(supervisor: Supervisor): Promise<{ leader: number; helper: number }> {
      const spawnRequest = request(['/bin/sh', '-c', 'sleep 30 & echo "helper $!"; wait']);
      const leader = spawnOk(supervisor, spawnRequest);
      const helper = await waitFor('the helper pid in the log', () => {
        const match = /helper (\d+)/.exec(fs.readFileSync(spawnRequest.logPath, 'utf8'));
        return match ? Number(match[1]) : undefined;
      });
      sandbox.killAfterwards(helper);
      return { leader, helper };
    }

    // Skipped where the tests themselves run at nice 19 (a CI job may be started so): nothing can
    // start lower than that, and "lower than the app" cannot be seen.
    it.runIf(ownNiceness < 19)(
      'starts workers at low priority by default, helpers they start at once included',
      async () => {
        const { leader, helper } = await spawnWithHelper(makeSupervisor());
        expect(low).toBeGreaterThan(ownNiceness);
        expect(nicenessOf(leader)).toBe(low);
        expect(nicenessOf(helper)).toBe(low);
        // Linux autogroups: the worker's session shares the CPU with the app's as a group; lowered too.
        const ownGroup = autogroupNiceOf('self');
        if (ownGroup !== null) {
          expect(autogroupNiceOf(leader)).toBe(Math.min(19, ownGroup + LOW_PRIORITY_NICE_INCREMENT));
          expect(autogroupNiceOf(helper)).toBe(autogroupNiceOf(leader));
        }
      },
    );

    it('starts workers at the app’s own priority with "normal", asked at each spawn', async () => {
      let priority: 'low' | 'normal' = 'normal';
      const supervisor = makeSupervisor({ workerPriority: () => priority });
      const normal = await spawnWithHelper(supervisor);
      expect(nicenessOf(normal.leader)).toBe(ownNiceness);
      expect(nicenessOf(normal.helper)).toBe(ownNiceness);
      if (autogroupNiceOf('self') !== null) expect(autogroupNiceOf(normal.leader)).toBe(0);
      priority = 'low';
      const lowered = await spawnWithHelper(supervisor);
      expect(nicenessOf(lowered.leader)).toBe(low);
    });

    it('keeps pid, process group, start time and exit code through the `nice` launcher', async () => {
      const supervisor = makeSupervisor();
      const spawnRequest = request(agentArgv('exit-code', '3'));
      const outcome = supervisor.spawn(spawnRequest);
      if (!outcome.ok) throw new Error(outcome.error);
      expect((await exitOf(supervisor, spawnRequest.runId)).exitCode).toBe(3);
      const sleeper = supervisor.spawn(request(['sleep', '30']));
      if (!sleeper.ok) throw new Error(sleeper.error);
      const pid = sleeper.pid;
      sandbox.killAfterwards(pid);
      // nice lowers itself, then execs the waiter in place: the same pid (and start time) is the
      // waiter's shell, the group's leader, and `sleep` runs as its child in that group, lowered too.
      const agent = await waitFor('the waiter to start sleep', () =>
        listChildProcesses(pid).find((child) => child.command === 'sleep'),
      );
      sandbox.killAfterwards(agent.pid);
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      expect(processStartTime(pid)).toBe(sleeper.pidStartTime);
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(pid); // its own group
      expect(agent.processGroupId).toBe(pid);
      expect(nicenessOf(agent.pid)).toBe(low);
    });

    it('retries lowering the autogroup while the kernel says EAGAIN, and stops once the worker is gone', async () => {
      const calls: number[] = [];
      let refusals = 2;
      // The app's autogroup is given: the CI machine has none, and the retries are ours to cover there.
      const supervisor = makeSupervisor({
        ownAutogroupNice: () => 0,
        lowerAutogroup: (pid) => {
          calls.push(pid);
          return refusals-- > 0 ? 'retry' : 'done';
        },
      });
      const first = spawnOk(supervisor, request(['sleep', '30']));
      await waitFor('the third attempt', () => calls.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(calls).toEqual([first, first, first]);

      refusals = Number.POSITIVE_INFINITY;
      const exiting = request(agentArgv('exit-code', '0'));
      const second = spawnOk(supervisor, exiting);
      await exitOf(supervisor, exiting.runId);
      const attempts = calls.filter((pid) => pid === second).length;
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(calls.filter((pid) => pid === second).length).toBeLessThanOrEqual(attempts + 1);
    });

    /** `/proc/<pid>/stat` field 41: the scheduling policy (0: SCHED_OTHER). */
    const policyOf = (statLine: string): number =>
      Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[38]);

    it('has the agent itself start low: its nice and its autogroup set before it runs', async () => {
      const lowered: number[] = [];
      // The supervisor's own check after the spawn does nothing here: what the agent sees at its
      // first instruction is what the waiter and the launchers gave it before exec.
      const supervisor = makeSupervisor({
        lowerAutogroup: (pid) => {
          lowered.push(pid);
          return 'done';
        },
      });
      const spawnRequest = request(['/bin/cat', '/proc/self/autogroup', '/proc/self/stat']);
      const pid = spawnOk(supervisor, spawnRequest);
      expect((await exitOf(supervisor, spawnRequest.runId)).exitCode).toBe(0);
      const [autogroupLine, statLine] = readLog(spawnRequest.logPath).trim().split('\n');
      const stat = (statLine as string).slice((statLine as string).lastIndexOf(')') + 2).split(' ');
      expect(Number(stat[16])).toBe(low);
      expect(policyOf(statLine as string)).toBe(0);
      const ownGroup = autogroupNiceOf('self');
      if (ownGroup !== null) {
        expect(autogroupLine).toMatch(new RegExp(`nice ${lowAutogroupNice(ownGroup, [])}$`));
        expect(lowered).toEqual([pid]);
      }
    });

    it.runIf(autogroupNiceOf('self') !== null)(
      'weighs the low workers’ autogroups together: within the app’s weight, the later ones lower',
      async () => {
        const ownGroup = autogroupNiceOf('self') as number;
        const supervisor = makeSupervisor();
        const requests = Array.from({ length: 11 }, () => request(['sleep', '30']));
        const nices = requests.map((spawnRequest) => autogroupNiceOf(spawnOk(supervisor, spawnRequest)));
        const expected: number[] = [];
        for (let index = 0; index < 11; index += 1) expected.push(lowAutogroupNice(ownGroup, expected));
        expect(nices).toEqual(expected);
        if (ownGroup === 0) expect(nices).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 16, 19]);
        // A worker that ended no longer counts: its weight goes to the next one.
        await supervisor.stop((requests[0] as SpawnRequest).runId);
        expect(autogroupNiceOf(spawnOk(supervisor, request(['sleep', '30'])))).toBe(
          lowAutogroupNice(ownGroup, expected.slice(1)),
        );
      },
    );

    it('lowers the leader right after the spawn when there is no `nice` program', async () => {
      const supervisor = makeSupervisor({ niceProgram: null });
      const spawnRequest = request(['sleep', '30']);
      const pid = spawnOk(supervisor, spawnRequest);
      expect(nicenessOf(pid)).toBe(low);
    });
  },
);

describe.runIf(procfsAvailable)(
  'Supervisor waiter: the exit status outlives the supervisor (issue 20)',
  () => {
    const statusOf = (spawnRequest: SpawnRequest): unknown =>
      JSON.parse(fs.readFileSync(exitStatusPathOf(spawnRequest.logPath), 'utf8'));
    /** A worker that works for a while and then exits with `code` (the test's own text, through sh). */
    const exitsLater = (seconds: number, code: number): string[] => [
      '/bin/sh',
      '-c',
      `echo working; sleep ${seconds}; echo "exiting with ${code}"; exit ${code}`,
    ];
    const gone = (spawnRequest: SpawnRequest, pid: number) => ({
      runId: spawnRequest.runId,
      taskId: spawnRequest.taskId,
      lane: spawnRequest.lane,
      pid,
      logPath: spawnRequest.logPath,
    });

    it('records the exit code beside the log, and a signal death as the signal, with the log untouched', async () => {
      const supervisor = makeSupervisor({ killGraceMs: 5_000 });
      const seven = request(agentArgv('exit-code', '7'));
      spawnOk(supervisor, seven);
      expect(await exitOf(supervisor, seven.runId)).toMatchObject({ exitCode: 7, signal: null });
      expect(statusOf(seven)).toEqual({ exitCode: 7, signal: null });
      // No temp file is left next to it; the pid the waiter wrote first stays (exitStatus.ts).
      expect(fs.readdirSync(path.dirname(seven.logPath)).sort()).toEqual([
        `${seven.runId}.exit`,
        `${seven.runId}.log`,
        `${seven.runId}.pid`,
      ]);

      const stopped = request(agentArgv('sleep', '30'));
      spawnOk(supervisor, stopped);
      await waitFor('the worker to print', () => readLog(stopped.logPath).includes('tick'));
      await supervisor.stop(stopped.runId);
      const [exit] = supervisor.drainExits();
      expect(exit).toMatchObject({ exitCode: null, signal: 'SIGTERM', stopRequested: true });
      expect(statusOf(stopped)).toEqual({ exitCode: null, signal: 'SIGTERM' });
      // The waiter's shell says nothing of its own ("Terminated") in the worker's log.
      expect(readLog(stopped.logPath).trim().split('\n').pop()).toMatch(/^tick \d+$/);
    });

    it('never writes through a link planted in place of its temp file', async () => {
      const supervisor = makeSupervisor();
      const spawnRequest = request(agentArgv('exit-code', '5'));
      const victim = path.join(sandbox.tempDir(), 'victim');
      fs.writeFileSync(victim, 'keep me');
      fs.mkdirSync(path.dirname(spawnRequest.logPath), { recursive: true });
      fs.symlinkSync(victim, `${exitStatusPathOf(spawnRequest.logPath)}.tmp`);
      spawnOk(supervisor, spawnRequest);
      // No status recorded; our own child's exit code still comes from the waiter's own exit.
      expect(await exitOf(supervisor, spawnRequest.runId)).toMatchObject({ exitCode: 5, signal: null });
      expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
      expect(fs.existsSync(exitStatusPathOf(spawnRequest.logPath))).toBe(false);
    });

    it('a worker that ends while no supervisor watches is reported with its own exit code', async () => {
      const first = makeSupervisor();
      const spawnRequest = request(exitsLater(0.6, 3));
      const pid = spawnOk(first, spawnRequest);
      first.detachAll(); // the dispatcher is gone: nobody is this worker's listener any more
      await waitFor('the worker to end', () => !isProcessAlive(pid));

      const second = makeSupervisor();
      second.recordGone(gone(spawnRequest, pid));
      expect(second.drainExits()).toEqual([
        expect.objectContaining({ runId: spawnRequest.runId, exitCode: 3, signal: null, adopted: true }),
      ]);
    });

    it('an adopted worker that ends later is reported with its own exit code, not as unknown', async () => {
      const first = makeSupervisor();
      const spawnRequest = request(exitsLater(1, 0));
      const outcome = first.spawn(spawnRequest);
      if (!outcome.ok) throw new Error(outcome.error);
      sandbox.killAfterwards(outcome.pid);
      first.detachAll();

      const second = makeSupervisor();
      expect(
        second.adopt({
          ...gone(spawnRequest, outcome.pid),
          pid: outcome.pid,
          pidStartTime: outcome.pidStartTime,
          startedAt: Date.now(),
          maxRuntimeMs: null,
        }),
      ).toBe(true);
      const exit = await exitOf(second, spawnRequest.runId);
      expect(exit).toMatchObject({
        adopted: true,
        exitCode: 0,
        signal: null,
        lastOutputLine: 'exiting with 0',
      });
    });

    it('a worker SIGKILLed together with its waiter leaves no status: unknown, not a failure code', async () => {
      const first = makeSupervisor();
      const spawnRequest = request(agentArgv('sleep', '30'));
      const pid = spawnOk(first, spawnRequest);
      await waitFor('the worker to print', () => readLog(spawnRequest.logPath).includes('tick'));
      first.detachAll();
      process.kill(-pid, 'SIGKILL');
      await waitFor('the group to be gone', () => !isProcessAlive(pid));

      const second = makeSupervisor();
      second.recordGone(gone(spawnRequest, pid));
      const [exit] = second.drainExits();
      expect(exit).toMatchObject({ exitCode: null, signal: null });
      expect(exitStatusKnown(exit as WorkerExit)).toBe(false);
      expect(fs.existsSync(exitStatusPathOf(spawnRequest.logPath))).toBe(false);
    });
  },
);
