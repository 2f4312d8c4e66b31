import type { Db } from './db/open';
import type { TaskColumnsV1 } from './tasks';
import { announceBoardChange } from './boards';

/**
 * The rows `switchyard export` writes and `switchyard import` restores (docs/export-format.md).
 * Columns travel as stored (snake_case), so a restore keeps every value, ids included.
 */

export interface BoardRow {
  slug: string;
  name: string;
  created_at: number;
  archived_at: number | null;
}

/** A task as exported: every column of `tasks` from migration v1 (see `TaskColumnsV1`). */
export type TaskExportRow = TaskColumnsV1;

export const TASK_EXPORT_COLUMNS: readonly (keyof TaskExportRow)[] = [
  'id',
  'board',
  'title',
  'body',
  'assignee',
  'status',
  'priority',
  'created_by',
  'created_at',
  'updated_at',
  'started_at',
  'completed_at',
  'workspace',
  'max_runtime_seconds',
  'failure_count',
  'next_attempt_at',
  'current_run_id',
  'result',
  'last_error',
  'block_reason',
  'claim_owner',
  'claim_expires_at',
  'last_heartbeat_at',
];

export interface LinkRow {
  parent_id: string;
  child_id: string;
  created_at: number;
}

export interface CommentRow {
  id: number;
  task_id: string;
  author: string;
  body: string;
  created_at: number;
}

/** A run's summary: what happened, not its process details (pid, log path belong to one machine). */
export interface RunSummaryRow {
  id: number;
  task_id: string;
  lane: string;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
  exit_code: number | null;
  signal: string | null;
  summary: string | null;
  error: string | null;
}

export interface LaneSettingRow {
  name: string;
  paused: number;
  max_concurrent: number | null;
}

const boardFilter = (board: string | undefined) => (board === undefined ? '' : ' WHERE board = @board');

export function exportBoards(db: Db, board?: string): BoardRow[] {
  return db
    .prepare(
      `SELECT slug, name, created_at, archived_at FROM boards${board ? ' WHERE slug = ?' : ''} ORDER BY slug`,
    )
    .all(...(board ? [board] : [])) as BoardRow[];
}

export function exportTasks(db: Db, board?: string): TaskExportRow[] {
  return db
    .prepare(
      `SELECT ${TASK_EXPORT_COLUMNS.join(', ')} FROM tasks${boardFilter(board)} ORDER BY created_at, id`,
    )
    .all(board === undefined ? {} : { board }) as TaskExportRow[];
}

/** Links whose both ends are on the board (or every link). */
export function exportLinks(db: Db, board?: string): LinkRow[] {
  const sql =
    board === undefined
      ? 'SELECT parent_id, child_id, created_at FROM task_links ORDER BY parent_id, child_id'
      : `SELECT l.parent_id, l.child_id, l.created_at FROM task_links l
           JOIN tasks p ON p.id = l.parent_id JOIN tasks c ON c.id = l.child_id
         WHERE p.board = @board AND c.board = @board ORDER BY l.parent_id, l.child_id`;
  return db.prepare(sql).all(board === undefined ? {} : { board }) as LinkRow[];
}

export function exportComments(db: Db, board?: string): CommentRow[] {
  const sql =
    board === undefined
      ? 'SELECT id, task_id, author, body, created_at FROM comments ORDER BY id'
      : `SELECT c.id, c.task_id, c.author, c.body, c.created_at FROM comments c JOIN tasks t ON t.id = c.task_id
         WHERE t.board = @board ORDER BY c.id`;
  return db.prepare(sql).all(board === undefined ? {} : { board }) as CommentRow[];
}

export function exportRunSummaries(db: Db, board?: string): RunSummaryRow[] {
  const columns =
    'r.id, r.task_id, r.lane, r.started_at, r.ended_at, r.outcome, r.exit_code, r.signal, r.summary, r.error';
  const sql =
    board === undefined
      ? `SELECT ${columns} FROM runs r ORDER BY r.id`
      : `SELECT ${columns} FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.board = @board ORDER BY r.id`;
  return db.prepare(sql).all(board === undefined ? {} : { board }) as RunSummaryRow[];
}

export function exportLaneSettings(db: Db): LaneSettingRow[] {
  return db
    .prepare('SELECT name, paused, max_concurrent FROM lane_settings ORDER BY name')
    .all() as LaneSettingRow[];
}

// Restoring ------------------------------------------------------------------------------------

