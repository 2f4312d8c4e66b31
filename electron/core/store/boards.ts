import type { Board } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';
import { appendEvent } from './events';

interface BoardRow {
  slug: string;
  name: string;
  created_at: number;
  archived_at: number | null;
}

const boardFromRow = (row: BoardRow): Board => ({
  slug: row.slug,
  name: row.name,
  createdAt: row.created_at,
  archivedAt: row.archived_at,
});

export function listBoards(db: Db, includeArchived = false): Board[] {
  const sql = includeArchived
    ? 'SELECT * FROM boards ORDER BY slug'
    : 'SELECT * FROM boards WHERE archived_at IS NULL ORDER BY slug';
  return (db.prepare(sql).all() as BoardRow[]).map(boardFromRow);
}

export function findBoard(db: Db, slug: string): Board | undefined {
  const row = cachedStatement(db, 'SELECT * FROM boards WHERE slug = ?').get(slug) as BoardRow | undefined;
  return row ? boardFromRow(row) : undefined;
}

/**
 * docs/architecture.md "How a change travels": a board's row changes with a `board_changed` row of
 * the log in the same statement sequence (the caller's transaction), so every reader of the log —
 * an open board in another process too — hears of a board created, archived or restored anywhere.
 */
export function announceBoardChange(
  db: Db,
  slug: string,
  change: 'created' | 'archived' | 'restored' | 'imported',
  now: number,
): void {
  appendEvent(db, { taskId: null, board: slug, kind: 'board_changed', payload: { change } }, now);
}

export function insertBoard(db: Db, slug: string, name: string, now: number): void {
  db.prepare('INSERT INTO boards (slug, name, created_at) VALUES (?, ?, ?)').run(slug, name, now);
  announceBoardChange(db, slug, 'created', now);
}

export function setBoardArchived(db: Db, slug: string, archivedAt: number | null): void {
  db.prepare('UPDATE boards SET archived_at = ? WHERE slug = ?').run(archivedAt, slug);
  announceBoardChange(db, slug, archivedAt === null ? 'restored' : 'archived', archivedAt ?? Date.now());
}
