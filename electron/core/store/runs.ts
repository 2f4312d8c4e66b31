import type { Run, RunOutcome } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** One row per attempt at a task (SPEC §2). */

interface RunRow {
  id: number;
  task_id: string;
  lane: string;
  pid: number | null;
  pid_start_time: string | null;
  started_at: number;
  ended_at: number | null;
  outcome: RunOutcome | null;
  exit_code: number | null;
  signal: string | null;
  summary: string | null;
  error: string | null;
  log_path: string | null;
}

function runFromRow(row: RunRow): Run {
  return {
    id: row.id,
    taskId: row.task_id,
    lane: row.lane,
    pid: row.pid,
    pidStartTime: row.pid_start_time,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    outcome: row.outcome,
    exitCode: row.exit_code,
    signal: row.signal,
    summary: row.summary,
    error: row.error,
    logPath: row.log_path,
  };
}

export function insertRun(
  db: Db,
  run: { taskId: string; lane: string; logPath: string | null; now: number },
): number {
  return Number(
    db
      .prepare('INSERT INTO runs (task_id, lane, started_at, log_path) VALUES (?, ?, ?, ?)')
      .run(run.taskId, run.lane, run.now, run.logPath).lastInsertRowid,
  );
}

export function recordRunProcess(db: Db, runId: number, pid: number, pidStartTime: string | null): void {
  db.prepare('UPDATE runs SET pid = ?, pid_start_time = ? WHERE id = ?').run(pid, pidStartTime, runId);
}

export interface RunClosing {
  outcome: RunOutcome;
  exitCode?: number | null;
  signal?: string | null;
  summary?: string | null;
  error?: string | null;
  now: number;
}

/** Closes a run once; a run that is already closed keeps its first outcome. */
export function closeRun(db: Db, runId: number, closing: RunClosing): boolean {
  return (
    db
      .prepare(
        `UPDATE runs SET ended_at = @now, outcome = @outcome, exit_code = @exitCode, signal = @signal,
                summary = @summary, error = @error
         WHERE id = @runId AND ended_at IS NULL`,
      )
      .run({
        runId,
        now: closing.now,
        outcome: closing.outcome,
        exitCode: closing.exitCode ?? null,
        signal: closing.signal ?? null,
        summary: closing.summary ?? null,
        error: closing.error ?? null,
      }).changes === 1
  );
}

export function findRun(db: Db, runId: number): Run | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
  return row ? runFromRow(row) : undefined;
}

export function runsOf(db: Db, taskId: string): Run[] {
  return (db.prepare('SELECT * FROM runs WHERE task_id = ? ORDER BY id').all(taskId) as RunRow[]).map(
    runFromRow,
  );
}

/** Ids of the runs still open: the dispatcher stops a worker whose run someone else closed. */
export function openRunIds(db: Db): Set<number> {
  return new Set(
    (cachedStatement(db, 'SELECT id FROM runs WHERE ended_at IS NULL').all() as { id: number }[]).map(
      (row) => row.id,
    ),
  );
}

export function setRunLogPath(db: Db, runId: number, logPath: string): void {
  db.prepare('UPDATE runs SET log_path = ? WHERE id = ?').run(logPath, runId);
}

/**
 * A worker's exit status reaching a run already closed (the worker reported, or a person moved the
 * task): kept beside the closing outcome, without replacing a status recorded first.
 */
export function recordLateExit(db: Db, runId: number, exitCode: number | null, signal: string | null): void {
  db.prepare(
    'UPDATE runs SET exit_code = coalesce(exit_code, ?), signal = coalesce(signal, ?) WHERE id = ?',
  ).run(exitCode, signal, runId);
}

/** A run brought in from another tracker (the Hermes import), closed already. Returns its id. */
export function insertImportedRun(
  db: Db,
  run: {
    taskId: string;
    lane: string;
    pid: number | null;
    startedAt: number;
    endedAt: number;
    outcome: RunOutcome | null;
    summary: string | null;
    error: string | null;
  },
): number {
  return Number(
    cachedStatement(
      db,
      `INSERT INTO runs (task_id, lane, pid, started_at, ended_at, outcome, summary, error)
       VALUES (@taskId, @lane, @pid, @startedAt, @endedAt, @outcome, @summary, @error)`,
    ).run(run).lastInsertRowid,
  );
}

export function openRuns(db: Db): Run[] {
  return (db.prepare('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as RunRow[]).map(
    runFromRow,
  );
}
