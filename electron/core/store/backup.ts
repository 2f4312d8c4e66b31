import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from './db/open';

/**
 * `switchyard backup` and the app's daily backups: a consistent copy of the database made with
 * SQLite's online backup API (better-sqlite3 `db.backup`), which copies pages in steps and restarts
 * a step a writer changed — so other processes keep writing while it runs — then checked with
 * `PRAGMA integrity_check` on the copy.
 */

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  /** "ok", or the first problem integrity_check found in the copy. */
  integrity: string;
}

export async function backupDatabase(db: Db, target: string): Promise<BackupResult> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Written beside the target and renamed into place, so a half-written copy never carries its name.
  const partial = `${target}.partial-${process.pid}`;
  await removeOffThread(partial);
  try {
    const progress = await db.backup(partial);
    const integrity = settleCopy(partial);
    fs.renameSync(partial, target);
    return { file: target, bytes: fs.statSync(target).size, pages: progress.totalPages, integrity };
  } catch (error) {
    await removeOffThread(partial);
    throw error;
  }
}

/**
 * Makes the copy one self-contained file (the backup carries the source's WAL mode; a copy in
 * rollback-journal mode needs no -wal/-shm beside it) and returns integrity_check's verdict.
 */
function settleCopy(file: string): string {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const rows = copy.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check).join('; ');
  } finally {
    copy.close();
  }
}

export function checkIntegrity(file: string): string {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = copy.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check).join('; ');
  } finally {
    copy.close();
  }
}

const DAILY = /^daily-(\d{4}-\d{2}-\d{2})\.db$/;

/** The day as the user's clock shows it (YYYY-MM-DD). */
function localDay(now: number): string {
  const date = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The app's daily backups (setting `backups.keepDaily`): `backups/daily-YYYY-MM-DD.db`, one per
 * day, made when the day has none yet; only the newest `keep` are kept. Returns the backup made
 * today, or null when there already was one (or keeping is off).
 */
export async function keepDailyBackup(
  db: Db,
  folder: string,
  keep: number,
  now = Date.now(),
): Promise<BackupResult | null> {
  if (keep <= 0) return null;
  const today = path.join(folder, `daily-${localDay(now)}.db`);
  let made: BackupResult | null = null;
  if (!fs.existsSync(today)) made = await backupDatabase(db, today);
  const dailies = fs
    .readdirSync(folder)
    .filter((name) => DAILY.test(name))
    .sort()
    .reverse();
  for (const old of dailies.slice(keep)) await removeOffThread(path.join(folder, old));
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
