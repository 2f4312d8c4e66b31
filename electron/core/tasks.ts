import type { SkipReason, Task, TaskStatus } from '../../shared/domain';
import type { Db } from './db/open';

/** Task rows. All task SQL lives here; callers own the transactions. */

interface TaskRow {
  id: string;
  board: string;
  title: string;
  body: string;
  assignee: string | null;
  status: TaskStatus;
  priority: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  workspace: string;
  max_runtime_seconds: number | null;
  skip_reason: SkipReason | null;
  skip_detail: string | null;
  failure_count: number;
  next_attempt_at: number | null;
  current_run_id: number | null;
  result: string | null;
  last_error: string | null;
  block_reason: string | null;
  claim_owner: string | null;
  claim_expires_at: number | null;
  last_heartbeat_at: number | null;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    board: row.board,
    title: row.title,
    body: row.body,
    assignee: row.assignee,
    status: row.status,
    priority: row.priority,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    workspace: row.workspace,
    maxRuntimeSeconds: row.max_runtime_seconds,
    skipReason: row.skip_reason,
    skipDetail: row.skip_detail,
    failureCount: row.failure_count,
    nextAttemptAt: row.next_attempt_at,
    currentRunId: row.current_run_id,
    result: row.result,
    lastError: row.last_error,
    blockReason: row.block_reason,
    claimOwner: row.claim_owner,
    claimExpiresAt: row.claim_expires_at,
    lastHeartbeatAt: row.last_heartbeat_at,
  };
}

export interface NewTaskRow {
  id: string;
  board: string;
  title: string;
  body: string;
  assignee: string | null;
  status: TaskStatus;
  priority: number;
  createdBy: string | null;
  workspace: string;
  maxRuntimeSeconds: number | null;
  now: number;
}

export function insertTask(db: Db, task: NewTaskRow): void {
  db.prepare(
    `INSERT INTO tasks (id, board, title, body, assignee, status, priority, created_by, created_at, updated_at,
                        workspace, max_runtime_seconds)
     VALUES (@id, @board, @title, @body, @assignee, @status, @priority, @createdBy, @now, @now,
             @workspace, @maxRuntimeSeconds)`,
  ).run(task);
}

export function taskIdExists(db: Db, id: string): boolean {
  return db.prepare('SELECT 1 FROM tasks WHERE id = ?').get(id) !== undefined;
}

export function findTask(db: Db, id: string): Task | undefined {
  const row = db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
  return row ? taskFromRow(row) : undefined;
}

export interface TaskFilter {
  board?: string;
  statuses?: readonly TaskStatus[];
  assignee?: string | null;
  includeArchived?: boolean;
  text?: string;
  limit?: number;
}

export function listTasks(db: Db, filter: TaskFilter = {}): Task[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.board !== undefined) {
    where.push('board = ?');
    params.push(filter.board);
  }
  if (filter.statuses && filter.statuses.length > 0) {
    where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
    params.push(...filter.statuses);
  } else if (!filter.includeArchived) {
    where.push("status <> 'archived'");
  }
  if (filter.assignee === null) {
    where.push('assignee IS NULL');
  } else if (filter.assignee !== undefined) {
    where.push('assignee = ?');
    params.push(filter.assignee);
  }
  if (filter.text) {
    where.push('(instr(lower(title), ?) > 0 OR instr(lower(body), ?) > 0 OR id = ?)');
    const needle = filter.text.toLowerCase();
    params.push(needle, needle, filter.text);
  }
  const sql =
    `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY priority DESC, created_at, id ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''}`;
  return (db.prepare(sql).all(...params) as TaskRow[]).map(taskFromRow);
}

export function countTasks(db: Db, board?: string): number {
  const row = board
    ? db.prepare('SELECT count(*) AS n FROM tasks WHERE board = ?').get(board)
    : db.prepare('SELECT count(*) AS n FROM tasks').get();
  return (row as { n: number }).n;
}

/** Columns callers may change through `updateTask`; the keys are Task field names. */
export type TaskPatch = Partial<
  Pick<
    Task,
    | 'title'
    | 'body'
    | 'assignee'
    | 'status'
    | 'priority'
    | 'workspace'
    | 'maxRuntimeSeconds'
    | 'startedAt'
    | 'completedAt'
    | 'skipReason'
    | 'skipDetail'
    | 'failureCount'
    | 'nextAttemptAt'
    | 'currentRunId'
    | 'result'
    | 'lastError'
    | 'blockReason'
    | 'claimOwner'
    | 'claimExpiresAt'
    | 'lastHeartbeatAt'
  >
>;

const PATCH_COLUMNS: Record<keyof TaskPatch, string> = {
  title: 'title',
  body: 'body',
  assignee: 'assignee',
  status: 'status',
  priority: 'priority',
  workspace: 'workspace',
  maxRuntimeSeconds: 'max_runtime_seconds',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  skipReason: 'skip_reason',
  skipDetail: 'skip_detail',
  failureCount: 'failure_count',
  nextAttemptAt: 'next_attempt_at',
  currentRunId: 'current_run_id',
  result: 'result',
  lastError: 'last_error',
  blockReason: 'block_reason',
  claimOwner: 'claim_owner',
  claimExpiresAt: 'claim_expires_at',
  lastHeartbeatAt: 'last_heartbeat_at',
};

export function updateTask(db: Db, id: string, patch: TaskPatch, now: number): void {
  const keys = Object.keys(patch) as (keyof TaskPatch)[];
  if (keys.length === 0) return;
  const assignments = keys.map((key) => `${PATCH_COLUMNS[key]} = @${key}`).join(', ');
  db.prepare(`UPDATE tasks SET ${assignments}, updated_at = @now WHERE id = @id`).run({ ...patch, id, now });
}

/**
 * Compare-and-swap claim (SPEC §4.6): succeeds only if the task is still ready and unclaimed, so
 * two claimers racing for one task cannot both win.
 */
export function claimReadyTask(
  db: Db,
  id: string,
  claim: { owner: string; expiresAt: number | null; now: number },
): boolean {
  const result = db
    .prepare(
      `UPDATE tasks SET status = 'running', claim_owner = @owner, claim_expires_at = @expiresAt,
              started_at = @now, updated_at = @now, last_heartbeat_at = @now, skip_reason = NULL, skip_detail = NULL
       WHERE id = @id AND status = 'ready' AND claim_owner IS NULL`,
    )
    .run({ id, ...claim });
  return result.changes === 1;
}

export function nextReadyTaskOfLane(
  db: Db,
  lane: string,
  board: string | undefined,
  now: number,
): Task | undefined {
  const row = db
    .prepare(
      `SELECT * FROM tasks WHERE status = 'ready' AND assignee = @lane AND claim_owner IS NULL
         AND (@board IS NULL OR board = @board) AND (next_attempt_at IS NULL OR next_attempt_at <= @now)
       ORDER BY priority DESC, created_at, id LIMIT 1`,
    )
    .get({ lane, board: board ?? null, now }) as TaskRow | undefined;
  return row ? taskFromRow(row) : undefined;
}

export function tasksWithStatus(db: Db, status: TaskStatus): Task[] {
  return (db.prepare('SELECT * FROM tasks WHERE status = ?').all(status) as TaskRow[]).map(taskFromRow);
}
