import { describe, expect, it } from 'vitest';
import { chooseSeed } from './scenarios/random';
import { runCrashRecovery } from './scenarios/crashRecovery';

// A safety net, not a speed check. The scenario stops waiting REPORT_MS before it, so a slow machine
// fails with the scenario's report in the message instead of a bare "test timed out".
const TIMEOUT_MS = 58_000;
const REPORT_MS = 8_000;
const reportBy = (): number => Date.now() + TIMEOUT_MS - REPORT_MS;

/**
 * docs/architecture.md §4–§5: a dispatcher SIGKILLed at random moments and restarted loses nothing, runs nothing twice
 * after it completed, leaves no run open and no worker behind. The long version is `npm run soak`.
 */
describe(
  'crash recovery: `switchyard dispatch --watch` SIGKILLed at random moments',
  { timeout: TIMEOUT_MS },
  () => {
    it('30 tasks on four lanes, 5 kills: every task done or gave up, nothing running, no gaps, no leftovers', async () => {
      const seed = chooseSeed();
      const report = await runCrashRecovery({ tasks: 30, kills: 5, seed, settleUntil: reportBy() });
      const context = `seed ${seed} (replay with RELIABILITY_SEED=${seed}): ${JSON.stringify(report)}`;
      expect(report.runningLeft, context).toBe(0);
      expect(report.openRuns, context).toBe(0);
      expect(report.blockedOtherwise, context).toEqual([]);
      // Issue 20: a restart never counts as the failure of a task whose worker succeeded.
      expect(report.healthyGaveUp, context).toEqual([]);
      expect(report.healthyFailures, context).toBe(0);
      expect((report.statuses.done ?? 0) + report.gaveUp, context).toBe(30);
      // The always-failing lane (a quarter of the tasks) must give up, never loop or finish.
      expect(report.gaveUp, context).toBeGreaterThanOrEqual(7);
      expect(report.ranAfterCompleting, context).toEqual([]);
      expect(report.badRunHistory, context).toEqual([]);
      expect(report.eventIdGaps, context).toBe(0);
      expect(report.orphanWorkers, context).toEqual([]);
      expect(report.unreapedZombies, context).toEqual([]);
      expect(report.dispatcherStderr, context).toEqual([]);
    });
  },
);
