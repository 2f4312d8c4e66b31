import Database from 'better-sqlite3';

export interface DatabaseSnapshot {
  userVersion: number;
  /** Every table (including sqlite_sequence) with all its rows in rowid order. */
  tables: Record<string, unknown[]>;
}

/**
 * Reads the whole database on a separate read-only connection, so a test can prove a refused
 * command changed nothing at all.
 */
export function snapshotDatabase(file: string): DatabaseSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const names = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((row) => row.name);
    const tables: Record<string, unknown[]> = {};
    for (const name of names) {
      const quoted = `"${name.replace(/"/g, '""')}"`;
      const hasRowid = !(
        db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }
      ).sql.includes('WITHOUT ROWID');
      tables[name] = db.prepare(`SELECT * FROM ${quoted}${hasRowid ? ' ORDER BY rowid' : ''}`).all();
    }
    return { userVersion: db.pragma('user_version', { simple: true }) as number, tables };
  } finally {
    db.close();
  }
}
