import { expect, it } from 'vitest';
import { chooseSeed } from '../test/reliability/scenarios/random';
import { runCrashRecovery } from '../test/reliability/scenarios/crashRecovery';
import { printFigures } from './figures';

const TASKS = Number(process.env.SOAK_CRASH_TASKS ?? 300);
const KILLS = Number(process.env.SOAK_CRASH_KILLS ?? 50);
// The longest life of a dispatcher between kills. On a heavily loaded machine a dispatcher needs
// seconds just to start: with the default every life ends before a worker is spawned, and no
// restart ever meets a running or finished worker (the soak then proves nothing about restarts).
const MAX_LIFE_MS = Number(process.env.SOAK_CRASH_MAX_LIFE_MS ?? 2_500);

it(`crash recovery: ${TASKS} tasks, ${KILLS} SIGKILLs of the dispatcher`, async () => {
  const seed = chooseSeed();
  const report = await runCrashRecovery({
    tasks: TASKS,
    kills: KILLS,
    seed,
    maxLifeMs: MAX_LIFE_MS,
    settleTimeoutMs: 10 * 60_000,
  });
  printFigures(`crash recovery (seed ${seed})`, {
    tasks: report.tasks,
    kills: report.kills,
    maxLifeMs: MAX_LIFE_MS,
    duration: `${(report.durationMs / 1000).toFixed(1)} s`,
    statuses: report.statuses,
    gaveUp: report.gaveUp,
    'healthy tasks that gave up': report.healthyGaveUp.length,
    'failures counted on healthy lanes': report.healthyFailures,
    runs: report.runs,
    adoptedWorkers: report.adopted,
    'runs closed as lost': report.lostRuns,
    events: report.eventCount,
    eventIdGaps: report.eventIdGaps,
    runningLeft: report.runningLeft,
    openRuns: report.openRuns,
    ranAgainAfterCompleting: report.ranAfterCompleting.length,
    orphanWorkers: report.orphanWorkers.length,
    unreapedZombies: report.unreapedZombies.length,
    zombiesLeftToInit: report.zombiesOfInit,
    dispatcherStderrLines: report.dispatcherStderr.length,
    firstStderrLines: report.dispatcherStderr.slice(0, 3),
  });
  const context = `seed ${seed}: ${JSON.stringify(report)}`;
  expect(report.runningLeft, context).toBe(0);
  expect(report.openRuns, context).toBe(0);
  expect(report.blockedOtherwise, context).toEqual([]);
  // Issue 20: a dispatcher restart is never the task's failure.
  expect(report.healthyGaveUp, context).toEqual([]);
  expect((report.statuses.done ?? 0) + report.gaveUp, context).toBe(TASKS);
  expect(report.ranAfterCompleting, context).toEqual([]);
  expect(report.badRunHistory, context).toEqual([]);
  expect(report.eventIdGaps, context).toBe(0);
  expect(report.orphanWorkers, context).toEqual([]);
  expect(report.unreapedZombies, context).toEqual([]);
});
