import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  bundleCliLoopDriver,
  expectedPerWriter,
  runConcurrentWriters,
} from '../test/reliability/scenarios/concurrentWriters';
import { printFigures } from './figures';

const WRITERS = Number(process.env.SOAK_WRITERS ?? 8);
const OPERATIONS = Number(process.env.SOAK_OPERATIONS ?? 500);

let driver: Awaited<ReturnType<typeof bundleCliLoopDriver>>;
beforeAll(async () => {
  driver = await bundleCliLoopDriver();
});
afterAll(() => driver?.cleanup());

it(`concurrent writers: ${WRITERS} CLI processes × ${OPERATIONS} operations with the dispatcher running`, async () => {
  const expected = expectedPerWriter(OPERATIONS);
  // The dispatcher then runs every quick task (a Node process each); give it time in proportion.
  const report = await runConcurrentWriters(
    driver.file,
    WRITERS,
    OPERATIONS,
    60_000 + WRITERS * expected.quickTasks * 500,
  );
  const errors = report.reports.flatMap((writer) => writer?.errors ?? ['driver gave no report']);
  printFigures('concurrent writers', {
    writers: WRITERS,
    operationsEach: OPERATIONS,
    operationsApplied: report.reports.reduce((sum, writer) => sum + (writer?.ok ?? 0), 0),
    errors: errors.length,
    duration: `${(report.durationMs / 1000).toFixed(1)} s`,
    cliOperationsPerSecond: report.operationsPerSecond,
    tasks: report.tasks,
    statuses: report.statuses,
    comments: report.comments,
    runs: report.runs,
    eventIdGaps: report.eventIdGaps,
  });
  expect(errors.slice(0, 5)).toEqual([]);
  expect(report.driverStderr).toEqual([]);
  expect(report.comments).toBe(WRITERS * expected.commented);
  expect(report.tasks).toBe(WRITERS * (expected.termTasks + expected.quickTasks));
  const leftReady = WRITERS * (expected.termTasks - expected.archived);
  expect(report.statuses).toEqual({
    archived: WRITERS * expected.archived,
    done: WRITERS * expected.quickTasks,
    ...(leftReady > 0 ? { ready: leftReady } : {}),
  });
  expect(report.runs).toBe(WRITERS * (expected.claimed + expected.quickTasks));
  expect(report.openRuns).toBe(0);
  expect(report.eventIdGaps).toBe(0);
});