/** Announced like every board write (boards.ts), so an open board hears of a restored board at once. */
export function insertBoardRow(db: Db, row: BoardRow): void {
  db.prepare(
    'INSERT INTO boards (slug, name, created_at, archived_at) VALUES (@slug, @name, @created_at, @archived_at)',
  ).run(row);
  announceBoardChange(db, row.slug, 'created', Date.now());
}

export function findTaskExportRow(db: Db, id: string): TaskExportRow | undefined {
  return db.prepare(`SELECT ${TASK_EXPORT_COLUMNS.join(', ')} FROM tasks WHERE id = ?`).get(id) as
    TaskExportRow | undefined;
}

export function insertTaskRow(db: Db, row: TaskExportRow): void {
  db.prepare(
    `INSERT INTO tasks (${TASK_EXPORT_COLUMNS.join(', ')})
     VALUES (${TASK_EXPORT_COLUMNS.map((column) => `@${column}`).join(', ')})`,
  ).run(row);
}

export function findCommentRow(db: Db, id: number): CommentRow | undefined {
  return db.prepare('SELECT id, task_id, author, body, created_at FROM comments WHERE id = ?').get(id) as
    CommentRow | undefined;
}

/** The same comment (task, author, body, time) already there under any id. */
export function commentExists(db: Db, row: Omit<CommentRow, 'id'>): boolean {
  return (
    db
      .prepare('SELECT 1 FROM comments WHERE task_id = ? AND author = ? AND body = ? AND created_at = ?')
      .get(row.task_id, row.author, row.body, row.created_at) !== undefined
  );
}

/** Inserts with the given id, or a new one when `id` is null. Returns the id used. */
export function insertCommentRow(db: Db, row: Omit<CommentRow, 'id'> & { id: number | null }): number {
  return Number(
    db
      .prepare(
        'INSERT INTO comments (id, task_id, author, body, created_at) VALUES (@id, @task_id, @author, @body, @created_at)',
      )
      .run(row).lastInsertRowid,
  );
}

export function runExists(db: Db, row: Pick<RunSummaryRow, 'task_id' | 'started_at' | 'lane'>): boolean {
  return (
    db
      .prepare('SELECT 1 FROM runs WHERE task_id = ? AND started_at = ? AND lane = ?')
      .get(row.task_id, row.started_at, row.lane) !== undefined
  );
}

export function runIdTaken(db: Db, id: number): boolean {
  return db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
}

export function insertRunSummaryRow(db: Db, row: Omit<RunSummaryRow, 'id'> & { id: number | null }): number {
  return Number(
    db
      .prepare(
        `INSERT INTO runs (id, task_id, lane, started_at, ended_at, outcome, exit_code, signal, summary, error)
         VALUES (@id, @task_id, @lane, @started_at, @ended_at, @outcome, @exit_code, @signal, @summary, @error)`,
      )
      .run(row).lastInsertRowid,
  );
}

export function linkExists(db: Db, parentId: string, childId: string): boolean {
  return (
    db.prepare('SELECT 1 FROM task_links WHERE parent_id = ? AND child_id = ?').get(parentId, childId) !==
    undefined
  );
}

export function insertLinkRow(db: Db, row: LinkRow): void {
  db.prepare(
    'INSERT OR IGNORE INTO task_links (parent_id, child_id, created_at) VALUES (@parent_id, @child_id, @created_at)',
  ).run(row);
}

/** Inserts a lane's settings unless the lane already has some; true when inserted. */
export function insertLaneSettingRow(db: Db, row: LaneSettingRow): boolean {
  return (
    db
      .prepare(
        'INSERT OR IGNORE INTO lane_settings (name, paused, max_concurrent) VALUES (@name, @paused, @max_concurrent)',
      )
      .run(row).changes === 1
  );
}

export function findLaneSettingRow(db: Db, name: string): LaneSettingRow | undefined {
  return db.prepare('SELECT name, paused, max_concurrent FROM lane_settings WHERE name = ?').get(name) as
    LaneSettingRow | undefined;
}

export function boardHasTasks(db: Db, slug: string): boolean {
  return db.prepare('SELECT 1 FROM tasks WHERE board = ? LIMIT 1').get(slug) !== undefined;
}

export function updateBoardRow(db: Db, row: BoardRow): void {
  db.prepare(
    'UPDATE boards SET name = @name, created_at = @created_at, archived_at = @archived_at WHERE slug = @slug',
  ).run(row);
  announceBoardChange(db, row.slug, 'imported', Date.now());
}

export function setTaskCurrentRun(db: Db, taskId: string, runId: number | null): void {
  db.prepare('UPDATE tasks SET current_run_id = ? WHERE id = ?').run(runId, taskId);
}
