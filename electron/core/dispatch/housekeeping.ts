import { runDueRecurrences, type RecurrenceRunResult } from '../commands/recurrences';
import { waitForWriteLock, type Db } from '../store/db/open';
import { keepDailyBackup, type BackupResult } from '../store/backup';
import { earliestNextRun } from '../store/recurrences';
import { lowPriorityValue } from '../workers/priority';

/**
 * Work the engine does on its own timer, never inside a dispatcher tick (issue 16): recurring tasks
 * and the daily backup. The recurrence timer sleeps until the earliest next run (one indexed
 * query), re-reading at least every `recheckMs` so recurrences added by another process (the CLI)
 * are seen; the board's size never enters into it.
 */

export interface HousekeepingOptions {
  db: Db;
  backupsFolder: string;
  /** The better-sqlite3 build `db` was opened with: the backup thread opens the copy with it. */
  nativeBinding?: string;
  /** Only the dispatcher-lease holder makes tasks and backups (one maker per database). */
  isActive(): boolean;
  keepDailyBackups(): number;
  onRecurrences(result: RecurrenceRunResult): void;
  log(line: string): void;
  recheckMs?: number;
}

/**
 * The daily backup as the engine makes it (bench/backup.ts measures this one): its thread low, so
 * the engine's event loop gets a core first while it runs.
 */
export function engineDailyBackup(
  db: Db,
  folder: string,
  keep: number,
  nativeBinding: string | undefined,
  now = Date.now(),
): Promise<BackupResult | null> {
  return keepDailyBackup(db, folder, keep, now, { nativeBinding, threadPriority: lowPriorityValue() });
}

const BACKUP_CHECK_MS = 60 * 60 * 1000;
/** After start: the first snapshot and tick go first. */
const FIRST_BACKUP_DELAY_MS = 60 * 1000;

export class Housekeeping {
  private recurrenceTimer: NodeJS.Timeout | undefined;
  private recurrenceDueAt = Number.POSITIVE_INFINITY;
  private backupTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private backingUp = false;

  constructor(private readonly options: HousekeepingOptions) {}

  start(): void {
    this.scheduleRecurrences(0);
    this.backupTimer = setTimeout(() => this.backupNow(), FIRST_BACKUP_DELAY_MS);
    this.backupTimer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.recurrenceTimer) clearTimeout(this.recurrenceTimer);
    if (this.backupTimer) clearTimeout(this.backupTimer);
  }

  /**
   * Another process wrote (the CLI may have added a recurrence): one indexed MIN() and, when a run
   * is now due sooner than the timer, an earlier timer.
   */
  databaseChanged(): void {
    if (this.stopped) return;
    try {
      const next = earliestNextRun(this.options.db);
      if (next !== null && next < this.recurrenceDueAt) this.scheduleRecurrences(next - Date.now());
    } catch (error) {
      this.options.log(`recurring tasks: ${(error as Error).message}`);
    }
  }

  private scheduleRecurrences(delayMs: number): void {
    if (this.stopped) return;
    if (this.recurrenceTimer) clearTimeout(this.recurrenceTimer);
    const delay = Math.max(0, delayMs);
    this.recurrenceDueAt = Date.now() + delay;
    this.recurrenceTimer = setTimeout(() => {
      this.recurrenceDueAt = Number.POSITIVE_INFINITY;
      // Issue 18: another process's write lock is waited out on a timer, not on the event loop.
      waitForWriteLock(this.options.db).then(
        () => this.runRecurrences(),
        () => this.runRecurrences(),
      );
    }, delay);
    this.recurrenceTimer.unref?.();
  }

  private runRecurrences(): void {
    if (this.stopped) return;
    const recheckMs = this.options.recheckMs ?? 30_000;
    try {
      if (this.options.isActive()) {
        const result = runDueRecurrences(this.options.db);
        if (result.created.length > 0 || result.skipped.length > 0) this.options.onRecurrences(result);
      }
      const next = earliestNextRun(this.options.db);
      const untilNext = next === null ? recheckMs : next - Date.now();
      this.scheduleRecurrences(Math.min(recheckMs, untilNext));
    } catch (error) {
      this.options.log(`recurring tasks: ${(error as Error).message}`);
      this.scheduleRecurrences(recheckMs);
    }
  }

  private backupNow(): void {
    if (this.stopped || this.backingUp) return;
    const again = () => {
      if (this.stopped) return;
      this.backupTimer = setTimeout(() => this.backupNow(), BACKUP_CHECK_MS);
      this.backupTimer.unref?.();
    };
    if (!this.options.isActive()) return again();
    this.backingUp = true;
    const { db, backupsFolder, nativeBinding } = this.options;
    engineDailyBackup(db, backupsFolder, this.options.keepDailyBackups(), nativeBinding)
      .then((made) => {
        if (made) this.options.log(`daily backup written: ${made.file} (integrity ${made.integrity})`);
      })
      .catch((error: unknown) => this.options.log(`daily backup failed: ${(error as Error).message}`))
      .finally(() => {
        this.backingUp = false;
        again();
      });
  }
}
