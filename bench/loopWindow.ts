import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { type CpuStall, describeStalls, startCpuStallWatch } from './cpuStalls';
import { describeThreadTimes, startGapProbe, threadSnapshot } from './threadCpu';

/**
 * The measured window of the event-loop rows (5 and 12): what the main thread's event loop did
 * while a section's workers ran, and what held it up — its delay histogram, the longest gap of a
 * 10 ms timer split into the main thread's run time, its wait for a core and the host's CPU stalls
 * (cpuStalls.ts), the process's threads' CPU, and the main thread's own collections.
 *
 * Each window starts from a collected heap: earlier sections leave up to ~130 MB of garbage in the
 * bench's heap (the tick and api sections' engines on "large"), and V8's memory reducer collected it
 * in one major collection inside row 5's window — the longest turn of the main thread's own in the
 * quiet run of 5 Dec 11:38 (bench/RESULTS.md, "Rows 5 and 12: the main thread's longest own turn").
 */

/**
 * What monitorEventLoopDelay's figures are: it records the time between two ticks of its timer, so
 * even an idle loop reads ~5 ms at resolution 5 (min 4.3, p50 5.2 ms measured); the loop was late
 * by the figure less the resolution. The targets are judged on the figure as recorded.
 */
export const LOOP_DELAY_MEANING = "time between the histogram's 5 ms ticks: late by that less 5 ms";

/** A CPU not run this long (its pinned real-time thread late by it) counts as stalled (cpuStalls.ts). */
export const CPU_STALL_MIN_MS = 10;

/** How many times rows 5 and 12 are measured in a run: the row gives the median of their maxima. */
export const LOOP_DRAWS = 3;

export interface LoopFigures {
  maxMs: number;
  p99Ms: number;
  /** "event loop delay max …, p99 … (what it means)". */
  delayText: string;
  /** The longest timer gap and what filled it (ran, waited for a core, a CPU not run). */
  gapText: string;
  /** What the main thread and the other threads ran and waited; the CPU stalls of the window. */
  threadsText: string;
  /** The main thread's collections in the window: count, time in all, the longest. */
  collectionsText: string;
  utilization: number;
}

export interface LoopWindow {
  /** The window begins: call it once the section's spawn burst is over (that is reported apart). */
  open(): void;
  close(): Promise<LoopFigures>;
}

/** Whether the bench can collect before a window (run.mjs starts it with --expose-gc). */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  return true;
}

/**
 * Collects the heap and starts the CPU stall watch (its threads' start is not measured); the
 * section then spawns its workers and opens the window.
 */
export async function prepareLoopWindow(): Promise<LoopWindow> {
  const collected = collectGarbage();
  const stallWatch = await startCpuStallWatch(CPU_STALL_MIN_MS);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const collections: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collections.push(entry.duration);
  });
  let opened: {
    probe: ReturnType<typeof startGapProbe>;
    threads: ReturnType<typeof threadSnapshot>;
    utilization: ReturnType<typeof performance.eventLoopUtilization>;
  } | null = null;
  return {
    open() {
      opened = {
        probe: startGapProbe(10),
        threads: threadSnapshot(),
        utilization: performance.eventLoopUtilization(),
      };
      delay.enable();
      gcObserver.observe({ entryTypes: ['gc'] });
    },
    async close() {
      if (!opened) throw new Error('the loop window was never opened');
      delay.disable();
      gcObserver.disconnect();
      const threadTimes = describeThreadTimes(opened.threads, undefined, stallWatch.watch?.tids);
      const stalls: CpuStall[] | null = stallWatch.watch ? await stallWatch.watch.stop() : null;
      const stallsText =
        stallWatch.watch === null
          ? `CPU stalls not measured: ${stallWatch.why}`
          : describeStalls(stalls ?? [], CPU_STALL_MIN_MS);
      const gap = opened.probe.stop(stalls);
      const maxMs = delay.max / 1e6;
      const p99Ms = delay.percentile(99) / 1e6;
      const totalMs = collections.reduce((sum, ms) => sum + ms, 0);
      return {
        maxMs,
        p99Ms,
        delayText:
          `event loop delay max ${maxMs.toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms ` +
          `(${LOOP_DELAY_MEANING})`,
        gapText: gap.text,
        threadsText: `${threadTimes}; ${stallsText}`,
        collectionsText:
          `${collections.length} collections, ${totalMs.toFixed(0)} ms in all, ` +
          `longest ${Math.max(0, ...collections).toFixed(1)} ms` +
          (collected ? ' (heap collected before the window)' : ' (heap not collected first: no --expose-gc)'),
        utilization: performance.eventLoopUtilization(opened.utilization).utilization,
      };
    },
  };
}
