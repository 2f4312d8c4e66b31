import fs from 'node:fs';
import type { TaskEvent } from '../../../shared/domain';
import type { Db } from './db/open';
import { eventsAfter, lastEventId } from './events';
import { readDatabaseStamp, sameDatabaseStamp, type DatabaseStamp } from './readsUntilChanged';

/**
 * Follows the event log, whoever writes it: this process, the CLI, workers. Every mutation appends
 * an event in its own transaction, so the log's id is a complete, gap-free cursor. A poll reads the
 * database's stamp (`readDatabaseStamp`: `data_version` moves on other connections' commits,
 * `total_changes()` on this one's writes) and, only when it moved, the newest event id.
 *
 * When to poll: every commit in WAL mode writes the `-wal` file, so a watch on it (inotify, kqueue)
 * polls in the next turn of the event loop after any process commits — a `switchyard create` in a
 * terminal wakes the dispatcher at once instead of on the next timer (issue 17 target 3b: the timer
 * alone cost half its interval on average). The timer stays as the fallback where the watch cannot
 * be had (no such file yet, a file system without notifications) or misses an event.
 */
export class ChangeFeed {
  private cursor: number;
  /** The database's stamp at the last poll: unchanged, there is nothing new to read (one statement). */
  private stamp: DatabaseStamp;
  /** `data_version` when the write listeners were last told: another connection committed since. */
  private othersSeen: number;
  private timer: NodeJS.Timeout | undefined;
  private walWatch: fs.FSWatcher | null = null;
  private pollQueued: NodeJS.Immediate | null = null;
  private readonly eventListeners = new Set<(events: TaskEvent[]) => void>();
  private readonly writeListeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly pollMs = 50,
  ) {
    this.stamp = readDatabaseStamp(db);
    this.othersSeen = this.stamp.others;
    this.cursor = lastEventId(db);
  }

  /** `onError`: a poll that fails (a damaged database) is reported there, never thrown from the timer. */
  start(onError: (error: unknown) => void): void {
    if (this.timer) return;
    const pollReporting = (): void => {
      try {
        this.poll();
      } catch (error) {
        onError(error);
      }
    };
    this.timer = setInterval(pollReporting, this.pollMs);
    this.timer.unref();
    this.watchWal(pollReporting);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.walWatch?.close();
    this.walWatch = null;
    if (this.pollQueued) clearImmediate(this.pollQueued);
    this.pollQueued = null;
  }

  /** See the class comment: one poll per turn of the event loop however many writes it saw. */
  private watchWal(pollReporting: () => void): void {
    if (this.db.memory) return;
    try {
      this.walWatch = fs.watch(`${this.db.name}-wal`, { persistent: false }, () => {
        this.pollQueued ??= setImmediate(() => {
          this.pollQueued = null;
          pollReporting();
        });
      });
    } catch {
      return; // The timer alone, as before.
    }
    // A watch that fails later (the file gone) leaves the timer to do the work.
    this.walWatch.on('error', () => {
      this.walWatch?.close();
      this.walWatch = null;
    });
  }

  /** New events since the last read; listeners get them in order. */
  onEvents(listener: (events: TaskEvent[]) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Another process committed something (events or not, e.g. a lane setting). */
  onForeignWrite(listener: () => void): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  position(): number {
    return this.cursor;
  }

  /** Reads whatever is new now; also called right after this process writes. */
  poll(): void {
    const stamp = readDatabaseStamp(this.db);
    // Unchanged since the last poll that read everything up to it (the usual case, 20 polls a
    // second and two a tick): nothing new, one statement.
    if (sameDatabaseStamp(this.stamp, stamp)) return;
    if (stamp.others !== this.othersSeen) {
      this.othersSeen = stamp.others;
      for (const listener of this.writeListeners) listener();
    }
    if (this.eventListeners.size === 0) this.cursor = lastEventId(this.db);
    else if (lastEventId(this.db) > this.cursor) this.readNewEvents();
    // Only now: a listener that threw leaves the stamp behind, so the next poll reads on.
    this.stamp = stamp;
  }

  private readNewEvents(): void {
    for (;;) {
      const batch = eventsAfter(this.db, this.cursor, 1_000);
      if (batch.length === 0) return;
      this.cursor = (batch[batch.length - 1] as TaskEvent).id;
      for (const listener of this.eventListeners) listener(batch);
      if (batch.length < 1_000) return;
    }
  }
}
