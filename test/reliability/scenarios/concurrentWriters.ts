import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { CLI_ENTRY } from '../../helpers/cli';
import { bundleDriver, startDriver } from '../../helpers/driver';
import { writeAgentProfile, writeFastSettings } from '../../helpers/engine';
import { makeTempHome, removeTempHome } from '../../helpers/home';

/**
 * docs/architecture.md §1: N processes each running M CLI operations (create, comment, claim, complete, archive,
 * create for a profile lane) while `switchyard dispatch --watch` runs those profile tasks. Returns
 * what it saw; the caller asserts exact counts.
 */

export interface WriterReport {
  ok: number;
  created: number;
  commented: number;
  claimed: number;
  completed: number;
  archived: number;
  errors: string[];
}

export interface ConcurrentWritersReport {
  writers: number;
  operations: number;
  durationMs: number;
  operationsPerSecond: number;
  reports: (WriterReport | null)[];
  driverStderr: string[];
  driverCodes: (number | null)[];
  tasks: number;
  statuses: Record<string, number>;
  comments: number;
  runs: number;
  openRuns: number;
  eventKinds: Record<string, number>;
  eventIdGaps: number;
  dispatcherStderr: string;
}

export const bundleCliLoopDriver = () => bundleDriver('test/reliability/helpers/cliLoopDriver.ts');

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** What one writer's M operations must add up to (the cycle of cliLoopDriver.ts, cut off after M). */
export function expectedPerWriter(operations: number) {
  const ofStep = (step: number) =>
    Array.from({ length: operations }, (_, i) => i % 6).filter((s) => s === step).length;
  return {
    termTasks: ofStep(0),
    commented: ofStep(1),
    claimed: ofStep(2),
    completed: ofStep(3),
    archived: ofStep(4),
    quickTasks: ofStep(5),
  };
}

export async function runConcurrentWriters(
  bundle: string,
  writers: number,
  operations: number,
  settleTimeoutMs = 60_000,
  /** Epoch ms by which the settle gives up even if time is left, so a caller's own timeout still gets the report. */
  settleUntil = Number.POSITIVE_INFINITY,
): Promise<ConcurrentWritersReport> {
  const paths = makeTempHome('switchyard-writers-');
  writeFastSettings(paths, { globalMaxConcurrent: 4, tickMs: 200 });
  writeAgentProfile(paths, 'quick', 'exit0.mjs', { maxConcurrent: 4 });
  let dispatcherStderr = '';
  const dispatcher = spawn(process.execPath, [CLI_ENTRY, 'dispatch', '--watch'], {
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  dispatcher.stderr?.on('data', (chunk: Buffer) => (dispatcherStderr += chunk.toString()));
  try {
    const drivers = Array.from({ length: writers }, (_, index) =>
      startDriver<WriterReport>(bundle, [paths.home, String(operations), String(index)]),
    );
    await Promise.all(drivers.map((driver) => driver.ready));
    const started = Date.now();
    for (const driver of drivers) driver.go();
    const results = await Promise.all(drivers.map((driver) => driver.finished));
    const durationMs = Date.now() - started;

    const db = new Database(paths.database, { readonly: true });
    try {
      const quickTotal = writers * expectedPerWriter(operations).quickTasks;
      const quickDone = db.prepare(
        "SELECT count(*) AS n FROM tasks WHERE assignee = 'quick' AND status = 'done'",
      );
      const deadline = Math.min(Date.now() + settleTimeoutMs, settleUntil);
      while ((quickDone.get() as { n: number }).n < quickTotal && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      dispatcher.kill('SIGTERM');
      await exited(dispatcher);
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const group = (sql: string) =>
        Object.fromEntries(
          (db.prepare(sql).all() as { k: string; n: number }[]).map((row) => [row.k, row.n]),
        );
      const ids = (db.prepare('SELECT id FROM events ORDER BY id').all() as { id: number }[]).map(
        (row) => row.id,
      );
      return {
        writers,
        operations,
        durationMs,
        operationsPerSecond: Math.round((writers * operations * 1000) / durationMs),
        reports: results.map((result) => result.report),
        driverStderr: results.map((result) => result.stderr).filter(Boolean),
        driverCodes: results.map((result) => result.code),
        tasks: count('SELECT count(*) AS n FROM tasks'),
        statuses: group('SELECT status AS k, count(*) AS n FROM tasks GROUP BY status'),
        comments: count('SELECT count(*) AS n FROM comments'),
        runs: count('SELECT count(*) AS n FROM runs'),
        openRuns: count('SELECT count(*) AS n FROM runs WHERE ended_at IS NULL'),
        eventKinds: group('SELECT kind AS k, count(*) AS n FROM events GROUP BY kind'),
        eventIdGaps: ids.filter((id, index) => id !== index + 1).length,
        dispatcherStderr,
      };
    } finally {
      db.close();
    }
  } finally {
    if (dispatcher.exitCode === null && dispatcher.signalCode === null) {
      dispatcher.kill('SIGKILL');
      await exited(dispatcher);
    }
    removeTempHome(paths);
  }
}
