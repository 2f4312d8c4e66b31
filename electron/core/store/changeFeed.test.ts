import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventKind, TaskEvent } from '../../../shared/domain';
import { useTempHomes } from '../../../test/helpers/home';
import { appendAll } from '../../../shared/arrays';
import { ChangeFeed } from './changeFeed';
import { openDatabase, runInWriteTransaction, type Db } from './db/open';
import { appendEvent } from './events';

/**
 * Issue 17 target 3b: a commit by another connection (the CLI, a worker, another app) reaches the
 * feed through the watch on the WAL file, not on the feed's timer. The timer here is an hour, so
 * only the watch can deliver within the wait.
 */

const newHome = useTempHomes();
const opened: Db[] = [];
const feeds: ChangeFeed[] = [];
afterEach(() => {
  for (const feed of feeds.splice(0)) feed.stop();
  for (const db of opened.splice(0)) db.close();
});

const HOUR_MS = 3_600_000;

function open(file: string): Db {
  const db = openDatabase(file);
  opened.push(db);
  return db;
}

function appendForeignEvent(db: Db, kind: EventKind): void {
  runInWriteTransaction(db, () =>
    appendEvent(db, { taskId: null, board: 'default', runId: null, kind, payload: {} }, Date.now()),
  );
}

describe('ChangeFeed', () => {
  it("hears another connection's commit without waiting for its timer", async () => {
    const { database } = newHome();
    const feed = new ChangeFeed(open(database), HOUR_MS);
    feeds.push(feed);
    const seen: TaskEvent[] = [];
    let foreignWrites = 0;
    feed.onEvents((events) => appendAll(seen, events));
    feed.onForeignWrite(() => (foreignWrites += 1));
    feed.start((error) => {
      throw error;
    });

    const other = open(database);
    appendForeignEvent(other, 'board_changed');
    await vi.waitFor(() => expect(seen.map((event) => event.kind)).toEqual(['board_changed']), {
      timeout: 10_000,
      interval: 5,
    });
    expect(foreignWrites).toBeGreaterThanOrEqual(1);

    // And again: the watch outlives the first event (and a checkpoint that restarts the WAL).
    other.pragma('wal_checkpoint(TRUNCATE)');
    appendForeignEvent(other, 'board_changed');
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 10_000, interval: 5 });
  });

  it('stops hearing writes once stopped', async () => {
    const { database } = newHome();
    const feed = new ChangeFeed(open(database), HOUR_MS);
    feeds.push(feed);
    const seen: TaskEvent[] = [];
    feed.onEvents((events) => appendAll(seen, events));
    feed.start((error) => {
      throw error;
    });
    feed.stop();
    appendForeignEvent(open(database), 'board_changed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual([]);
    // The events are not lost: the next poll reads them.
    feed.poll();
    expect(seen).toHaveLength(1);
  });
});
