import fs from 'node:fs';

/**
 * Reading Linux `/proc` to recognise processes (docs/architecture.md §5 and "Processes").
 *
 * A pid alone does not identify a process: after a restart the recorded pid may have been recycled by
 * an unrelated program. Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot) does not
 * change for the life of a process, so pid + start time names one process for good.
 *
 * Where `/proc` does not exist (macOS, Windows) the start time is unknown (`null`) and liveness falls
 * back to `kill(pid, 0)`.
 */

export interface ProcStat {
  pid: number;
  /** The executable name as the kernel reports it (at most 15 characters). */
  command: string;
  /** One letter: R running, S sleeping, D disk wait, Z zombie, T stopped, X dead … */
  state: string;
  parentPid: number;
  processGroupId: number;
  sessionId: number;
  /** Field 22, kept as a string: it is compared, never computed with, and may exceed 2^53 in theory. */
  startTime: string;
}

export const procfsAvailable: boolean = fs.existsSync('/proc/self/stat');

/** Parses one `/proc/<pid>/stat` line. The command may itself contain spaces and parentheses. */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open).trim());
  // Fields after the command start at field 3 (state); field 22 is at index 22 - 3 = 19 of this list.
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const [state, parentPid, processGroupId, sessionId] = rest;
  const startTime = rest[19];
  if (!Number.isInteger(pid) || !state || !parentPid || !processGroupId || !sessionId || !startTime) {
    return null;
  }
  return {
    pid,
    command: line.slice(open + 1, close),
    state,
    parentPid: Number(parentPid),
    processGroupId: Number(processGroupId),
    sessionId: Number(sessionId),
    startTime,
  };
}

/** The stat of a live (or zombie) process, or null when there is no such process or no `/proc`. */
export function readProcStat(pid: number): ProcStat | null {
  if (!procfsAvailable || !isValidPid(pid)) return null;
  let line: string;
  try {
    line = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // ENOENT/ESRCH: the process is gone (or vanished while we read) — that is the answer, not an error.
    return null;
  }
  return parseProcStat(line);
}

/** The argv of a process (`/proc/<pid>/cmdline`), or null when it is gone or there is no `/proc`. */
export function readCommandLine(pid: number): string[] | null {
  if (!procfsAvailable || !isValidPid(pid)) return null;
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.endsWith('\0') ? raw.slice(0, -1).split('\0') : raw.split('\0');
  } catch {
    return null;
  }
}

/** `/proc/<pid>/stat` field 22, or null when the process is gone or `/proc` is unavailable. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/** A zombie has exited and only waits for its parent to collect its exit status. */
export function isZombie(pid: number): boolean {
  return readProcStat(pid)?.state === 'Z';
}

/**
 * True when the process exists and has not exited (a zombie counts as exited). With
 * `expectedStartTime`, the process must also be the same one that was recorded (not a recycled pid);
 * without `/proc` that part cannot be checked and is skipped.
 */
export function isProcessAlive(pid: number, expectedStartTime?: string | null): boolean {
  if (!isValidPid(pid)) return false;
  if (!procfsAvailable) return signalZeroSucceeds(pid);
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return expectedStartTime == null || stat.startTime === expectedStartTime;
}

/** Every process whose parent is `parentPid` (empty without `/proc`). */
export function listChildProcesses(parentPid: number): ProcStat[] {
  return listAllProcesses().filter((stat) => stat.parentPid === parentPid);
}

/** Every process in process group `processGroupId`, zombies included (empty without `/proc`). */
export function listProcessGroup(processGroupId: number): ProcStat[] {
  return listAllProcesses().filter((stat) => stat.processGroupId === processGroupId);
}

/**
 * Whether process group `processGroupId` has any process left, zombies included: one kill(2) with
 * signal 0 — no /proc scan, so it can be asked often. False is certain; true may mean zombies only
 * (liveProcessGroupMembers tells them apart, at the cost of reading every process's stat).
 */
export function processGroupExists(processGroupId: number): boolean {
  return isValidPid(processGroupId) && signalZeroSucceeds(-processGroupId);
}

/** Members of the group that have not exited yet. */
export function liveProcessGroupMembers(processGroupId: number): ProcStat[] {
  return listProcessGroup(processGroupId).filter((stat) => stat.state !== 'Z' && stat.state !== 'X');
}

/**
 * Every live process descending from any of `roots` (children, their children …), from one pass over
 * `/proc` (empty without it). A process that called `setsid` has left its parent's process group
 * but is still its child, so this finds what a signal to the group misses — as long as the chain
 * of parents is intact: an orphan already handed to init (or a subreaper) descends from nobody here.
 */
export function liveDescendantsOf(roots: Iterable<number>): ProcStat[] {
  const childrenOf = new Map<number, ProcStat[]>();
  for (const stat of listAllProcesses()) {
    if (stat.state === 'Z' || stat.state === 'X') continue;
    const siblings = childrenOf.get(stat.parentPid);
    if (siblings) siblings.push(stat);
    else childrenOf.set(stat.parentPid, [stat]);
  }
  const found = new Map<number, ProcStat>();
  const queue = [...roots];
  while (queue.length > 0) {
    for (const child of childrenOf.get(queue.pop() as number) ?? []) {
      if (found.has(child.pid)) continue;
      found.set(child.pid, child);
      queue.push(child.pid);
    }
  }
  return [...found.values()];
}

function listAllProcesses(): ProcStat[] {
  if (!procfsAvailable) return [];
  const stats: ProcStat[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

function isValidPid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0;
}

function signalZeroSucceeds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
