import type { TaskStatus } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** Dependency edges parent → child. */

export function insertLink(db: Db, parentId: string, childId: string, now: number): boolean {
  return (
    cachedStatement(
      db,
      'INSERT OR IGNORE INTO task_links (parent_id, child_id, created_at) VALUES (?, ?, ?)',
    ).run(parentId, childId, now).changes === 1
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
    cachedStatement(db, 'SELECT child_id FROM task_links WHERE parent_id = ?').all(parentId) as {
      child_id: string;
    }[]
  ).map((row) => row.child_id);
}

export interface ParentState {
  id: string;
  title: string;
  status: TaskStatus;
  result: string | null;
}

export function parentsOf(db: Db, childId: string): ParentState[] {
  return cachedStatement(
    db,
    `SELECT t.id, t.title, t.status, t.result FROM task_links l JOIN tasks t ON t.id = l.parent_id
     WHERE l.child_id = ? ORDER BY l.created_at, t.id`,
  ).all(childId) as ParentState[];
}

/**
 * A parent `p` its children still wait for: not done, or done with changes held for review
 * (docs/architecture.md §9: a profile with `"onSuccess": "review"` holds its children until the merge or a waiver).
 */
const PARENT_NOT_FINISHED = `(p.status <> 'done' OR EXISTS (SELECT 1 FROM task_worktrees w WHERE w.task_id = p.id
  AND w.hold_children = 1 AND w.merged_at IS NULL AND w.review_waived = 0 AND w.removed_at IS NULL))`;

/**
 * Todo tasks with at least one parent whose parents are all done: the candidates for promotion.
 *
 * Both sides read `tasks_board_status_by_id (id, board, status)`, which holds every column the
 * check needs: the full check (a fresh engine's first tick) scans that small index for todo tasks
 * instead of fetching each todo task's row, and each parent's status is read from it instead of from
 * the parent's row. The planner chose the status index and the primary key, which read 40,000 rows
 * of "large" and their parents' rows: ~10x slower (performance issue 17, target 9).
 */
export function promotableTaskIds(db: Db, among?: readonly string[]): string[] {
  const parentsAllDone = `EXISTS (SELECT 1 FROM task_links l WHERE l.child_id = t.id)
      AND NOT EXISTS (SELECT 1 FROM task_links l JOIN tasks p INDEXED BY tasks_board_status_by_id ON p.id = l.parent_id
                      WHERE l.child_id = t.id AND ${PARENT_NOT_FINISHED})`;
  if (among) {
    if (among.length === 0) return [];
    // By key (`+t.status` keeps the planner off the status index, which would scan every todo task).
    // Kept (one text whatever `among` holds): the promotion step runs it after every new event.
    return (
      cachedStatement(
        db,
        `SELECT t.id FROM tasks t WHERE t.id IN (SELECT value FROM json_each(?)) AND +t.status = 'todo'
             AND ${parentsAllDone}`,
      ).all(JSON.stringify(among)) as { id: string }[]
    ).map((row) => row.id);
  }
  return (
    db
      .prepare(
        `SELECT t.id FROM tasks t INDEXED BY tasks_board_status_by_id WHERE t.status = 'todo' AND ${parentsAllDone}`,
      )
      .all() as { id: string }[]
  ).map((row) => row.id);
}

/** Children of any of `parentIds`. */
export function childIdsOfAny(db: Db, parentIds: readonly string[]): string[] {
  if (parentIds.length === 0) return [];
  return (
    cachedStatement(
      db,
      'SELECT DISTINCT child_id FROM task_links WHERE parent_id IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(parentIds)) as { child_id: string }[]
  ).map((row) => row.child_id);
}
