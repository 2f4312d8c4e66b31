import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentArgv, useProcessSandbox, waitFor } from '../../test/helpers/processes';
import {
  isProcessAlive,
  isZombie,
  listChildProcesses,
  listProcessGroup,
  parseProcStat,
  processStartTime,
  procfsAvailable,
  readProcStat,
} from './procfs';

const sandbox = useProcessSandbox('switchyard-procfs-');

describe('parseProcStat', () => {
  it('reads the fields around a command that contains spaces and parentheses', () => {
    const tail = Array.from({ length: 30 }, (_, index) => String(index + 10)).join(' ');
    const line = `4242 (my (odd) name) S 17 4242 4200 ${tail}`;
    const stat = parseProcStat(line);
    // field 22 = index 19 after the command; fields 3..6 are state, ppid, pgrp, session, then `tail`.
    expect(stat).toEqual({
      pid: 4242,
      command: 'my (odd) name',
      state: 'S',
      parentPid: 17,
      processGroupId: 4242,
      sessionId: 4200,
      startTime: String(19 - 4 + 10),
    });
  });

  it('refuses a truncated line', () => {
    expect(parseProcStat('12 (x) S 1 12')).toBeNull();
    expect(parseProcStat('garbage')).toBeNull();
  });
});

describe.runIf(procfsAvailable)('/proc on this machine', () => {
  it('reads this process: pid, parent and a start time that never changes', () => {
    const stat = readProcStat(process.pid);
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.parentPid).toBe(process.ppid);
    expect(stat?.startTime).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(stat?.startTime);
  });

  it('tells a live process, the same process, a recycled pid and a dead one apart', async () => {
    const dir = sandbox.tempDir();
    const pid = sandbox.startDetached(agentArgv('sleep', '30'), path.join(dir, 'sleep.log'));
    const startTime = processStartTime(pid);
    expect(startTime).not.toBeNull();
    expect(isProcessAlive(pid)).toBe(true);
    expect(isProcessAlive(pid, startTime)).toBe(true);
    expect(isProcessAlive(pid, `${startTime}1`)).toBe(false);

    process.kill(pid, 'SIGKILL');
    await waitFor('the killed process to be gone', () => !isProcessAlive(pid));
    expect(isProcessAlive(pid, startTime)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-5)).toBe(false);
  });

  it('lists children and process-group members, and sees the grandchild in the group', async () => {
    const dir = sandbox.tempDir();
    const logPath = path.join(dir, 'fork.log');
    const pid = sandbox.startDetached(agentArgv('fork-grandchild'), logPath);
    const grandchildPid = await waitFor('the grandchild to report its pid', () => {
      const match = /^grandchild (\d+)$/m.exec(fs.readFileSync(logPath, 'utf8'));
      return match ? Number(match[1]) : undefined;
    });

    expect(listChildProcesses(process.pid).map((stat) => stat.pid)).toContain(pid);
    expect(listChildProcesses(pid).map((stat) => stat.pid)).toEqual([grandchildPid]);
    const group = listProcessGroup(pid).map((stat) => stat.pid);
    expect(group.sort()).toEqual([pid, grandchildPid].sort());
  });

  it('counts a zombie as not alive', async () => {
    // `sh` forks a short `sleep`, then execs a longer one that never waits for it: the short one
    // stays a zombie until the long one exits.
    const dir = sandbox.tempDir();
    const parentPid = sandbox.startDetached(
      ['/bin/sh', '-c', 'sleep 0 & exec sleep 20'],
      path.join(dir, 'z.log'),
    );
    const zombie = await waitFor('a zombie child', () =>
      listChildProcesses(parentPid).find((stat) => stat.state === 'Z'),
    );
    expect(isZombie(zombie.pid)).toBe(true);
    expect(isProcessAlive(zombie.pid)).toBe(false);
    expect(isZombie(parentPid)).toBe(false);
  });
});
