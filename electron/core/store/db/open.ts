import { createNewFile, PRIVATE_DIR_MODE, UnsafePathError } from '../../ownedFiles';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../../errors';
import { describeDatabaseFault } from './databaseErrors';
import { repairInterruptedBulkLoad } from './deferredIndexes';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { cachedStatement } from './statements';

export type Db = Database.Database;

export interface OpenOptions {
  /** Path to a better-sqlite3 `.node` build for another ABI (Electron's main process). */
  nativeBinding?: string;
  readonly?: boolean;
  /**
   * Read the file through a memory map of up to this many bytes (PRAGMA mmap_size) instead of a
   * read() call per page missing from SQLite's cache. The CLI sets it: `list --json` of 20,000 tasks
   * reads ~15,000 pages scattered over the file (performance issue 17, target 4b).
   */
  mapBytes?: number;
}

const BUSY_TIMEOUT_MS = 5_000;

/**
 * The database file is private (0600: SQLite gives its -wal and -shm files the same mode) and never
 * reached through a link planted in the home (issue 18): SQLite would follow it.
 */
function prepareDatabaseFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const existing = fs.lstatSync(file, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink())
    throw new UnsafePathError(`${file} is a symbolic link: refusing to open a database through it`);
  if (existing) return;
  try {
    fs.closeSync(createNewFile(file));
  } catch (error) {
    // Another process created it first: fine, SQLite opens theirs.
    if (!(error instanceof UnsafePathError && fs.lstatSync(file).isFile())) throw error;
  }
}

/**
 * Opens (creating if needed) a Switchyard database: WAL, busy_timeout, foreign keys, and the
 * schema migrated to the version this program knows. A newer database is refused untouched.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (!options.readonly) prepareDatabaseFile(file);
  let db: Db;
  try {
    db = new Database(file, {
      nativeBinding: options.nativeBinding,
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (error) {
    throw (
      describeDatabaseFault(error, file) ??
      new SwitchyardError('database_unavailable', `cannot open database ${file}: ${(error as Error).message}`)
    );
  }
  try {
    // Check the version before anything that writes: switching to WAL rewrites the file header,
    // and a database from a newer Switchyard must be left byte-for-byte as it was (docs/architecture.md §1).
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Every step is idempotent, so a racing opener's lock is simply waited out and retried.
    retryWhileBusy(db, () => {
      refuseNewerSchema(db, file);
      configureConnection(db, options);
      migrate(db);
      // A bulk load killed before it built its deferred indexes again (store/db/deferredIndexes.ts).
      if (!options.readonly) repairInterruptedBulkLoad(db);
    });
  } catch (error) {
    db.close();
    if (error instanceof SwitchyardError) throw error;
    throw (
      describeDatabaseFault(error, file) ??
      new SwitchyardError('database_unavailable', `cannot use database ${file}: ${(error as Error).message}`)
    );
  }
  return db;
}

function configureConnection(db: Db, options: OpenOptions): void {
  if (!options.readonly) {
    // Switching to WAL needs an exclusive lock the first time. Two processes opening a new
    // database at once can deadlock on it; SQLite then fails one at once with SQLITE_BUSY
    // without calling the busy handler, so openDatabase retries (retryWhileBusy).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  if (options.mapBytes) db.pragma(`mmap_size = ${Math.floor(options.mapBytes)}`);
}

function refuseNewerSchema(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new SwitchyardError(
      'database_too_new',
      `${file} was written by a newer Switchyard (schema ${version}, this program knows ${SCHEMA_VERSION}); ` +
        'upgrade Switchyard to open it — the database was left untouched',
    );
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let next = version; next < SCHEMA_VERSION; next++) {
    runInWriteTransaction(db, () => {
      // Another process may have migrated while we waited for the write lock.
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current !== next) return;
      db.exec(MIGRATIONS[next] as string);
      db.pragma(`user_version = ${next + 1}`);
    });
  }
}

const RETRY_WINDOW_MS = 30_000;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function waitBeforeRetry(attempt: number, deadline: number): void {
  if (Date.now() > deadline) {
    throw new SwitchyardError(
      'database_busy',
      'the database is locked by another process; try again once it has finished',
    );
  }
  sleepSync(Math.min(10 * 2 ** attempt, 500));
}

/** Repeats `work` (outside any transaction) while another connection holds a lock it needs. */
function retryWhileBusy(db: Db, work: () => void): void {
  const deadline = Date.now() + RETRY_WINDOW_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || db.inTransaction) throw error;
      waitBeforeRetry(attempt, deadline);
    }
  }
}

/**
 * One transaction function per connection that runs the work it is given: `db.transaction(fn)`
 * builds four wrappers and their properties on every call (issue 17, 3a: four write transactions
 * between a create and its worker's start).
 */
const writeTransactions = new WeakMap<Db, Database.Transaction<(work: () => unknown) => unknown>>();

function writeTransactionOf(db: Db): Database.Transaction<(work: () => unknown) => unknown> {
  let transaction = writeTransactions.get(db);
  if (!transaction) {
    transaction = db.transaction((work: () => unknown) => work());
    writeTransactions.set(db, transaction);
  }
  return transaction;
}

