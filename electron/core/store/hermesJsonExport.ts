import Database from 'better-sqlite3';
import { HERMES_TASK_COLUMNS } from './hermesSource';

/**
 * The Hermes dashboard's JSON board export (`"format": "hermes-kanban-json"`) carries task records
 * and links with kanban.db's column names. Written into a kanban.db of that shape, they go through
 * the one Hermes importer (import/importHermes.ts) like any other Hermes board.
 */

const scalar = (value: unknown): string | number | null =>
  value === undefined || value === null
    ? null
    : typeof value === 'number' || typeof value === 'string'
      ? value
      : typeof value === 'boolean'
        ? Number(value)
        : JSON.stringify(value);

const record = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export function writeHermesShapedDatabase(
  file: string,
  tasks: readonly unknown[],
  links: readonly unknown[],
): void {
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE tasks (${HERMES_TASK_COLUMNS.map((column) => `"${column}"`).join(', ')});
             CREATE TABLE task_links (parent_id, child_id);`);
    const insertTask = db.prepare(
      `INSERT INTO tasks VALUES (${HERMES_TASK_COLUMNS.map(() => '?').join(', ')})`,
    );
    const insertLink = db.prepare('INSERT INTO task_links VALUES (?, ?)');
    db.transaction(() => {
      for (const task of tasks) {
        const row = record(task);
        if (row) insertTask.run(...HERMES_TASK_COLUMNS.map((column) => scalar(row[column])));
      }
      for (const link of links) {
        const row = record(link);
        if (row) insertLink.run(scalar(row.parent_id), scalar(row.child_id));
      }
    })();
  } finally {
    db.close();
  }
}
