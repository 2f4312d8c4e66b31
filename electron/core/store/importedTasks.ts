import type { Db } from './db/open';
import { cachedStatement } from './db/statements';
import type { NewTaskRow } from './tasks';

/**
 * Writing tasks brought in from other trackers (the Hermes and Vibe Kanban imports). A module of its
 * own so that commands that only read or make tasks (`switchyard list`, `create`) do not load it
 * (test/cli-bundle.test.ts holds what `list` loads to a budget; issue 17, target 4).
 */

/** A task brought in from another tracker (the Hermes import), with the history it had there. */
export interface ImportedTaskRow extends Omit<NewTaskRow, 'maxRuntimeSeconds'> {
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  maxRuntimeSeconds: number | null;
  failureCount: number;
  result: string | null;
  lastError: string | null;
  blockReason: string | null;
  lastHeartbeatAt: number | null;
}

export function insertImportedTask(db: Db, task: ImportedTaskRow): void {
  cachedStatement(
    db,
    `INSERT INTO tasks (id, board, title, body, assignee, status, priority, created_by, created_at, updated_at,
       started_at, completed_at, workspace, max_runtime_seconds, failure_count, result, last_error, block_reason,
       last_heartbeat_at)
     VALUES (@id, @board, @title, @body, @assignee, @status, @priority, @createdBy, @createdAt, @now,
       @startedAt, @completedAt, @workspace, @maxRuntimeSeconds, @failureCount, @result, @lastError, @blockReason,
       @lastHeartbeatAt)`,
  ).run(task);
}

/**
 * The triggers that count every inserted task (migrations v10, v11 and v12), and what they count. A bulk
 * insert keeps them out of its rows and adds the same counts once (`insertImportedTasks`).
 */
const INSERT_COUNT_TRIGGERS = [
  'task_status_counts_insert',
  'task_cell_counts_insert',
  'task_skip_counts_task_insert',
] as const;

/**
 * Many imported tasks at once, inside the caller's write transaction (issue 17, target 8): the two
 * count triggers would run an upsert per row, and a statement that fires triggers needs a
 * statement journal, so each row also copied every page it touched. They are dropped for the rows
 * and made again from their own stored SQL before this returns, and `task_status_counts` and
 * `task_cell_counts` get what the triggers would have added, once per status and per cell. All of
 * it is in the caller's transaction: no other connection ever sees the triggers missing, and a
 * transaction that does not commit (an error, a killed process) leaves neither rows nor counts.
 */
export function insertImportedTasks(db: Db, rows: readonly ImportedTaskRow[]): void {
  if (!db.inTransaction) throw new Error('insertImportedTasks must run inside a write transaction');
  const triggers = cachedStatement(
    db,
    `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'tasks' AND name IN (?, ?, ?)`,
  ).all(...INSERT_COUNT_TRIGGERS) as { name: string; sql: string }[];
  if (rows.length < 2 || triggers.length !== INSERT_COUNT_TRIGGERS.length) {
    // One row gains nothing; a schema whose triggers are not the ones counted here keeps its own.
    for (const row of rows) insertImportedTask(db, row);
    return;
  }
  for (const trigger of triggers) db.exec(`DROP TRIGGER "${trigger.name}"`);
  const byStatus = new Map<string, number>();
  const byCell = new Map<string, { board: string; lane: string; status: string; n: number }>();
  try {
    for (const row of rows) {
      insertImportedTask(db, row);
      byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
      // The Unassigned lane is stored as '' (migration v11); the key cannot mix up two cells
      // because board slugs and lane names hold no NUL.
      const lane = row.assignee ?? '';
      const key = `${row.board}\0${lane}\0${row.status}`;
      const cell = byCell.get(key);
      if (cell) cell.n++;
      else byCell.set(key, { board: row.board, lane, status: row.status, n: 1 });
    }
  } finally {
    for (const trigger of triggers) db.exec(trigger.sql);
    const addStatus = cachedStatement(
      db,
      `INSERT INTO task_status_counts (status, n) VALUES (?, ?)
       ON CONFLICT (status) DO UPDATE SET n = n + excluded.n`,
    );
    for (const [status, n] of byStatus) addStatus.run(status, n);
    const addCell = cachedStatement(
      db,
      `INSERT INTO task_cell_counts (board, lane, status, n) VALUES (@board, @lane, @status, @n)
       ON CONFLICT (board, lane, status) DO UPDATE SET n = n + excluded.n`,
    );
    for (const cell of byCell.values()) addCell.run(cell);
    // A ready task counts its skip row (migration v12); a new task has one only if a row was left
    // behind under its id, so this looks up the ready rows' ids and nothing else.
    const readyIds = rows.filter((row) => row.status === 'ready').map((row) => row.id);
    if (readyIds.length > 0)
      cachedStatement(
        db,
        `INSERT INTO task_skip_counts (board, lane, reason, n)
         SELECT t.board, coalesce(t.assignee, ''), s.reason, count(*)
         FROM json_each(?) j JOIN tasks t ON t.id = j.value JOIN task_skips s ON s.task_id = t.id
         WHERE t.status = 'ready' GROUP BY t.board, t.assignee, s.reason
         ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n`,
      ).run(JSON.stringify(readyIds));
  }
}