/**
 * Runs `work` in a BEGIN IMMEDIATE transaction. Taking the write lock up front means SQLite's
 * busy handler waits for other writers instead of failing mid-transaction; if a lock is held even
 * longer than busy_timeout we keep retrying for a while, so SQLITE_BUSY never reaches a user.
 */
export function runInWriteTransaction<T>(db: Db, work: () => T): T {
  const transaction = writeTransactionOf(db);
  const deadline = Date.now() + RETRY_WINDOW_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return transaction.immediate(work) as T;
    } catch (error) {
      if (!isBusy(error) || db.inTransaction) throw error;
      waitBeforeRetry(attempt, deadline);
    }
  }
}

/**
 * WAL pages a bulk writer lets gather between checkpoints (withBulkWriteSettings): 40 MiB of 4 KiB
 * pages, about four of the Hermes import's transactions.
 */
export const BULK_CHECKPOINT_PAGES = 10_000;

/**
 * Runs `work` with the settings of a bulk writer (issue 17, target 8: the Hermes import), and puts
 * them back afterwards:
 * - SQLite's temporary storage in memory. A write that fires triggers, or may fail half way, keeps
 *   a statement journal; past 64 KiB in one transaction SQLite moves it to a temporary file and from
 *   then on writes every page a row touches there: ~2 million write(2) calls for 100,000 imported
 *   tasks, half the import's system time. In memory it is emptied after each statement. Sorts and
 *   temporary tables of the same connection use memory too meanwhile, so this is for a writer that
 *   runs no large queries.
 * - Fewer checkpoints. By default the commit that takes the WAL past 1,000 pages copies it all into
 *   the database file and syncs it; an import commit writes ~2,600 pages, most of them index pages
 *   spread over every lane and status that the next commits write again, so each was copied about
 *   as often as it was committed. With BULK_CHECKPOINT_PAGES each is copied once per four
 *   transactions or so (134 → 29 fsync calls, 196,000 → 163,000 writes for 100,000 tasks). At the
 *   end the writer checkpoints what it left (PASSIVE: it never waits for readers), so the next small
 *   commit of another process (the app's event loop) does not pay for copying the import's pages.
 */
export function withBulkWriteSettings<T>(db: Db, work: () => T): T {
  const tempStore = db.pragma('temp_store', { simple: true }) as number;
  const checkpointPages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.pragma('temp_store = MEMORY');
  db.pragma(`wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
  try {
    return work();
  } finally {
    db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
    db.pragma(`temp_store = ${tempStore}`);
    if (!db.inTransaction) db.pragma('wal_checkpoint(PASSIVE)');
  }
}

/**
 * Waits, without blocking the event loop, until this connection could take the write lock (issue 18:
 * another process holding a write transaction must not freeze `serve` or the app). It tries with
 * busy_timeout 0 — SQLite answers at once — and between tries sleeps on a timer, backing off from
 * 5 ms to 200 ms. The lock is not kept: the caller's own transaction follows in the same synchronous
 * run, so only a writer that slips in between (a window of microseconds) makes that transaction
 * wait in SQLite's busy handler as before. After `windowMs` it gives up with `database_busy`.
 */
export async function waitForWriteLock(db: Db, windowMs = RETRY_WINDOW_MS): Promise<void> {
  const deadline = Date.now() + windowMs;
  for (let attempt = 0; ; attempt++) {
    if (db.inTransaction || writeLockFreeNow(db)) return;
    if (Date.now() > deadline) {
      throw new SwitchyardError(
        'database_busy',
        'the database is locked by another process; try again once it has finished',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 200)));
  }
}

/**
 * One probe before every tick (issue 17, 3a: a woken tick starts with it), so its four statements
 * are kept: `db.pragma()` and `db.exec()` compile theirs again on every call.
 */
function writeLockFreeNow(db: Db): boolean {
  cachedStatement(db, 'PRAGMA busy_timeout = 0').get();
  try {
    cachedStatement(db, 'BEGIN IMMEDIATE').run();
    cachedStatement(db, 'ROLLBACK').run();
    return true;
  } catch (error) {
    if (!isBusy(error)) throw error;
    return false;
  } finally {
    cachedStatement(db, `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).get();
  }
}

/** Read-only connections that keep a damaged database from being checkpointed until the process ends. */
const seals: Db[] = [];

/**
 * Closes `db` without writing to its file again (issue 18: a database damaged under a running
 * engine is left as it is). Closing the last connection of a WAL database — also at process exit,
 * where better-sqlite3 closes what is still open — copies the WAL into the main file. A read-only
 * connection holding a read transaction prevents that, and never checkpoints itself; it is kept
 * until the process ends. The WAL stays beside the file, for whoever repairs it.
 */
export function closeWithoutCheckpoint(db: Db, options: Pick<OpenOptions, 'nativeBinding'> = {}): void {
  try {
    const seal = new Database(db.name, {
      readonly: true,
      fileMustExist: true,
      nativeBinding: options.nativeBinding,
    });
    seal.exec('BEGIN');
    try {
      seal.pragma('user_version', { simple: true });
    } catch {
      // The header itself is damaged: the transaction may hold no lock, nothing else can be done.
    }
    seals.push(seal);
  } catch {
    // Cannot open it even read-only: closing below is all there is.
  }
  db.close();
}
