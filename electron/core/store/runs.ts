import type { Run, RunOutcome } from '../../../shared/domain';
import type { Db } from './db/open';

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

export function openRuns(db: Db): Run[] {
  return (db.prepare('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as RunRow[]).map(
    runFromRow,
  );
}
