import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Whether a CPU itself stopped running (Linux, as root): one real-time (SCHED_FIFO) thread pinned to
 * each CPU wakes every millisecond and keeps every wake that came late by more than `minStallMs`.
 * Nothing that runs in this VM at a normal priority can keep such a thread off its CPU for long,
 * so a long lateness is the CPU not being run at all: on this project's VM, the host stops one
 * virtual CPU for up to a whole 100 ms period of its CPU quota (bench/RESULTS.md, "Rows 5 and 12:
 * what the main thread sleeps on"), with no steal time reported to the guest. A thread asleep with
 * its timer on that CPU sleeps past its timer, and one runnable there waits — the event loop's
 * longest gaps in rows 5 and 12. The gap probe (threadCpu.ts) says how much of its longest gap
 * such a stall covered.
 *
 * Where a thread cannot be made real-time or pinned (not root, no `chrt`/`taskset`, not Linux) the
 * watch is not started and the bench says "not measured".
 */

/** A time a CPU's pinned real-time thread did not run, in `monotonicMs` time. */
export interface CpuStall {
  cpu: number;
  startMs: number;
  endMs: number;
}

/** CLOCK_MONOTONIC in ms: the same clock in every thread (performance.now()'s origin is per thread). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * How much of [fromMs, toMs] some CPU was stalled (the union of the stalls clipped to the window,
 * so two CPUs stalled at once count once), and which CPUs.
 */
export function stalledWithin(
  stalls: readonly CpuStall[],
  fromMs: number,
  toMs: number,
): { stalledMs: number; cpus: number[] } {
  const clipped = stalls
    .map((stall) => ({
      cpu: stall.cpu,
      start: Math.max(fromMs, stall.startMs),
      end: Math.min(toMs, stall.endMs),
    }))
    .filter((stall) => stall.end > stall.start)
    .sort((a, b) => a.start - b.start);
  let stalledMs = 0;
  let coveredTo = -Infinity;
  for (const stall of clipped) {
    const start = Math.max(stall.start, coveredTo);
    if (stall.end > start) stalledMs += stall.end - start;
    coveredTo = Math.max(coveredTo, stall.end);
  }
  return { stalledMs, cpus: [...new Set(clipped.map((stall) => stall.cpu))].sort((a, b) => a - b) };
}

/** "CPU stalls ≥ 10 ms: 4 (longest 101.2 ms, 350.1 ms in all)". */
export function describeStalls(stalls: readonly CpuStall[], minStallMs: number): string {
  if (stalls.length === 0) return `CPU stalls ≥ ${minStallMs} ms: none`;
  const lengths = stalls.map((stall) => stall.endMs - stall.startMs);
  return (
    `CPU stalls ≥ ${minStallMs} ms: ${stalls.length} (longest ${Math.max(...lengths).toFixed(1)} ms, ` +
    `${lengths.reduce((sum, length) => sum + length, 0).toFixed(1)} ms in all)`
  );
}

/** A task timed on another clock (a page's performance.now()), named for the report. */
export interface TimedTask {
  name: string;
  start: number;
  duration: number;
}

/**
 * "drag 3: 101 ms (a CPU stalled 98 ms of it)" for each task a stall overlapped, or "none": the
 * tasks' clock is `offsetMs` behind monotonicMs (a page's performance.now() read between two of
 * ours: bench/board.ts).
 */
export function describeStalledTasks(
  tasks: readonly TimedTask[],
  stalls: readonly CpuStall[],
  offsetMs: number,
): string {
  const hit = tasks.flatMap((task) => {
    const from = task.start + offsetMs;
    const { stalledMs } = stalledWithin(stalls, from, from + task.duration);
    return stalledMs > 0
      ? [`${task.name}: ${task.duration.toFixed(0)} ms (a CPU stalled ${stalledMs.toFixed(0)} ms of it)`]
      : [];
  });
  return hit.length === 0 ? 'none' : hit.join('; ');
}

export interface CpuStallWatch {
  /** Its threads' ids (left out of the process's thread times: they are the probe, not the app). */
  tids: ReadonlySet<number>;
  /** The stalls seen so far (the threads keep running). */
  stalls(): CpuStall[];
  /** Ends the threads; every one is gone when it resolves. */
  stop(): Promise<CpuStall[]>;
}

// The pinned thread's loop: it sleeps 1 ms at a time on a futex (Atomics.wait) until told to stop,
// and sends each late wake's window to the main thread at once (rare: a message per stall).
const WATCH_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const control = new Int32Array(workerData.control);
const now = () => Number(process.hrtime.bigint()) / 1e6;
parentPort.postMessage({ tid: Number(fs.readlinkSync('/proc/thread-self').split('/').pop()) });
// Started once the main thread has pinned it and made it real-time (control[1] = 1).
while (Atomics.load(control, 1) === 0 && Atomics.load(control, 0) === 0) Atomics.wait(control, 1, 0, 1000);
let before = now();
while (Atomics.load(control, 0) === 0) {
  Atomics.wait(control, 0, 0, 1);
  const after = now();
  if (after - before - 1 > workerData.minStallMs) parentPort.postMessage({ startMs: before, endMs: after });
  before = after;
}
`;

/**
 * Starts one pinned real-time thread per CPU, or returns null (with why) where that cannot be done.
 * Its own cost: one wake per CPU per millisecond.
 */
export async function startCpuStallWatch(
  minStallMs = 10,
): Promise<{ watch: CpuStallWatch } | { watch: null; why: string }> {
  if (process.platform !== 'linux') return { watch: null, why: 'not Linux' };
  const control = new SharedArrayBuffer(8);
  const flags = new Int32Array(control);
  const stalls: CpuStall[] = [];
  const threads = os.cpus().map((_, cpu) => {
    const worker = new Worker(WATCH_THREAD, { eval: true, workerData: { control, minStallMs } });
    const tid = new Promise<number>((resolve, reject) => {
      worker.on('error', reject); // after the start: a stall watch that failed only shows fewer stalls
      worker.once('message', (message: { tid: number }) => resolve(message.tid));
    });
    worker.on('message', (message: { startMs?: number; endMs?: number }) => {
      if (message.startMs !== undefined && message.endMs !== undefined)
        stalls.push({ cpu, startMs: message.startMs, endMs: message.endMs });
    });
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    return { cpu, worker, tid, ended };
  });
  const stop = async (): Promise<CpuStall[]> => {
    // Held while it starts and while it stops; in between it never keeps the bench alive (a section
    // that threw leaves the watch running).
    for (const thread of threads) thread.worker.ref();
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    Atomics.notify(flags, 1);
    await Promise.all(threads.map((thread) => thread.ended));
    return [...stalls].sort((a, b) => a.startMs - b.startMs);
  };
  const tids = new Set<number>();
  try {
    for (const thread of threads) {
      const tid = String(await thread.tid);
      tids.add(Number(tid));
      execFileSync('taskset', ['-pc', String(thread.cpu), tid], { stdio: 'ignore' });
      execFileSync('chrt', ['-f', '-p', '30', tid], { stdio: 'ignore' });
    }
  } catch (error) {
    await stop();
    return { watch: null, why: `no pinned real-time thread (${(error as Error).message.split('\n')[0]})` };
  }
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 1);
  for (const thread of threads) thread.worker.unref();
  return { watch: { tids, stalls: () => [...stalls], stop } };
}
