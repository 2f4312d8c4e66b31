import type { TaskStatus } from '../../shared/domain';
import type { Db } from './db/open';

/** Dependency edges parent → child. */

export function insertLink(db: Db, parentId: string, childId: string, now: number): boolean {
  return (
    db
      .prepare('INSERT OR IGNORE INTO task_links (parent_id, child_id, created_at) VALUES (?, ?, ?)')
      .run(parentId, childId, now).changes === 1
  );
}

export function deleteLink(db: Db, parentId: string, childId: string): boolean {
  return (
    db.prepare('DELETE FROM task_links WHERE parent_id = ? AND child_id = ?').run(parentId, childId)
      .changes === 1
  );
}

export function childIdsOf(db: Db, parentId: string): string[] {
  return (
    db.prepare('SELECT child_id FROM task_links WHERE parent_id = ?').all(parentId) as { child_id: string }[]
  ).map((row) => row.child_id);
}

export interface ParentState {
  id: string;
  title: string;
  status: TaskStatus;
  result: string | null;
}

export function parentsOf(db: Db, childId: string): ParentState[] {
  return db
    .prepare(
      `SELECT t.id, t.title, t.status, t.result FROM task_links l JOIN tasks t ON t.id = l.parent_id
       WHERE l.child_id = ? ORDER BY l.created_at, t.id`,
    )
    .all(childId) as ParentState[];
}

/** Todo tasks with at least one parent whose parents are all done: the candidates for promotion. */
export function promotableTaskIds(db: Db, among?: readonly string[]): string[] {
  const base = `SELECT t.id FROM tasks t WHERE t.status = 'todo'
      AND EXISTS (SELECT 1 FROM task_links l WHERE l.child_id = t.id)
      AND NOT EXISTS (SELECT 1 FROM task_links l JOIN tasks p ON p.id = l.parent_id
                      WHERE l.child_id = t.id AND p.status <> 'done')`;
  if (among) {
    if (among.length === 0) return [];
    // By key (`+t.status` keeps the planner off the status index, which would scan every todo task).
    return (
      db
        .prepare(
          `SELECT t.id FROM tasks t WHERE t.id IN (SELECT value FROM json_each(?)) AND +t.status = 'todo'
             AND EXISTS (SELECT 1 FROM task_links l WHERE l.child_id = t.id)
             AND NOT EXISTS (SELECT 1 FROM task_links l JOIN tasks p ON p.id = l.parent_id
                             WHERE l.child_id = t.id AND p.status <> 'done')`,
        )
        .all(JSON.stringify(among)) as { id: string }[]
    ).map((row) => row.id);
  }
  return (db.prepare(base).all() as { id: string }[]).map((row) => row.id);
}

/** Every link whose two tasks are on `board` and not archived: the dependency edges a board shows. */
export function linksOfBoard(db: Db, board: string): { parentId: string; childId: string }[] {
  return db
    .prepare(
      // Every link once, each end's board and status from the covering index (migration v2): the
      // planner left alone walks every task of the board and reads two table rows per link.
      `SELECT l.parent_id AS parentId, l.child_id AS childId FROM task_links l
         CROSS JOIN tasks c INDEXED BY tasks_board_status_by_id ON c.id = l.child_id
         CROSS JOIN tasks p INDEXED BY tasks_board_status_by_id ON p.id = l.parent_id
       WHERE c.board = ? AND c.status <> 'archived' AND p.status <> 'archived'
       ORDER BY l.created_at, l.parent_id, l.child_id`,
    )
    .all(board) as { parentId: string; childId: string }[];
}

/** Children of any of `parentIds`. */
export function childIdsOfAny(db: Db, parentIds: readonly string[]): string[] {
  if (parentIds.length === 0) return [];
  return (
    db
      .prepare('SELECT DISTINCT child_id FROM task_links WHERE parent_id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(parentIds)) as { child_id: string }[]
  ).map((row) => row.child_id);
}
