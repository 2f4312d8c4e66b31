import type Database from 'better-sqlite3';
import type { Db } from './open';

/**
 * Prepared statements kept per connection, for the queries every dispatcher tick and change-feed
 * poll runs. `db.prepare()` compiles the SQL again each time (~10–20 µs, a tenth of an idle tick on
 * "large" before this); a kept statement is compiled once. SQLite re-prepares a kept statement by
 * itself when the schema changes, and the cache goes away with its connection (a WeakMap).
 *
 * Only for statements run with `.get()`, `.all()` or `.run()`: an `.iterate()` in progress would make
 * the shared statement busy for every other caller, and `.pluck()`/`.raw()` would change it for them.
 */
const statementsByDb = new WeakMap<Db, Map<string, Database.Statement>>();

export function cachedStatement(db: Db, sql: string): Database.Statement {
  let statements = statementsByDb.get(db);
  if (!statements) {
    statements = new Map();
    statementsByDb.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
