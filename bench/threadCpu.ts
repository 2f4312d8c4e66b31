import fs from 'node:fs';
import { type CpuStall, monotonicMs, stalledWithin } from './cpuStalls';

/**
 * Where this process's CPU goes during a section (Linux): each thread's time on a CPU and time
 * waiting on a run queue, from /proc/self/task/<tid>/schedstat. The event-loop maxima of rows 5,
 * 11 and 12 were run-queue waits of the main thread (bench/RESULTS.md "Row 12: the cause"), so the
 * sections that measure them print what the main thread and the process's other threads (the
 * structured-log thread, libuv's pool, V8's helpers) ran and waited in the same window.
 */

interface ThreadTimes {
  runNs: number;
  waitNs: number;
}

export type ThreadSnapshot = Map<number, ThreadTimes>;

export function threadSnapshot(): ThreadSnapshot {
  const snapshot: ThreadSnapshot = new Map();
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return snapshot; // not Linux
  }
  for (const tid of tids) {
    try {
      const [run, wait] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
      snapshot.set(Number(tid), { runNs: Number(run), waitNs: Number(wait) });
    } catch {
      // the thread ended, or no schedstat in this kernel
    }
  }
  return snapshot;
}

/** "main thread ran 0.31 s, waited 0.80 s for a core; other threads ran 1.90 s (busiest 1.52 s), waited 2.10 s". */
export function describeThreadTimes(
  before: ThreadSnapshot,
  after: ThreadSnapshot = threadSnapshot(),
  leaveOut: ReadonlySet<number> = new Set(),
): string {
  if (after.size === 0) return 'per-thread times not available (no /proc/self/task/*/schedstat)';
  const delta = (tid: number): ThreadTimes => {
    const end = after.get(tid) as ThreadTimes;
    const start = before.get(tid) ?? { runNs: 0, waitNs: 0 };
    return { runNs: end.runNs - start.runNs, waitNs: end.waitNs - start.waitNs };
  };
  const seconds = (ns: number): string => `${(ns / 1e9).toFixed(2)} s`;
  const main = after.has(process.pid) ? delta(process.pid) : { runNs: 0, waitNs: 0 };
  let othersRun = 0;
  let othersWait = 0;
  let busiest = 0;
  for (const tid of after.keys()) {
    if (tid === process.pid || leaveOut.has(tid)) continue;
    const times = delta(tid);
    othersRun += times.runNs;
    othersWait += times.waitNs;
    busiest = Math.max(busiest, times.runNs);
  }
  return (
    `main thread ran ${seconds(main.runNs)}, waited ${seconds(main.waitNs)} for a core; ` +
    `other threads ran ${seconds(othersRun)} (busiest ${seconds(busiest)}), waited ${seconds(othersWait)}`
  );
}

/** What the main thread did during the longest gap between two ticks of a timer. */
export interface GapProbe {
  /**
   * Stops the timer and says how long the longest gap was (beyond the interval) and what filled it;
   * with the CPU stalls of the same window (cpuStalls.ts), also how much of it a CPU was not run.
   */
  stop(stalls?: readonly CpuStall[] | null): { gapMs: number; text: string };
}

/**
 * The main thread's schedstat, read at every tick of the probe: one pread on a file kept open (an
 * open, read and close per tick cost the measured thread ~1 s of a 140 s run at load 57 in a CPU
 * profile — the probe must not be what it measures).
 */
function mainThreadReader(): { read: () => ThreadTimes | null; close: () => void } {
  let fd: number | null = null;
  try {
    fd = fs.openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return { read: () => null, close: () => undefined };
  }
  const buffer = Buffer.alloc(128);
  const close = (): void => fs.closeSync(fd as number);
  const read = (): ThreadTimes | null => {
    try {
      const length = fs.readSync(fd as number, buffer, 0, buffer.length, 0);
      const [run, wait] = buffer.toString('latin1', 0, length).split(' ');
      return { runNs: Number(run), waitNs: Number(wait) };
    } catch {
      return null;
    }
  };
  return { read, close };
}

/**
 * A timer every `intervalMs` that keeps the longest gap between its ticks and the main thread's
 * time on a CPU and on a run queue within that gap: a long gap that is mostly "waited" is the
 * thread ready to run and not given a core (the scheduler's), one mostly "ran" is our own code.
 */
export function startGapProbe(intervalMs = 10): GapProbe {
  const reader = mainThreadReader();
  const mainThreadTimes = reader.read;
  let last = monotonicMs();
  let lastTimes = mainThreadTimes();
  let worst = { gapMs: 0, ranMs: 0, waitedMs: 0, fromMs: last, toMs: last };
  const timer = setInterval(() => {
    const now = monotonicMs();
    const times = mainThreadTimes();
    const gapMs = now - last - intervalMs;
    if (gapMs > worst.gapMs)
      worst = {
        gapMs,
        ranMs: times && lastTimes ? (times.runNs - lastTimes.runNs) / 1e6 : Number.NaN,
        waitedMs: times && lastTimes ? (times.waitNs - lastTimes.waitNs) / 1e6 : Number.NaN,
        fromMs: last,
        toMs: now,
      };
    last = now;
    lastTimes = times;
  }, intervalMs);
  return {
    stop(stalls) {
      clearInterval(timer);
      reader.close();
      let text = Number.isNaN(worst.ranMs)
        ? `timer gap max ${worst.gapMs.toFixed(1)} ms`
        : `timer gap max ${worst.gapMs.toFixed(1)} ms: the main thread ran ${worst.ranMs.toFixed(1)} ms ` +
          `and waited ${worst.waitedMs.toFixed(1)} ms for a core in it`;
      if (stalls) {
        // The window between the two ticks (the gap and the interval): a stall there kept the timer
        // from firing or the woken thread from running.
        const { stalledMs, cpus } = stalledWithin(stalls, worst.fromMs, worst.toMs);
        text +=
          stalledMs > 0
            ? `; a CPU was not run (host) for ${stalledMs.toFixed(1)} ms of it (${cpus.map((cpu) => `cpu${cpu}`).join(', ')})`
            : '; no CPU stalled in it';
      }
      return { gapMs: worst.gapMs, text };
    },
  };
}
