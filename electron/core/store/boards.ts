import type { Board } from '../../../shared/domain';
import type { Db } from './db/open';

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
  const row = db.prepare('SELECT * FROM boards WHERE slug = ?').get(slug) as BoardRow | undefined;
  return row ? boardFromRow(row) : undefined;
}

export function insertBoard(db: Db, slug: string, name: string, now: number): void {
  db.prepare('INSERT INTO boards (slug, name, created_at) VALUES (?, ?, ?)').run(slug, name, now);
}

export function setBoardArchived(db: Db, slug: string, archivedAt: number | null): void {
  db.prepare('UPDATE boards SET archived_at = ? WHERE slug = ?').run(archivedAt, slug);
}
