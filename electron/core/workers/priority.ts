import fs from 'node:fs';
import os from 'node:os';

/**
 * The one reading of "low priority" for what the app starts in the background: workers
 * (supervisor.ts, settings.json `dispatcher.workerPriority`; docs/architecture.md §5 "Worker
 * priority") and the git an engine runs off its event loop (offLoopExecFile.ts). Every way of
 * starting a worker (in process, through the spawner) asks `launchPriority` and nothing else.
 *
 * Two things make a worker "low" on Linux, the second because the first was not enough:
 * - **nice +10**, applied by `nice` before the agent is exec'd, so the agent and everything it starts
 *   inherit it from their first instruction.
 * - **Its session's autogroup lowered.** A worker is a session of its own (setsid, so it never shares
 *   the app's controlling terminal), and with autogroups on (sched(7)) each session is a scheduling
 *   group: the CPU is shared between groups first, by the groups' nice, and a task's nice only weighs
 *   inside its group. 40 workers at autogroup nice 10 weigh 40 × 110 against the app's 1,024: the
 *   app's share on a busy machine fell to about a fifth, less than the app needs while it follows 40
 *   logs, and its event loop waited on the run queue (bench/RESULTS.md, "Row 12: the cause"). So
 *   the low workers' groups together weigh at most what the app's group weighs, as one more
 *   program at normal priority would (`lowAutogroupNice`): each one nice +10 (as before) until
 *   that is spent — 9 workers at nice 10 weigh 990 — and the next ones less, down to nice 19.
 *   A single agent keeps the share it had; only a fleet is thinned, and it still gets a fair share
 *   as a whole on a busy desktop (lowering each worker to nice 19 starved them under load).
 *   The waiter writes it to /proc/self/autogroup before it starts the agent; the supervisor checks
 *   it afterwards and retries while the kernel refuses (EAGAIN: unprivileged writers get one change
 *   per 100 ms, system-wide).
 * SCHED_BATCH (no wake-up preemption, same weight) and SCHED_IDLE were considered and not taken:
 * SCHED_BATCH was not measured apart in the time there was; SCHED_IDLE, where autogroups do not
 * apply (turned off, or a cgroup with the cpu controller, as some desktops set up), weighs 3
 * against 1,024, and an agent the user waits for would crawl whenever anything else runs.
 */

export type WorkerPriority = 'low' | 'normal';

/** How much lower "low" is: nice +10 over this process, at most 19; Windows: below normal. */
export const LOW_PRIORITY_NICE_INCREMENT = 10;
export const MAX_NICE = 19;

/** The priority (os.setPriority) a low-priority child of this process gets. */
export function lowPriorityValue(): number {
  return process.platform === 'win32'
    ? os.constants.priority.PRIORITY_BELOW_NORMAL
    : Math.min(MAX_NICE, os.getPriority() + LOW_PRIORITY_NICE_INCREMENT);
}

/** The kernel's weight of nice 0 … 19 (kernel/sched/core.c `sched_prio_to_weight`). */
const WEIGHT_OF_NICE = [
  1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
] as const;

const weightOf = (nice: number): number => WEIGHT_OF_NICE[Math.min(MAX_NICE, Math.max(0, nice))] as number;

/**
 * The autogroup nice of a new low worker while low workers with the autogroup nices `running` are
 * alive: all of them together weigh at most what the app's own group weighs (one program at normal
 * priority), each one at most the app's nice + 10, and never less than nice 19 once that is spent.
 */
export function lowAutogroupNice(ownGroupNice: number, running: readonly number[]): number {
  const highest = Math.min(MAX_NICE, Math.max(0, ownGroupNice + LOW_PRIORITY_NICE_INCREMENT));
  let left = weightOf(ownGroupNice);
  for (const nice of running) left -= weightOf(nice);
  for (let nice = highest; nice < MAX_NICE; nice += 1) if (weightOf(nice) <= left) return nice;
  return MAX_NICE;
}

/** What a new worker is started with (see the header). */
export interface LaunchPriority {
  low: boolean;
  /** Run before the agent's own argv (each execs in place: same pid, group and start time). */
  launcher: string[];
  /** No `nice` program: the leader is lowered right after the spawn instead. */
  lowerAfterSpawn: boolean;
  /** The autogroup nice the worker's session should get, or null (normal, or no autogroups). */
  autogroupNice: number | null;
}

export interface PriorityPrograms {
  nice: string | null;
  /** The app's own autogroup nice, or null without autogroups. */
  ownAutogroupNice: number | null;
}

/**
 * The one decision: how a worker started now runs, while low workers with the autogroup nices
 * `lowRunning` are alive.
 */
export function launchPriority(
  priority: WorkerPriority,
  lowRunning: readonly number[],
  programs: PriorityPrograms,
): LaunchPriority {
  if (priority !== 'low') return { low: false, launcher: [], lowerAfterSpawn: false, autogroupNice: null };
  // `--` keeps a program named like an option from being read as one.
  const launcher = programs.nice ? [programs.nice, '-n', String(LOW_PRIORITY_NICE_INCREMENT), '--'] : [];
  return {
    low: true,
    launcher,
    lowerAfterSpawn: programs.nice === null,
    autogroupNice:
      programs.ownAutogroupNice === null ? null : lowAutogroupNice(programs.ownAutogroupNice, lowRunning),
  };
}

/** An executable from the system folders (never the worker's PATH), or null. */
function systemProgram(name: string): string | null {
  if (process.platform === 'win32') return null;
  for (const candidate of [`/usr/bin/${name}`, `/bin/${name}`]) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** `nice` (POSIX: Linux, macOS), or null (Windows, odd systems). */
export const findNiceProgram = (): string | null => systemProgram('nice');

export function autogroupsEnabled(): boolean {
  try {
    return fs.readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return false; // not Linux, or a kernel without autogroups
  }
}

/** The autogroup nice of `pid` ("/autogroup-123 nice 5"), or null without autogroups. */
export function autogroupNiceOf(pid: number | 'self'): number | null {
  try {
    const match = /nice (-?\d+)/.exec(fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Lowers `pid`'s autogroup to `nice` unless it is there already (the waiter set it itself):
 * 'retry' while the kernel refuses for now (EAGAIN), 'done' otherwise (a failure other than a
 * gone process is reported: the worker runs all the same).
 */
export function lowerAutogroup(
  pid: number,
  nice: number,
  reportError: (error: Error) => void,
): 'done' | 'retry' {
  const current = autogroupNiceOf(pid);
  if (current === null || current >= nice) return 'done';
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return 'done';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') return 'retry';
    if (code !== 'ENOENT' && code !== 'ESRCH') {
      reportError(
        new Error(
          `worker pid ${pid}: cannot lower its scheduling group: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
    return 'done';
  }
}
