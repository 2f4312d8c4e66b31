import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The backup thread (backup.ts `copyInThread`): copies the database into a new file with SQLite's
 * online backup API, settles the copy and checks it, with better-sqlite3 connections of its own,
 * then ends. Bundled on its own (scripts/build-node.mjs → dist/backupThread.cjs, better-sqlite3's
 * JavaScript inside; in the app the native part is Electron's build, given as `nativeBinding`).
 */

/** What the thread is given. */
export interface CopyRequest {
  /** The database (in WAL mode: the engine's, or the CLI's, connection keeps it so). */
  source: string;
  /** A new file beside the backup's name; removed by the caller if the thread fails. */
  copy: string;
  /** The caller's better-sqlite3 build (Electron's ABI in the app); the installed one without it. */
  nativeBinding?: string;
  /** This thread's priority (os.setPriority), or undefined to keep the caller's. */
  priority?: number;
}

/** What it answers, once. */
export type CopyReport = { integrity: string; pages: number } | { error: string; code: string | null };

/**
 * All pages in one step, inside one read transaction of the source: other connections (the
 * engine's own, now another one) keep writing in WAL mode, and no write can restart the copy
 * midway as it would between steps. better-sqlite3 asks for the next step's size after a first
 * empty one.
 */
const ALL_PAGES = 0x7fffffff;

async function copyDatabase({ source, copy, nativeBinding }: CopyRequest): Promise<number> {
  const db = new Database(source, { readonly: true, fileMustExist: true, nativeBinding });
  try {
    db.pragma('busy_timeout = 5000');
    const progress = await db.backup(copy, { progress: () => ALL_PAGES });
    return progress.totalPages;
  } finally {
    db.close();
  }
}

/**
 * Makes the copy one self-contained file (the backup carries the source's WAL mode; a copy in
 * rollback-journal mode needs no -wal/-shm beside it) and returns integrity_check's verdict.
 */
function settleCopy({ copy: file, nativeBinding }: CopyRequest): string {
  const copy = new Database(file, { fileMustExist: true, nativeBinding });
  try {
    copy.pragma('journal_mode = DELETE');
    const rows = copy.pragma('integrity_check') as { integrity_check: string }[];
    return oneLineVerdict(rows.map((row) => row.integrity_check));
  } finally {
    copy.close();
  }
}

/**
 * "ok", or the first problem and how many more: integrity_check lists every one (a damaged index
 * alone gives a "never used" line per page), over several lines, and the CLI prints one line.
 */
function oneLineVerdict(rows: readonly string[]): string {
  const problems = rows
    .flatMap((row) => row.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(line));
  if (problems.length === 1 && problems[0] === 'ok') return 'ok';
  const more = problems.length - 1;
  return more > 0
    ? `${problems[0]}, and ${more} more problem${more === 1 ? '' : 's'}`
    : (problems[0] ?? 'no verdict');
}

async function answer(request: CopyRequest): Promise<CopyReport> {
  try {
    const pages = await copyDatabase(request);
    return { integrity: settleCopy(request), pages };
  } catch (error) {
    // The code too (SQLITE_FULL, SQLITE_NOTADB …): the caller words a full disk for the user.
    const code = (error as { code?: unknown }).code;
    // One line: a module that did not load adds its require stack.
    const message = (error as Error).message.split('\n')[0] ?? '';
    return { error: message, code: typeof code === 'string' ? code : null };
  }
}

/**
 * Lowered, the thread gives the caller's thread a core first whenever both want one: at the same
 * priority the engine's event loop waited up to ~250 ms for a core while the copy ran on a 2-core
 * machine (bench/RESULTS.md, "daily backup on 'large'"). Linux only: there setpriority(0) is this
 * thread's own; on macOS and Windows it is the whole process's, and the app would be lowered with it.
 * Not allowed (a raised priority without the right): the thread keeps the caller's.
 */
function lowerThisThread(priority: number | undefined): void {
  if (priority === undefined || process.platform !== 'linux') return;
  try {
    os.setPriority(0, priority);
  } catch {
    // runs at the caller's priority, as it would without the request
  }
}

lowerThisThread((workerData as CopyRequest).priority);
void answer(workerData as CopyRequest).then((report) => parentPort?.postMessage(report));
