import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/**
 * Where the database stands, as one cheap statement (issue 17, target 1: the idle tick). It moves
 * whenever anything may have changed: `data_version` when another connection committed (another
 * process, the CLI, a worker), `total_changes()` when a row was written through this one (rows
 * written by triggers count; a write rolled back still moves it, which only costs a read).
 */
export interface DatabaseStamp {
  readonly others: number;
  readonly own: number;
}

export function readDatabaseStamp(db: Db): DatabaseStamp {
  return cachedStatement(
    db,
    'SELECT data_version AS others, total_changes() AS own FROM pragma_data_version',
  ).get() as DatabaseStamp;
}

export function sameDatabaseStamp(a: DatabaseStamp | null, b: DatabaseStamp): boolean {
  return a !== null && a.others === b.others && a.own === b.own;
}

/**
 * Reads kept while the database has not changed: `look()` takes the stamp, and `keep(name, read)`
 * answers what `read` answered when the stamp was last the same, else reads again. A read taken
 * after `look()` and kept under its stamp is right as long as the stamp has not moved: a write in
 * between moves it, so the value is read again at the next look. The caller looks again after any
 * write of its own that a later read must see (the dispatcher: after reaping exits, reclaiming,
 * promoting), since a look reads the stamp only once.
 */
export class ReadsUntilChanged {
  private stamp: DatabaseStamp | null = null;
  private readonly kept = new Map<string, { stamp: DatabaseStamp; value: unknown }>();

  constructor(private readonly db: Db) {}

  /** Takes the stamp now; true when the database is as at the previous look. */
  look(): boolean {
    const stamp = readDatabaseStamp(this.db);
    const unchanged = sameDatabaseStamp(this.stamp, stamp);
    if (!unchanged) this.stamp = stamp;
    return unchanged;
  }

  keep<T>(name: string, read: () => T): T {
    const stamp = this.stamp ?? readDatabaseStamp(this.db);
    const kept = this.kept.get(name);
    if (kept && kept.stamp === stamp) return kept.value as T;
    const value = read();
    this.kept.set(name, { stamp, value });
    return value;
  }

  /** Everything is read again (a write that must be seen at once and that the caller cannot look after). */
  forget(): void {
    this.stamp = null;
    this.kept.clear();
  }
}
