import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeStalledTasks, describeStalls, stalledWithin, startCpuStallWatch } from '../bench/cpuStalls';

// The bench's CPU stall watch (bench/cpuStalls.ts): how much of an event-loop gap a CPU that was
// not run covered (bench/RESULTS.md, "Rows 5 and 12: what the main thread sleeps on").
describe('CPU stalls in a gap', () => {
  it('counts the stalls clipped to the window, two CPUs stalled at once only once', () => {
    const stalls = [
      { cpu: 0, startMs: 90, endMs: 190 }, // 10 ms before the window, 90 in it
      { cpu: 1, startMs: 150, endMs: 170 }, // inside cpu0's stall: adds nothing
      { cpu: 1, startMs: 250, endMs: 400 }, // 50 ms in it, the rest after
      { cpu: 0, startMs: 400, endMs: 500 }, // after the window
    ];
    expect(stalledWithin(stalls, 100, 300)).toEqual({ stalledMs: 140, cpus: [0, 1] });
    expect(stalledWithin(stalls, 190, 250)).toEqual({ stalledMs: 0, cpus: [] });
  });

  it('says how many stalls there were, the longest and their sum', () => {
    expect(describeStalls([], 10)).toBe('CPU stalls ≥ 10 ms: none');
    expect(
      describeStalls(
        [
          { cpu: 0, startMs: 0, endMs: 101.2 },
          { cpu: 1, startMs: 500, endMs: 520 },
        ],
        10,
      ),
    ).toBe('CPU stalls ≥ 10 ms: 2 (longest 101.2 ms, 121.2 ms in all)');
  });

  it('names the tasks of another clock that a stall overlapped, and by how much', () => {
    // The page's clock starts 1,000 ms after the monotonic one: its task at 50 ran at 1,050.
    const tasks = [
      { name: 'drag 1', start: 50, duration: 101 }, // 1,050–1,151: cpu1's stall covers 1,060–1,140
      { name: 'drag 2', start: 400, duration: 60 }, // 1,400–1,460: no stall then
    ];
    const stalls = [
      { cpu: 1, startMs: 1_060, endMs: 1_140 },
      { cpu: 0, startMs: 1_300, endMs: 1_390 },
    ];
    expect(describeStalledTasks(tasks, stalls, 1_000)).toBe('drag 1: 101 ms (a CPU stalled 80 ms of it)');
    expect(describeStalledTasks(tasks, stalls, 0)).toBe('none');
  });

  it('starts where a real-time thread can be pinned, else says why, and its threads end', async () => {
    const started = await startCpuStallWatch(10);
    if (!started.watch) {
      expect(started.why).toMatch(/not Linux|no pinned real-time thread/);
      return;
    }
    expect(started.watch.tids.size).toBeGreaterThan(0);
    const stalls = await started.watch.stop();
    expect(Array.isArray(stalls)).toBe(true);
    // Every thread is gone from the process once stop() resolves.
    for (const tid of started.watch.tids) expect(fs.existsSync(`/proc/self/task/${tid}`)).toBe(false);
  });
});
