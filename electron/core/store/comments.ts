import type { Comment } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

interface CommentRow {
  id: number;
  task_id: string;
  author: string;
  body: string;
  created_at: number;
}

export function insertComment(db: Db, taskId: string, author: string, body: string, now: number): number {
  return Number(
    cachedStatement(db, 'INSERT INTO comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)').run(
      taskId,
      author,
      body,
      now,
    ).lastInsertRowid,
  );
}

export function commentsOf(db: Db, taskId: string, limit?: number): Comment[] {
  const rows = (
    limit
      ? cachedStatement(
          db,
          'SELECT * FROM (SELECT * FROM comments WHERE task_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
        ).all(taskId, limit)
      : cachedStatement(db, 'SELECT * FROM comments WHERE task_id = ? ORDER BY id').all(taskId)
  ) as CommentRow[];
  return rows.map((row) => ({
    id: row.id,
    taskId: row.task_id,
    author: row.author,
    body: row.body,
    createdAt: row.created_at,
  }));
}
