import type { Db } from './db/open';

/** Recurring-task templates (migration v4). The schedule logic lives in commands/recurrences.ts. */

export interface RecurrenceRow {
  id: string;
  board: string;
  lane: string | null;
  title: string;
  body: string;
  priority: number;
  schedule: string;
  time_zone: string;
  skip_if_open: number;
  paused: number;
  created_at: number;
  last_occurrence_at: number | null;
  last_task_id: string | null;
  last_outcome: string | null;
  next_run_at: number | null;
}

/** The columns an export carries (next_run_at and last_outcome are worked out again on import). */
export type RecurrenceExportRow = Omit<RecurrenceRow, 'next_run_at' | 'last_outcome'>;

const EXPORT_COLUMNS =
  'id, board, lane, title, body, priority, schedule, time_zone, skip_if_open, paused, created_at, last_occurrence_at, last_task_id';

export function insertRecurrence(db: Db, row: RecurrenceRow): void {
  db.prepare(
    `INSERT INTO recurrences (id, board, lane, title, body, priority, schedule, time_zone, skip_if_open, paused,
       created_at, last_occurrence_at, last_task_id, last_outcome, next_run_at)
     VALUES (@id, @board, @lane, @title, @body, @priority, @schedule, @time_zone, @skip_if_open, @paused,
       @created_at, @last_occurrence_at, @last_task_id, @last_outcome, @next_run_at)`,
  ).run(row);
}

export function findRecurrence(db: Db, id: string): RecurrenceRow | undefined {
  return db.prepare('SELECT * FROM recurrences WHERE id = ?').get(id) as RecurrenceRow | undefined;
}

export function recurrenceIdExists(db: Db, id: string): boolean {
  return db.prepare('SELECT 1 FROM recurrences WHERE id = ?').get(id) !== undefined;
}

export function listRecurrences(db: Db, filter: { board?: string; lane?: string } = {}): RecurrenceRow[] {
  const where: string[] = [];
  if (filter.board !== undefined) where.push('board = @board');
  if (filter.lane !== undefined) where.push('lane = @lane');
  return db
    .prepare(
      `SELECT * FROM recurrences${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY board, lane, id`,
    )
    .all(filter) as RecurrenceRow[];
}

/** Recurrences whose next occurrence is due by `now` (index recurrences_due). */
export function dueRecurrences(db: Db, now: number): RecurrenceRow[] {
  return db
    .prepare(
      'SELECT * FROM recurrences WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at',
    )
    .all(now) as RecurrenceRow[];
}

/** The earliest next run of any active recurrence, or null when none is scheduled. */
export function earliestNextRun(db: Db): number | null {
  const row = db
    .prepare('SELECT MIN(next_run_at) AS at FROM recurrences WHERE next_run_at IS NOT NULL')
    .get() as { at: number | null };
  return row.at;
}

/** Per board and lane: the earliest next run (for the per-lane view). */
export function nextRunsByLane(db: Db, board?: string): { board: string; lane: string | null; at: number }[] {
  return db
    .prepare(
      `SELECT board, lane, MIN(next_run_at) AS at FROM recurrences
       WHERE next_run_at IS NOT NULL${board === undefined ? '' : ' AND board = @board'}
       GROUP BY board, lane`,
    )
    .all(board === undefined ? {} : { board }) as { board: string; lane: string | null; at: number }[];
}

/**
 * Moves the cursor past an occurrence, but only if nobody did so first (compare-and-swap on
 * last_occurrence_at): true when this caller won and must act on the occurrence.
 */
export function advanceRecurrence(
  db: Db,
  id: string,
  expectedLast: number | null,
  next: {
    lastOccurrenceAt: number;
    nextRunAt: number | null;
    lastTaskId?: string | null;
    lastOutcome: string;
  },
): boolean {
  return (
    db
      .prepare(
        `UPDATE recurrences SET last_occurrence_at = @lastOccurrenceAt, next_run_at = @nextRunAt,
           last_task_id = COALESCE(@lastTaskId, last_task_id), last_outcome = @lastOutcome
         WHERE id = @id AND last_occurrence_at IS @expectedLast`,
      )
      .run({ id, expectedLast, lastTaskId: null, ...next }).changes === 1
  );
}

export function setRecurrenceLastTask(db: Db, id: string, taskId: string): void {
  db.prepare('UPDATE recurrences SET last_task_id = ? WHERE id = ?').run(taskId, id);
}

export function setRecurrencePaused(db: Db, id: string, paused: boolean, nextRunAt: number | null): void {
  db.prepare('UPDATE recurrences SET paused = ?, next_run_at = ? WHERE id = ?').run(
    paused ? 1 : 0,
    nextRunAt,
    id,
  );
}

/** Resuming: the cursor jumps to `from`, so occurrences while paused are not caught up. */
export function resumeRecurrence(db: Db, id: string, from: number, nextRunAt: number | null): void {
  db.prepare('UPDATE recurrences SET paused = 0, last_occurrence_at = ?, next_run_at = ? WHERE id = ?').run(
    from,
    nextRunAt,
    id,
  );
}

export function setRecurrenceNextRun(db: Db, id: string, nextRunAt: number | null): void {
  db.prepare('UPDATE recurrences SET next_run_at = ? WHERE id = ?').run(nextRunAt, id);
}

export function deleteRecurrence(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM recurrences WHERE id = ?').run(id).changes === 1;
}

/** The status of a recurrence's previous task (one function for that fact: store/tasks.ts). */
export { taskStatusOf } from './tasks';

export function exportRecurrences(db: Db, board?: string): RecurrenceExportRow[] {
  return db
    .prepare(
      `SELECT ${EXPORT_COLUMNS} FROM recurrences${board === undefined ? '' : ' WHERE board = ?'} ORDER BY id`,
    )
    .all(...(board === undefined ? [] : [board])) as RecurrenceExportRow[];
}
