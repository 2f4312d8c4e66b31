import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { AGENTS } from './agents';
import type { SpawnRequest } from '../../electron/core/workers/supervisor';

/** Fake agent programs (test/fixtures/agents/*.mjs), each documented in its header comment. */
export const AGENTS_DIR = AGENTS;

export function agentPath(name: string): string {
  return path.join(AGENTS_DIR, name.endsWith('.mjs') ? name : `${name}.mjs`);
}

/** argv that runs a fake agent with this very Node (no reliance on `node` being on PATH). */
export function agentArgv(name: string, ...args: string[]): string[] {
  return [process.execPath, agentPath(name), ...args];
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls until `probe` returns something other than undefined/false/null and returns it; fails with
 * `what` after the timeout. Generous defaults: a loaded 2-core CI machine starts Node slowly.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 25 }: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Per test: a temp folder, plus process groups / pids to SIGKILL afterwards, so a failing test never
 * leaves a worker running.
 */
export function useProcessSandbox(prefix = 'switchyard-proc-'): {
  tempDir: () => string;
  killAfterwards: (pid: number | undefined) => void;
  /**
   * Starts `argv` as a worker an earlier app left behind: detached (its own process group), output
   * appended to `logPath`, not waited for by this process. Killed after the test; returns its pid.
   */
  startDetached: (argv: string[], logPath: string) => number;
  /**
   * What a dispatcher would ask the supervisor to start: `argv` in a fresh temp folder, a new run id,
   * its log at `logs/<task>/<run>.log` there, no runtime limit.
   */
  workerRequest: (argv: string[], overrides?: Partial<SpawnRequest>) => SpawnRequest;
} {
  const dirs: string[] = [];
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone: that is what we want
        }
      }
    }
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const killAfterwards = (pid: number | undefined) => {
    if (pid !== undefined) pids.push(pid);
  };
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  let nextRunId = 1;
  return {
    workerRequest: (argv, overrides = {}) => {
      const dir = tempDir();
      const runId = nextRunId++;
      const spawnRequest: SpawnRequest = {
        runId,
        taskId: `t_${runId.toString(16).padStart(8, '0')}`,
        lane: 'fake',
        argv,
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        logPath: path.join(dir, 'logs', `t_${runId}`, `${runId}.log`),
        maxRuntimeMs: null,
        ...overrides,
      };
      // The log's folder exists, as the dispatcher makes it (ensureOwnedDir) before any spawn.
      fs.mkdirSync(path.dirname(spawnRequest.logPath), { recursive: true, mode: 0o700 });
      return spawnRequest;
    },
    tempDir,
    killAfterwards,
    startDetached: (argv, logPath) => {
      fs.mkdirSync(path.dirname(logPath), { recursive: true });
      const logFd = fs.openSync(logPath, 'a');
      const [program, ...args] = argv as [string, ...string[]];
      const child = spawn(program, args, { detached: true, stdio: ['ignore', logFd, logFd] });
      fs.closeSync(logFd);
      child.unref();
      killAfterwards(child.pid);
      if (child.pid === undefined) throw new Error(`could not start ${program}`);
      return child.pid;
    },
  };
}
