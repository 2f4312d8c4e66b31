import fs from 'node:fs';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../errors';

/**
 * Reads a Hermes Agent kanban database (the source of `switchyard import-hermes`). The file is
 * opened read-only and never changed; older Hermes versions lack some tables and columns, so a
 * missing table reads as no rows.
 */

export type HermesRow = Record<string, unknown>;

export interface HermesRows {
  tasks: HermesRow[];
  comments: HermesRow[];
  runs: HermesRow[];
  events: HermesRow[];
  links: HermesRow[];
}

function columnsOf(source: Database.Database, table: string): Set<string> {
  return new Set(
    (source.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map(
      (column) => column.name,
    ),
  );
}

/** Every row of a table in rowid order, or [] when this Hermes version has no such table. */
function rowsOf(source: Database.Database, table: string): HermesRow[] {
  if (columnsOf(source, table).size === 0) return [];
  return source.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all() as HermesRow[];
}

function openHermes(file: string): Database.Database {
  if (!fs.existsSync(file)) throw new SwitchyardError('not_found', `no such file: ${file}`);
  let source: Database.Database;
  try {
    source = new Database(file, { readonly: true, fileMustExist: true });
    source.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new SwitchyardError('invalid_input', `cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    const taskColumns = columnsOf(source, 'tasks');
    if (!taskColumns.has('id') || !taskColumns.has('title'))
      throw new SwitchyardError(
        'invalid_input',
        `${file} is not a Hermes kanban database (no tasks table with id and title)`,
      );
  } catch (error) {
    source.close();
    if (error instanceof SwitchyardError) throw error;
    throw new SwitchyardError(
      'invalid_input',
      `${file} is not a readable SQLite database: ${(error as Error).message}`,
    );
  }
  return source;
}

/** Every row the import needs, read in one transaction (a consistent snapshot of the file). */
export function readHermesRows(file: string): HermesRows {
  const source = openHermes(file);
  try {
    source.exec('BEGIN');
    const rows: HermesRows = {
      tasks: rowsOf(source, 'tasks'),
      comments: rowsOf(source, 'task_comments'),
      runs: rowsOf(source, 'task_runs'),
      events: rowsOf(source, 'task_events'),
      links: rowsOf(source, 'task_links'),
    };
    source.exec('COMMIT');
    return rows;
  } finally {
    if (source.inTransaction) source.exec('ROLLBACK');
    source.close();
  }
}
