import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCliLoopDriver, runConcurrentWriters } from './scenarios/concurrentWriters';

// A safety net, not a speed check. The scenario stops waiting REPORT_MS before it, so a slow machine
// fails with the scenario's report in the message instead of a bare "test timed out".
const TIMEOUT_MS = 58_000;
const REPORT_MS = 8_000;
const reportBy = (): number => Date.now() + TIMEOUT_MS - REPORT_MS;

/** docs/architecture.md §1: several processes write at once while the dispatcher runs; no error reaches a user. */
describe(
  'concurrent writers: 4 CLI processes × 60 operations while the dispatcher runs',
  { timeout: TIMEOUT_MS },
  () => {
    let driver: Awaited<ReturnType<typeof bundleCliLoopDriver>>;
    beforeAll(async () => {
      driver = await bundleCliLoopDriver();
    });
    afterAll(() => driver?.cleanup());

    it('applies all 240 operations with zero errors and exact final counts', async () => {
      const writers = 4;
      const operations = 60;
      const report = await runConcurrentWriters(driver.file, writers, operations, undefined, reportBy());
      const context = JSON.stringify({
        ...report,
        reports: undefined,
        errors: report.reports.map((r) => r?.errors),
      });
      const cycles = operations / 6;
      expect(report.driverStderr, context).toEqual([]);
      expect(report.driverCodes, context).toEqual(Array(writers).fill(0));
      for (const writer of report.reports) {
        expect(writer, context).toEqual({
          ok: operations,
          created: 2 * cycles,
          commented: cycles,
          claimed: cycles,
          completed: cycles,
          archived: cycles,
          errors: [],
        });
      }
      const perKind = writers * cycles;
      expect(report.tasks, context).toBe(2 * perKind);
      // Terminal-lane tasks were archived; the quick profile tasks were all run by the dispatcher.
      expect(report.statuses, context).toEqual({ archived: perKind, done: perKind });
      expect(report.comments, context).toBe(perKind);
      expect(report.runs, context).toBe(2 * perKind);
      expect(report.openRuns, context).toBe(0);
      expect(report.eventKinds.created, context).toBe(2 * perKind);
      expect(report.eventKinds.commented, context).toBe(perKind);
      expect(report.eventKinds.completed, context).toBe(2 * perKind);
      expect(report.eventKinds.spawned, context).toBe(perKind);
      expect(report.eventIdGaps, context).toBe(0);
      expect(report.dispatcherStderr, context).not.toMatch(/SQLITE_BUSY|database is locked|error/i);
    });
  },
);
