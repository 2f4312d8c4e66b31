import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SwitchyardError } from '../errors';
import { findThreadBundle } from '../threadBundle';
import type { CopyReport, CopyRequest } from './backupThread';
import type { Db } from './db/open';
import { isProcessAlive } from '../procfs';

/**
 * `switchyard backup` and the app's daily backups: a consistent copy of the database made with
 * SQLite's online backup API, settled and checked with `PRAGMA integrity_check`, all in a worker
 * thread with its own connections (backupThread.ts). On the engine's thread the check alone held
 * the event loop — the dispatcher's tick, the board's WebSocket, the workers' output — for seconds
 * once a day on a large home, and the stepped copy then still took ~0.3 s of its CPU and ended
 * with a ~80 ms fsync of the copy (bench/RESULTS.md, "daily backup on 'large'").
 */

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  /** integrity_check's verdict on the copy: always "ok" (a copy that fails it is an error). */
  integrity: string;
}

export interface BackupOptions {
  /** The better-sqlite3 build the database was opened with (Electron's, in the app's main process). */
  nativeBinding?: string;
  /**
   * The backup thread's priority (os.setPriority; Linux only, backupThread.ts): the engine's daily
   * backup runs low, so its event loop gets a core first. `switchyard backup`, which a user waits
   * for and which has no event loop to keep, runs at the CLI's.
   */
  threadPriority?: number;
}

/** The backup thread's bundle (scripts/build-node.mjs). */
const BACKUP_THREAD_BUNDLE = 'backupThread.cjs';

export async function backupDatabase(
  db: Db,
  target: string,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const partial = partialOf(target);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await removeOffThread(partial);
    const copied = await copyInThread({
      source: db.name,
      copy: partial,
      nativeBinding: options.nativeBinding,
      priority: options.threadPriority,
    });
    if (copied.integrity !== 'ok')
      throw new SwitchyardError(
        'database_unavailable',
        `the copy failed SQLite's integrity check (${copied.integrity}): the database itself may be damaged; ` +
          `nothing was written to ${target}`,
      );
    await fs.promises.rename(partial, target);
    const { size } = await fs.promises.stat(target);
    return { file: target, bytes: size, pages: copied.pages, integrity: copied.integrity };
  } catch (error) {
    const failure = backupFailure(error, target);
    // The first failure is the one to report; a copy left behind is named in it too.
    await removeOffThread(partial).catch((removal: NodeJS.ErrnoException) => {
      if (removal.code !== 'ENOTDIR') failure.message += `; remove ${partial} by hand (${removal.message})`;
    });
    throw failure;
  }
}

/**
 * Copies, settles and checks in a thread of its own (backupThread.ts), so that the caller's event
 * loop keeps turning meanwhile. Rejects when the copy cannot be made, opened or written, or the
 * thread cannot start or dies; the caller removes what is left of the copy.
 */
function copyInThread(request: CopyRequest): Promise<{ integrity: string; pages: number }> {
  const script = findThreadBundle(BACKUP_THREAD_BUNDLE);
  if (!script)
    return Promise.reject(
      new SwitchyardError(
        'database_unavailable',
        `cannot make the backup: ${BACKUP_THREAD_BUNDLE} is missing from this build (run \`npm run build\`)`,
      ),
    );
  return new Promise((resolve, reject) => {
    const thread = new Worker(script, { workerData: request });
    // The first of these decides; a promise ignores the later ones (an exit after the report).
    thread.once('message', (report: CopyReport) => {
      if ('integrity' in report) resolve(report);
      else reject(Object.assign(new Error(report.error), { code: report.code }));
    });
    thread.once('error', (error) => reject(new Error(`the backup thread failed: ${error.message}`)));
    thread.once('exit', (code) =>
      reject(new Error(`the backup thread ended (exit code ${code}) before the copy was made`)),
    );
  });
}

/** One line a user can act on; the partial copy is gone by then and the database was only read. */
function backupFailure(error: unknown, target: string): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const detail = (error as Error | null)?.message ?? String(error);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new SwitchyardError(
      'database_unavailable',
      `the disk holding ${path.dirname(target)} is full: no backup was written (the database is untouched)`,
    );
  return new SwitchyardError(
    'database_unavailable',
    `the backup to ${target} failed: ${detail} (nothing was written; the database is untouched)`,
  );
}

/**
 * Where a copy is written before it is renamed to `target`, so that a half-written copy never
 * carries its name; one per process, so two backups to the same name never share one.
 */
function partialOf(target: string, pid = process.pid): string {
  return `${target}.partial-${pid}`;
}

const DAILY = /^daily-(\d{4}-\d{2}-\d{2})\.db$/;
/** A daily's partial copy (partialOf), with the pid of the process writing it. */
const DAILY_PARTIAL = /^daily-\d{4}-\d{2}-\d{2}\.db\.partial-(\d+)$/;

/** The day as the user's clock shows it (YYYY-MM-DD). */
function localDay(now: number): string {
  const date = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The app's daily backups (setting `backups.keepDaily`): `backups/daily-YYYY-MM-DD.db`, one per
 * day, made when the day has none yet; only the newest `keep` are kept, and partial copies left by
 * processes that ended mid-backup are removed. Returns the backup made today, or null when there
 * already was one (or keeping is off).
 */
export async function keepDailyBackup(
  db: Db,
  folder: string,
  keep: number,
  now = Date.now(),
  options: BackupOptions = {},
): Promise<BackupResult | null> {
  if (keep <= 0) return null;
  const today = path.join(folder, `daily-${localDay(now)}.db`);
  let made: BackupResult | null = null;
  if (!fs.existsSync(today)) made = await backupDatabase(db, today, options);
  const names = fs.readdirSync(folder);
  const dailies = names
    .filter((name) => DAILY.test(name))
    .sort()
    .reverse();
  for (const old of dailies.slice(keep)) await removeOffThread(path.join(folder, old));
  // The partial copy of a process that ended mid-backup (the app killed, the machine turned off):
  // no one else would ever remove it, and it is as large as the database.
  for (const name of names) {
    const pid = Number(DAILY_PARTIAL.exec(name)?.[1] ?? 0);
    if (pid > 0 && pid !== process.pid && !isProcessAlive(pid))
      await removeOffThread(path.join(folder, name));
  }
  return made;
}

/**
 * Removes a file (nothing if it is gone) on libuv's pool: unlinking a database-sized file blocks for
 * 100-250 ms on an ext4 disk mounted with `discard`, which on the calling thread would stall the
 * engine's event loop (the dispatcher tick, the board's WebSocket) for as long.
 */
function removeOffThread(file: string): Promise<void> {
  return fs.promises.rm(file, { force: true });
}
