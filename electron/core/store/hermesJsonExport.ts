import Database from 'better-sqlite3';

/**
 * The Hermes dashboard's JSON board export (`"format": "hermes-kanban-json"`) carries task records
 * and links with kanban.db's column names. Written into a kanban.db of that shape, they go through
 * the one Hermes importer (import/importHermes.ts) like any other Hermes board.
 */

/** Hermes task columns the importer reads; the JSON export's task records use the same names. */
const TASK_COLUMNS = [
  'id',
  'title',
  'body',
  'assignee',
  'status',
  'priority',
  'created_by',
  'created_at',
  'started_at',
  'completed_at',
  'workspace_kind',
  'workspace_path',
  'max_runtime_seconds',
  'consecutive_failures',
  'spawn_failures',
  'result',
  'last_spawn_error',
  'last_heartbeat_at',
] as const;

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
    db.exec(`CREATE TABLE tasks (${TASK_COLUMNS.map((column) => `"${column}"`).join(', ')});
             CREATE TABLE task_links (parent_id, child_id);`);
    const insertTask = db.prepare(`INSERT INTO tasks VALUES (${TASK_COLUMNS.map(() => '?').join(', ')})`);
    const insertLink = db.prepare('INSERT INTO task_links VALUES (?, ?)');
    db.transaction(() => {
      for (const task of tasks) {
        const row = record(task);
        if (row) insertTask.run(...TASK_COLUMNS.map((column) => scalar(row[column])));
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
