import type { Db } from '../../electron/core/store/db/open';

/** A statement's SQL as these helpers record it: white space folded. */
const folded = (sql: string): string => sql.replace(/\s+/g, ' ').trim();

/**
 * The SQL of every statement `db` compiles from now on (`db.prepare`): the store keeps its
 * statements per connection (store/db/statements.ts), so a path that compiles none again shows
 * none here.
 */
export function recordPrepared(db: Db): string[] {
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    prepared.push(folded(sql));
    return prepare(sql);
  }) as typeof db.prepare;
  return prepared;
}

/** The SQL of every statement run on `db` while `action` runs (better-sqlite3's Statement methods). */
export function statementsRunBy(db: Db, action: () => void): string[] {
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, unknown>;
  const seen: string[] = [];
  const names = ['get', 'all', 'run', 'iterate'] as const;
  const originals = names.map((name) => statement[name] as (...args: unknown[]) => unknown);
  names.forEach((name, i) => {
    const original = originals[i] as (...args: unknown[]) => unknown;
    statement[name] = function (this: { database: Db; source: string }, ...args: unknown[]) {
      if (this.database === db) seen.push(folded(this.source));
      return original.apply(this, args);
    };
  });
  try {
    action();
  } finally {
    names.forEach((name, i) => (statement[name] = originals[i]));
  }
  return seen;
}
