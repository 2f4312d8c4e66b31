import os from 'node:os';
import { isProcessAlive, processStartTime } from '../../procfs';
import type { Db } from './open';

/**
 * Indexes of `tasks` that a bulk load (the Hermes import) builds once after its rows instead of
 * updating them row by row (issue 17, target 8). They are the ones spread over every lane and
 * status: consecutive imported tasks land on different pages of each, so every commit rewrote
 * almost all of their pages, and a one-pass build from the finished table writes each page once.
 * Not here: the primary key, and `tasks_board_status_by_id` (statements name it with INDEXED BY,
 * which fails while it is missing; imported ids arrive in its order anyway). None is UNIQUE, so
 * rows written while one is missing are the same rows.
 */
export const DEFERRABLE_TASK_INDEXES = [
  'tasks_by_board_status',
  'tasks_by_status_assignee',
  'tasks_by_board_assignee_status',
  'tasks_with_failures',
  'tasks_done_by_board_assignee',
] as const;

/**
 * The crash-safe marker: written in the transaction that drops the indexes and removed in the one
 * that builds them again, so a database never has them missing without it saying which, with
 * their SQL, and whose load it is.
 */
const MARKER_KEY = 'bulk-load:deferred-task-indexes';

interface DeferredIndexes {
  pid: number;
  /** The owner's /proc start time: its pid alone may have been reused by another process. */
  startTime: string | null;
  host: string;
  indexes: { name: string; sql: string }[];
}

function readMarker(db: Db): DeferredIndexes | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(MARKER_KEY) as
    { value: string } | undefined;
  if (!row) return undefined;
  try {
    return JSON.parse(row.value) as DeferredIndexes;
  } catch {
    // Not written by this code: nothing in it can be built, and it must not keep the database from
    // opening. An owner nobody can find lets the next open remove it.
    return { pid: 0, startTime: null, host: '', indexes: [] };
  }
}

function requireTransaction(db: Db, what: string): void {
  if (!db.inTransaction) throw new Error(`${what} must run inside a write transaction`);
}

/**
 * Drops the deferrable indexes of `tasks` for a bulk load by this process, inside the caller's
 * write transaction, and records them (the marker above). False, and nothing dropped, when another
 * load has them down already: its owner builds them, or the next open does if it died.
 */
export function deferTaskIndexes(db: Db): boolean {
  requireTransaction(db, 'deferTaskIndexes');
  if (readMarker(db)) return false;
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tasks' AND name IN (${DEFERRABLE_TASK_INDEXES.map(() => '?').join(', ')}) ORDER BY name`,
    )
    .all(...DEFERRABLE_TASK_INDEXES) as { name: string; sql: string }[];
  if (indexes.length === 0) return false;
  const marker: DeferredIndexes = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    host: os.hostname(),
    indexes,
  };
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(MARKER_KEY, JSON.stringify(marker));
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
  return true;
}

/**
 * Builds the indexes a bulk load deferred (each one sort of the table) and removes the marker,
 * inside the caller's write transaction. Idempotent: an index that exists already is left alone,
 * and without a marker there is nothing to do.
 */
export function buildDeferredTaskIndexes(db: Db): void {
  requireTransaction(db, 'buildDeferredTaskIndexes');
  const marker = readMarker(db);
  if (!marker) return;
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck();
  for (const index of marker.indexes) if (!exists.get(index.name)) db.exec(index.sql);
  db.prepare('DELETE FROM meta WHERE key = ?').run(MARKER_KEY);
}

/** Whether the process that deferred the indexes may still be loading (then it builds them itself). */
function ownerRunning(marker: DeferredIndexes): boolean {
  // Another machine's process (a home on a shared disk) cannot be asked: building the indexes now
  // is correct anyway, only slower for a load still running there.
  if (marker.host !== os.hostname()) return false;
  return isProcessAlive(marker.pid, marker.startTime);
}

/**
 * Called on every open for writing (openDatabase): a bulk load that was killed between dropping
 * the indexes and building them again left the marker; its indexes are built now, in one write
 * transaction. A load still running is left to finish. True when it built them.
 */
export function repairInterruptedBulkLoad(db: Db): boolean {
  const marker = readMarker(db);
  if (!marker || ownerRunning(marker)) return false;
  db.transaction(() => buildDeferredTaskIndexes(db)).immediate();
  return true;
}
