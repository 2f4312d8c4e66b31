import type { Db } from './db/open';

/** Where imported tasks and boards came from (migration v5). */

export interface TaskBranch {
  branch: string;
  /** The branch it was based on / targets, when the source knew it. */
  base: string | null;
  /** The repository's path on the machine the source ran on. */
  repo: string | null;
  /** The attempt's worktree folder there (it may no longer exist). */
  worktree: string | null;
  createdAt: number | null;
}

export interface TaskOrigin {
  taskId: string;
  source: string;
  sourceId: string;
  sourceStatus: string | null;
  labels: string[];
  branches: TaskBranch[];
  importedAt: number;
}

/** A row of `task_origins` as stored (labels and branches as JSON text); export and restore use it as is. */
export interface StoredTaskOrigin {
  task_id: string;
  source: string;
  source_id: string;
  source_status: string | null;
  labels: string;
  branches: string;
  imported_at: number;
}

const parseList = <T>(text: string): T[] => {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
};

const originFromRow = (row: StoredTaskOrigin): TaskOrigin => ({
  taskId: row.task_id,
  source: row.source,
  sourceId: row.source_id,
  sourceStatus: row.source_status,
  labels: parseList<string>(row.labels),
  branches: parseList<TaskBranch>(row.branches),
  importedAt: row.imported_at,
});

/** Our task id for an item of `source`, when it was imported before and is still here. */
export function taskImportedFrom(db: Db, source: string, sourceId: string): string | undefined {
  return (
    db
      .prepare(
        `SELECT o.task_id FROM task_origins o JOIN tasks t ON t.id = o.task_id
         WHERE o.source = ? AND o.source_id = ?`,
      )
      .get(source, sourceId) as { task_id: string } | undefined
  )?.task_id;
}

export function insertTaskOrigin(db: Db, origin: TaskOrigin): void {
  db.prepare(
    `INSERT INTO task_origins (task_id, source, source_id, source_status, labels, branches, imported_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    origin.taskId,
    origin.source,
    origin.sourceId,
    origin.sourceStatus,
    JSON.stringify(origin.labels),
    JSON.stringify(origin.branches),
    origin.importedAt,
  );
}

export function taskOrigin(db: Db, taskId: string): TaskOrigin | undefined {
  const row = db.prepare('SELECT * FROM task_origins WHERE task_id = ?').get(taskId) as
    StoredTaskOrigin | undefined;
  return row ? originFromRow(row) : undefined;
}

export interface BoardOrigin {
  board: string;
  source: string;
  sourceId: string;
  repository: string | null;
  importedAt: number;
}

export function boardImportedFrom(db: Db, source: string, sourceId: string): string | undefined {
  return (
    db.prepare('SELECT board FROM board_origins WHERE source = ? AND source_id = ?').get(source, sourceId) as
      { board: string } | undefined
  )?.board;
}

export function insertBoardOrigin(db: Db, origin: BoardOrigin): void {
  db.prepare(
    'INSERT INTO board_origins (board, source, source_id, repository, imported_at) VALUES (?, ?, ?, ?, ?)',
  ).run(origin.board, origin.source, origin.sourceId, origin.repository, origin.importedAt);
}

export function boardOrigin(db: Db, board: string): BoardOrigin | undefined {
  const row = db.prepare('SELECT * FROM board_origins WHERE board = ?').get(board) as
    | { board: string; source: string; source_id: string; repository: string | null; imported_at: number }
    | undefined;
  return row
    ? {
        board: row.board,
        source: row.source,
        sourceId: row.source_id,
        repository: row.repository,
        importedAt: row.imported_at,
      }
    : undefined;
}

/**
 * Imported tasks of `source` that name branches and have no worktree record yet (docs/architecture.md §9: their
 * work is adopted where it still exists), with their board.
 */
export function originsAwaitingWorktree(db: Db, source: string): (TaskOrigin & { board: string })[] {
  const rows = db
    .prepare(
      `SELECT o.*, t.board AS task_board FROM task_origins o JOIN tasks t ON t.id = o.task_id
       WHERE o.source = ? AND o.branches <> '[]' AND t.status <> 'archived'
         AND NOT EXISTS (SELECT 1 FROM task_worktrees w WHERE w.task_id = o.task_id)
       ORDER BY o.task_id`,
    )
    .all(source) as (StoredTaskOrigin & { task_board: string })[];
  return rows.map((row) => ({ ...originFromRow(row), board: row.task_board }));
}

// Export and restore (docs/export-format.md): rows as stored.

export interface BoardOriginRow {
  board: string;
  source: string;
  source_id: string;
  repository: string | null;
  imported_at: number;
}

export function exportTaskOrigins(db: Db, board?: string): StoredTaskOrigin[] {
  return db
    .prepare(
      `SELECT o.* FROM task_origins o JOIN tasks t ON t.id = o.task_id${board === undefined ? '' : ' WHERE t.board = ?'}
       ORDER BY o.task_id`,
    )
    .all(...(board === undefined ? [] : [board])) as StoredTaskOrigin[];
}

export function exportBoardOrigins(db: Db, board?: string): BoardOriginRow[] {
  return db
    .prepare(`SELECT * FROM board_origins${board === undefined ? '' : ' WHERE board = ?'} ORDER BY board`)
    .all(...(board === undefined ? [] : [board])) as BoardOriginRow[];
}

/** Restores an origin unless its task (or its source item) already has one; true when added. */
export function restoreTaskOrigin(db: Db, row: StoredTaskOrigin): boolean {
  return (
    db
      .prepare(
        `INSERT OR IGNORE INTO task_origins (task_id, source, source_id, source_status, labels, branches, imported_at)
         VALUES (@task_id, @source, @source_id, @source_status, @labels, @branches, @imported_at)`,
      )
      .run(row).changes === 1
  );
}

export function restoreBoardOrigin(db: Db, row: BoardOriginRow): boolean {
  return (
    db
      .prepare(
        `INSERT OR IGNORE INTO board_origins (board, source, source_id, repository, imported_at)
         VALUES (@board, @source, @source_id, @repository, @imported_at)`,
      )
      .run(row).changes === 1
  );
}
