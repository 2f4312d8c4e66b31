import type { SkipReason, Task, TaskStatus } from '../../../shared/domain';
import type Database from 'better-sqlite3';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';
import { appendAll } from '../../../shared/arrays';
import { jsonArrayElement, type JsonLayout } from '../../../shared/jsonArrayElement';

/**
 * Task rows. All task SQL lives here; callers own the transactions.
 *
 * A task's skip reason (docs/architecture.md §4.6) lives in `task_skips` (migration v3), one narrow row per task
 * that has one: the dispatcher rewrites thousands at once, and in `tasks` each would rewrite the
 * whole task row. Readers read the view `tasks_with_skips` (every column of `tasks` plus
 * skip_reason and skip_detail), so a `Task` looks the same to callers.
 */

/**
 * The columns of `tasks` as migration v1 made them, less the skip columns that moved to
 * `task_skips` in v3: what `switchyard export` writes and `switchyard import` restores
 * (`TaskExportRow`, store/homeExport.ts), hence a fixed set that later columns do not join.
 */
export interface TaskColumnsV1 {
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

/** A row of the view `tasks_with_skips`: the v1 columns, the skip (v3) and the approval (v6). */
interface TaskRow extends TaskColumnsV1 {
  skip_reason: SkipReason | null;
  skip_detail: string | null;
  approval_required: number;
  approved_by: string | null;
  approved_at: number | null;
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
    approvalRequired: row.approval_required === 1,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
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
  // Kept: compiling an INSERT on tasks compiles its triggers too (issue 17, 3a: every create).
  cachedStatement(
    db,
    `INSERT INTO tasks (id, board, title, body, assignee, status, priority, created_by, created_at, updated_at,
                        workspace, max_runtime_seconds)
     VALUES (@id, @board, @title, @body, @assignee, @status, @priority, @createdBy, @now, @now,
             @workspace, @maxRuntimeSeconds)`,
  ).run(task);
}

export function taskIdExists(db: Db, id: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM tasks WHERE id = ?').get(id) !== undefined;
}

/** Which of `ids` are tasks, in one statement (a bulk writer's batch). */
export function existingTaskIds(db: Db, ids: readonly string[]): Set<string> {
  const rows = cachedStatement(db, 'SELECT id FROM tasks WHERE id IN (SELECT value FROM json_each(?))').all(
    JSON.stringify(ids),
  ) as { id: string }[];
  return new Set(rows.map((row) => row.id));
}

export function findTask(db: Db, id: string): Task | undefined {
  const row = cachedStatement(db, 'SELECT * FROM tasks_with_skips WHERE id = ?').get(id) as
    TaskRow | undefined;
  return row ? taskFromRow(row) : undefined;
}

/** A task's status, or undefined when there is no such task (one key lookup, no row conversion). */
export function taskStatusOf(db: Db, id: string): TaskStatus | undefined {
  return (
    cachedStatement(db, 'SELECT status FROM tasks WHERE id = ?').get(id) as { status: TaskStatus } | undefined
  )?.status;
}

export interface TaskFilter {
  board?: string;
  statuses?: readonly TaskStatus[];
  assignee?: string | null;
  includeArchived?: boolean;
  text?: string;
  limit?: number;
}

/** The statement of `listTasks` and `eachTaskJson`: `select` of the filtered tasks in the list's order. */
function tasksQuery(
  db: Db,
  filter: TaskFilter,
  select: string,
): { statement: Database.Statement; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.board !== undefined) {
    where.push('board = ?');
    params.push(filter.board);
  }
  if (filter.statuses && filter.statuses.length > 0) {
    where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
    appendAll(params, filter.statuses);
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
    `SELECT ${select} FROM tasks_with_skips ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY priority DESC, created_at, id ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''}`;
  return { statement: db.prepare(sql), params };
}

export function listTasks(db: Db, filter: TaskFilter = {}): Task[] {
  // Raw rows: a board can list 100,000 tasks, and one object per row instead of two halves the work.
  const { statement, params } = tasksQuery(db, filter, TASK_COLUMN_LIST);
  return (statement.raw(true).all(...params) as unknown[][]).map(taskFromValues);
}

/**
 * The tasks of `listTasks`, each as the text of one element of their array in `layout`
 * (`jsonArrayElement`: `JSON.stringify(tasks, null, 2)`'s element indented by two spaces, or the task
 * compact on one line), one at a time: `switchyard list --json` of 20,000 tasks (performance issue
 * 17, target 4b). SQLite writes each task's JSON itself (`taskJsonElement`): one value a row instead
 * of 28 JavaScript values, a Task object and its JSON.stringify — 20,000 ready tasks of "large" in
 * ~70 ms instead of ~190 ms. A row SQLite cannot write as JavaScript would (a REAL or BLOB, or an
 * integer beyond 2^53, which only another program can have stored) and every row after it are read
 * as Tasks and stringified, in the same read transaction, so the list is one snapshot either way.
 * The connection is busy until the iteration ends or is left.
 */
export function* eachTaskJson(
  db: Db,
  filter: TaskFilter,
  layout: JsonLayout,
): Generator<string, void, undefined> {
  const ownTransaction = !db.inTransaction;
  if (ownTransaction) db.exec('BEGIN');
  try {
    const fast = tasksQuery(db, filter, taskJsonElement(layout));
    let written = 0;
    let exact = true;
    for (const element of fast.statement.pluck(true).iterate(...fast.params) as IterableIterator<
      string | null
    >) {
      if (element === null) {
        exact = false;
        break;
      }
      written += 1;
      yield element;
    }
    if (exact) return;
    const slow = tasksQuery(db, filter, TASK_COLUMN_LIST);
    let row = 0;
    for (const values of slow.statement.raw(true).iterate(...slow.params)) {
      if (row++ < written) continue;
      yield jsonArrayElement(taskFromValues(values as unknown[]), layout);
    }
  } finally {
    // Only read: nothing to commit, and a rollback cannot fail on what a damaged page did.
    if (ownTransaction && db.inTransaction) db.exec('ROLLBACK');
  }
}

/**
 * A Task's keys in order, each with the column of `tasks_with_skips` it is read from and its kind:
 * `text` and `integer` values are taken as they are (null stays null), a `flag` is true when 1.
 * The one list `taskFromValues` and `taskJsonElement` are made from.
 */
const TASK_FIELDS: readonly { key: keyof Task; column: string; kind: 'text' | 'integer' | 'flag' }[] = [
  { key: 'id', column: 'id', kind: 'text' },
  { key: 'board', column: 'board', kind: 'text' },
  { key: 'title', column: 'title', kind: 'text' },
  { key: 'body', column: 'body', kind: 'text' },
  { key: 'assignee', column: 'assignee', kind: 'text' },
  { key: 'status', column: 'status', kind: 'text' },
  { key: 'priority', column: 'priority', kind: 'integer' },
  { key: 'createdBy', column: 'created_by', kind: 'text' },
  { key: 'createdAt', column: 'created_at', kind: 'integer' },
  { key: 'updatedAt', column: 'updated_at', kind: 'integer' },
  { key: 'startedAt', column: 'started_at', kind: 'integer' },
  { key: 'completedAt', column: 'completed_at', kind: 'integer' },
  { key: 'workspace', column: 'workspace', kind: 'text' },
  { key: 'maxRuntimeSeconds', column: 'max_runtime_seconds', kind: 'integer' },
  { key: 'skipReason', column: 'skip_reason', kind: 'text' },
  { key: 'skipDetail', column: 'skip_detail', kind: 'text' },
  { key: 'failureCount', column: 'failure_count', kind: 'integer' },
  { key: 'nextAttemptAt', column: 'next_attempt_at', kind: 'integer' },
  { key: 'currentRunId', column: 'current_run_id', kind: 'integer' },
  { key: 'result', column: 'result', kind: 'text' },
  { key: 'lastError', column: 'last_error', kind: 'text' },
  { key: 'blockReason', column: 'block_reason', kind: 'text' },
  { key: 'claimOwner', column: 'claim_owner', kind: 'text' },
  { key: 'claimExpiresAt', column: 'claim_expires_at', kind: 'integer' },
  { key: 'lastHeartbeatAt', column: 'last_heartbeat_at', kind: 'integer' },
  { key: 'approvalRequired', column: 'approval_required', kind: 'flag' },
  { key: 'approvedBy', column: 'approved_by', kind: 'text' },
  { key: 'approvedAt', column: 'approved_at', kind: 'integer' },
];

/** The columns in taskFromValues' order. */
const TASK_COLUMN_LIST = TASK_FIELDS.map((field) => field.column).join(', ');

function taskFromValues(values: unknown[]): Task {
  const task: Record<string, unknown> = {};
  for (let i = 0; i < TASK_FIELDS.length; i++) {
    const field = TASK_FIELDS[i] as (typeof TASK_FIELDS)[number];
    task[field.key] = field.kind === 'flag' ? values[i] === 1 : values[i];
  }
  return task as unknown as Task;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Each field's text in `layout`'s template for `format()`: `"key": %s`, indented or compact. */
const TEMPLATE_FIELDS: Record<JsonLayout, (key: string) => string> = {
  pretty: (key) => `    "${key}": %s`,
  lines: (key) => `"${key}":%s`,
};

/** `jsonArrayElement`'s frame around the fields in each layout: the braces and what joins the fields. */
const TEMPLATE_FRAMES: Record<JsonLayout, { open: string; join: string; close: string }> = {
  pretty: { open: '  {\n', join: ',\n', close: '\n  }' },
  lines: { open: '{', join: ',', close: '}' },
};

const taskJsonElements = new Map<JsonLayout, string>();

/**
 * The SQL of one task's `jsonArrayElement` in `layout`, or NULL where SQLite's JSON would differ from
 * JavaScript's. Text is written by json_quote, exactly as JSON.stringify writes it (escapes,
 * non-ASCII as it is; checked character by character in test/task-json.test.ts); an integer within
 * 2^53 by format() as it is, the digits JavaScript writes too, and NULL as `null`. Left to
 * JSON.stringify: a REAL (SQLite writes 1e21 as 1.0e+21), a BLOB (json_quote refuses it), an integer
 * beyond 2^53 (JavaScript reads it rounded) and text in an integer column (format() would not quote it).
 */
function taskJsonElement(layout: JsonLayout): string {
  const made = taskJsonElements.get(layout);
  if (made !== undefined) return made;
  const frame = TEMPLATE_FRAMES[layout];
  const template = `${frame.open}${TASK_FIELDS.map((field) => TEMPLATE_FIELDS[layout](field.key)).join(frame.join)}${frame.close}`;
  const values = TASK_FIELDS.map(({ column, kind }) => {
    if (kind === 'flag') return `CASE WHEN ${column} = 1 THEN 'true' ELSE 'false' END`;
    // ifnull, not json_quote: one call less per column and row, ~5 ms of 20,000 tasks (issue 17, 4b).
    return kind === 'integer' ? `ifnull(${column}, 'null')` : `json_quote(${column})`;
  });
  // The checks run for 28 columns of every row (~10 ms of 20,000 tasks as typeof() calls alone), so
  // a NULL is let through before any function is called, and a BLOB is found by comparison: SQLite
  // orders every BLOB, even the empty one, after every other value.
  const exact = TASK_FIELDS.map(({ column, kind }) =>
    kind === 'integer'
      ? `(${column} IS NULL OR (typeof(${column}) = 'integer' AND ${column} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE}))`
      : `(${column} IS NULL OR ${column} < x'')`,
  );
  // The pretty template's line breaks are literal ones inside the SQL string.
  const sql = `CASE WHEN ${exact.join(' AND ')} THEN format('${template}', ${values.join(', ')}) END`;
  taskJsonElements.set(layout, sql);
  return sql;
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
    | 'approvedBy'
    | 'approvedAt'
  >
>;

/** A task no one holds: no claim and no current run (its run ended, its claim was released or expired). */
export const CLAIM_RELEASED: Readonly<TaskPatch> = Object.freeze({
  claimOwner: null,
  claimExpiresAt: null,
  currentRunId: null,
});

/** Columns of `tasks` callers may change (the skip reason is in `task_skips`). */
const PATCH_COLUMNS: Record<Exclude<keyof TaskPatch, 'skipReason' | 'skipDetail'>, string> = {
  title: 'title',
  body: 'body',
  assignee: 'assignee',
  status: 'status',
  priority: 'priority',
  workspace: 'workspace',
  maxRuntimeSeconds: 'max_runtime_seconds',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  failureCount: 'failure_count',
  nextAttemptAt: 'next_attempt_at',
  currentRunId: 'current_run_id',
  result: 'result',
  lastError: 'last_error',
  blockReason: 'block_reason',
  claimOwner: 'claim_owner',
  claimExpiresAt: 'claim_expires_at',
  lastHeartbeatAt: 'last_heartbeat_at',
  approvedBy: 'approved_by',
  approvedAt: 'approved_at',
};

/** docs/architecture.md §10: whether the task itself waits for approval before it is spawned (set at creation). */
export function setApprovalRequired(db: Db, id: string, required: boolean): void {
  db.prepare('UPDATE tasks SET approval_required = ? WHERE id = ?').run(required ? 1 : 0, id);
}

export function updateTask(db: Db, id: string, patch: TaskPatch, now: number): void {
  const { skipReason, skipDetail, ...columns } = patch;
  const keys = Object.keys(columns) as (keyof typeof columns)[];
  if (keys.length === 0 && skipReason === undefined && skipDetail === undefined) return;
  const assignments = keys.map((key) => `${PATCH_COLUMNS[key]} = @${key}, `).join('');
  cachedStatement(db, `UPDATE tasks SET ${assignments}updated_at = @now WHERE id = @id`).run({
    ...columns,
    id,
    now,
  });
  if (skipReason === null) {
    clearSkipReason(db, id);
  } else if (skipReason !== undefined) {
    // A patch naming only the reason keeps the stored detail (as a column update would).
    cachedStatement(
      db,
      `INSERT INTO task_skips (task_id, reason, detail) VALUES (@id, @reason, @detail)
       ON CONFLICT (task_id) DO UPDATE SET reason = excluded.reason,
         detail = CASE WHEN @keepDetail THEN detail ELSE excluded.detail END`,
    ).run({
      id,
      reason: skipReason,
      detail: skipDetail ?? null,
      keepDetail: skipDetail === undefined ? 1 : 0,
    });
  } else if (skipDetail !== undefined) {
    cachedStatement(db, 'UPDATE task_skips SET detail = ? WHERE task_id = ?').run(skipDetail, id);
  }
}

function clearSkipReason(db: Db, id: string): void {
  cachedStatement(db, 'DELETE FROM task_skips WHERE task_id = ?').run(id);
}

/**
 * Compare-and-swap claim (docs/architecture.md §4.6): succeeds only if the task is still ready and unclaimed, so
 * two claimers racing for one task cannot both win.
 */
export function claimReadyTask(
  db: Db,
  id: string,
  claim: { owner: string; expiresAt: number | null; now: number },
): boolean {
  const result = cachedStatement(
    db,
    `UPDATE tasks SET status = 'running', claim_owner = @owner, claim_expires_at = @expiresAt,
            started_at = @now, updated_at = @now, last_heartbeat_at = @now
     WHERE id = @id AND status = 'ready' AND claim_owner IS NULL`,
  ).run({ id, ...claim });
  if (result.changes !== 1) return false;
  clearSkipReason(db, id);
  return true;
}

/** `claim --next`: the lane's first ready, unclaimed task out of backoff that `mayTake` accepts. */
export function nextReadyTaskOfLane(
  db: Db,
  lane: string,
  board: string | undefined,
  now: number,
  mayTake: (task: Task) => boolean = () => true,
): Task | undefined {
  const rows = db
    .prepare(
      `SELECT * FROM tasks_with_skips WHERE status = 'ready' AND assignee = @lane AND claim_owner IS NULL
         AND (@board IS NULL OR board = @board) AND (next_attempt_at IS NULL OR next_attempt_at <= @now)
       ORDER BY priority DESC, created_at, id`,
    )
    .iterate({ lane, board: board ?? null, now }) as IterableIterator<TaskRow>;
  for (const row of rows) {
    const task = taskFromRow(row);
    if (mayTake(task)) return task; // leaving the loop ends the statement
  }
  return undefined;
}

export function tasksWithStatus(db: Db, status: TaskStatus): Task[] {
  return (db.prepare('SELECT * FROM tasks_with_skips WHERE status = ?').all(status) as TaskRow[]).map(
    taskFromRow,
  );
}

/** What the dispatcher's walk needs of a ready, unclaimed task (docs/architecture.md §4.6), in walk order. */
export interface ReadyQueueRow {
  id: string;
  board: string;
  assignee: string | null;
  priority: number;
  created_at: number;
  next_attempt_at: number | null;
  /** The task's own stored verdict (task_skips), which its lane's verdict (lane_skips, v13) may hide. */
  skip_reason: SkipReason | null;
  skip_detail: string | null;
  /** docs/architecture.md §10: 1 when the task itself asks for approval; approved_at is set once someone gave it. */
  approval_required: number;
  approved_at: number | null;
}

// The task's own skip row, not the view's answer: the dispatcher keeps the lanes' verdicts itself.
const READY_QUEUE_SQL = `SELECT t.id, t.board, t.assignee, t.priority, t.created_at, t.next_attempt_at,
    s.reason AS skip_reason, s.detail AS skip_detail, t.approval_required, t.approved_at
  FROM tasks t LEFT JOIN task_skips s ON s.task_id = t.id WHERE t.status = 'ready' AND t.claim_owner IS NULL`;

/** Every ready, unclaimed task by priority then age. */
export function readyQueueRows(db: Db): ReadyQueueRow[] {
  return db
    .prepare(`${READY_QUEUE_SQL} ORDER BY t.priority DESC, t.created_at, t.id`)
    .all() as ReadyQueueRow[];
}

/**
 * One page of the ready, unclaimed tasks in id order, after `afterId` (issue 17, target 9: a cold
 * start reads the queue in bounded steps; the caller sorts the pages into walk order). Keyset by
 * id on an index that starts with it, so a task changed between pages is read at most once, and
 * one changed before its page is read as it is then (the caller replays the log after the pages).
 */
export function readyQueuePage(db: Db, afterId: string, limit: number): ReadyQueueRow[] {
  return cachedStatement(
    db,
    `SELECT t.id, t.board, t.assignee, t.priority, t.created_at, t.next_attempt_at,
            s.reason AS skip_reason, s.detail AS skip_detail, t.approval_required, t.approved_at
     FROM tasks t INDEXED BY tasks_board_status_by_id LEFT JOIN task_skips s ON s.task_id = t.id
     WHERE t.id > ? AND t.status = 'ready' AND t.claim_owner IS NULL
     ORDER BY t.id LIMIT ?`,
  ).all(afterId, limit) as ReadyQueueRow[];
}

/** Up to `limit` todo tasks in id order after `afterId` (a full promotion check in pages). */
export function todoTaskIdsAfter(db: Db, afterId: string, limit: number): string[] {
  return (
    cachedStatement(
      db,
      `SELECT id FROM tasks INDEXED BY tasks_board_status_by_id WHERE id > ? AND status = 'todo' ORDER BY id LIMIT ?`,
    ).all(afterId, limit) as { id: string }[]
  ).map((row) => row.id);
}

/** The ready, unclaimed tasks among `ids` (the others are not ready or claimed now). */
export function readyQueueRowsAmong(db: Db, ids: readonly string[]): ReadyQueueRow[] {
  if (ids.length === 0) return [];
  // `+status`: look the few ids up by key instead of letting the status index scan every ready task.
  return cachedStatement(
    db,
    `SELECT t.id, t.board, t.assignee, t.priority, t.created_at, t.next_attempt_at,
            s.reason AS skip_reason, s.detail AS skip_detail, t.approval_required, t.approved_at
     FROM tasks t LEFT JOIN task_skips s ON s.task_id = t.id
     WHERE t.id IN (SELECT value FROM json_each(?)) AND +t.status = 'ready' AND t.claim_owner IS NULL`,
  ).all(JSON.stringify(ids)) as ReadyQueueRow[];
}

/**
 * Stores skip reasons (docs/architecture.md §4.6), only on tasks still ready and unclaimed; callers own the
 * transaction. `unchanged` names tasks the caller knows are still ready and unclaimed (read so, and
 * no event about them since, checked inside this transaction): their rows are not looked up.
 */
export function writeSkipReasons(
  db: Db,
  changes: readonly { id: string; reason: SkipReason | null; detail: string | null }[],
  unchanged: (id: string) => boolean = () => false,
): void {
  const byVerdict = new Map<string, SkipVerdictGroup>();
  for (const change of changes) {
    const key = `${change.reason ?? ''}\0${change.detail ?? '\u0001'}`;
    let group = byVerdict.get(key);
    if (!group) {
      group = { reason: change.reason, detail: change.detail, ids: [] };
      byVerdict.set(key, group);
    }
    group.ids.push(change.id);
  }
  writeSkipVerdictGroups(db, [...byVerdict.values()], unchanged);
}

/** Tasks that get one verdict (a whole lane paused, resumed, at capacity): stored by one statement. */
export interface SkipVerdictGroup {
  reason: SkipReason | null;
  detail: string | null;
  ids: string[];
}

/**
 * writeSkipReasons for changes already grouped by verdict (the dispatcher shares one verdict object
 * among a lane's tasks, so it groups them without a key per task). Groups may repeat a verdict.
 */
export function writeSkipVerdictGroups(
  db: Db,
  groups: readonly SkipVerdictGroup[],
  unchanged: (id: string) => boolean = () => false,
): void {
  // task_skips, not tasks: a ~50-byte row each instead of rewriting the whole ~350-byte task row.
  // An upsert, not INSERT OR REPLACE: the count triggers (migration v12) see a replaced row leave.
  // Kept statements: compiling one that writes task_skips compiles its three count triggers too
  // (a ~0.5 ms prepare of all four on "large", for every write step of a re-evaluation).
  const storeKnown = cachedStatement(
    db,
    `INSERT INTO task_skips (task_id, reason, detail) SELECT value, @reason, @detail FROM json_each(@ids) WHERE true
     ON CONFLICT (task_id) DO UPDATE SET reason = excluded.reason, detail = excluded.detail`,
  );
  const storeChecked = cachedStatement(
    db,
    `INSERT INTO task_skips (task_id, reason, detail)
     SELECT t.id, @reason, @detail FROM tasks t
     WHERE t.id IN (SELECT value FROM json_each(@ids)) AND +t.status = 'ready' AND t.claim_owner IS NULL
     ON CONFLICT (task_id) DO UPDATE SET reason = excluded.reason, detail = excluded.detail`,
  );
  const clearKnown = cachedStatement(
    db,
    'DELETE FROM task_skips WHERE task_id IN (SELECT value FROM json_each(@ids))',
  );
  const clearChecked = cachedStatement(
    db,
    `DELETE FROM task_skips WHERE task_id IN (
       SELECT id FROM tasks WHERE id IN (SELECT value FROM json_each(@ids)) AND +status = 'ready' AND claim_owner IS NULL)`,
  );
  for (const { reason, detail, ids: all } of groups) {
    const known: string[] = [];
    const check: string[] = [];
    for (const id of all) (unchanged(id) ? known : check).push(id);
    if (known.length > 0) {
      const ids = JSON.stringify(known);
      if (reason === null) clearKnown.run({ ids });
      else storeKnown.run({ reason, detail, ids });
    }
    if (check.length > 0) {
      const ids = JSON.stringify(check);
      if (reason === null) clearChecked.run({ ids });
      else storeChecked.run({ reason, detail, ids });
    }
  }
}

/** Running tasks whose terminal claim (one with an expiry) ran out before `now`. */
export function expiredClaimTaskIds(db: Db, now: number): string[] {
  return (
    cachedStatement(
      db,
      "SELECT id FROM tasks WHERE status = 'running' AND claim_expires_at IS NOT NULL AND claim_expires_at < ?",
    ).all(now) as { id: string }[]
  ).map((row) => row.id);
}

/** When the first terminal claim (one with an expiry) of a running task runs out; null: none has one. */
export function earliestClaimExpiry(db: Db): number | null {
  return (
    cachedStatement(
      db,
      "SELECT min(claim_expires_at) AS at FROM tasks WHERE status = 'running' AND claim_expires_at IS NOT NULL",
    ).get() as { at: number | null }
  ).at;
}

/** Running tasks claimed by any dispatcher (claim owners starting with `claimPrefix`). */
export function runningTaskIdsClaimedBy(db: Db, claimPrefix: string): string[] {
  return (
    db
      .prepare("SELECT id FROM tasks WHERE status = 'running' AND claim_owner LIKE ? || '%'")
      .all(claimPrefix) as { id: string }[]
  ).map((row) => row.id);
}

/** How many tasks there are, over every board (the counts kept by triggers, migration v10). */
export function taskTotal(db: Db): number {
  return (
    cachedStatement(db, 'SELECT coalesce(sum(n), 0) AS n FROM task_status_counts').get() as { n: number }
  ).n;
}

/** How many tasks run and how many are ready, over every board. */
export function runningAndReadyCounts(db: Db): { running: number; ready: number } {
  // Two rows kept by triggers (migration v10): counting the ready tasks took ~1 ms on "large".
  const rows = cachedStatement(
    db,
    "SELECT status, n FROM task_status_counts WHERE status IN ('running', 'ready')",
  ).all() as { status: string; n: number }[];
  return {
    running: rows.find((row) => row.status === 'running')?.n ?? 0,
    ready: rows.find((row) => row.status === 'ready')?.n ?? 0,
  };
}

/** Running tasks claimed by a dispatcher, per lane (the dispatcher's capacity accounting). */
export function dispatcherRunningByLane(
  db: Db,
  claimPrefix: string,
): { assignee: string | null; n: number }[] {
  return cachedStatement(
    db,
    "SELECT assignee, count(*) AS n FROM tasks WHERE status = 'running' AND claim_owner LIKE ? || '%' GROUP BY assignee",
  ).all(claimPrefix) as { assignee: string | null; n: number }[];
}

/**
 * Every lane name some task (archived ones too) is assigned to, on any board. A skip-scan of
 * tasks_by_status_assignee: one step per status and name, not per task.
 */
export function assigneesInUse(db: Db): string[] {
  return db
    .prepare('SELECT DISTINCT assignee FROM tasks WHERE assignee IS NOT NULL ORDER BY assignee')
    .pluck()
    .all() as string[];
}
