import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { importHermesBoard } from '../../electron/core/import/importHermes';
import { commentsOf } from '../../electron/core/store/comments';
import { openDatabase } from '../../electron/core/store/db/open';
import { eventsOf } from '../../electron/core/store/events';
import { openHermesStream, type HermesTaskRows } from '../../electron/core/store/hermesSource';
import { useTempHomes } from '../helpers/home';
import { statementsRunBy } from '../helpers/statements';
import { writeHermesFile } from './helpers/hermesFixture';

/**
 * Performance issue 17, target 8: the import reads the Hermes file a task at a time — tasks and
 * each child table in task-id order, merged — and commits in batches with a progress callback.
 * What a merge gets wrong shows as comments or events on the wrong task, or lost.
 */

const tempHome = useTempHomes();

describe('import-hermes, streamed', () => {
  it('gives every task its own comments and events, in any id order, and passes over orphans', () => {
    const paths = tempHome();
    const file = writeHermesFile(paths.home);
    const hermes = new Database(file);
    // Ids whose order differs between UTF-16 (JavaScript) and UTF-8 bytes (SQLite): U+FF5E sorts
    // after U+1F600 in UTF-16 but before it in UTF-8. Plus an orphan comment between them.
    const ids = ['x-😀', 'x-～', 'x-a', 'x-😀-2', 'y'];
    const task = hermes.prepare(
      "INSERT INTO tasks (id, title, status, created_at) VALUES (?, ?, 'triage', 1760000000)",
    );
    const comment = hermes.prepare(
      "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, 'a', ?, 1760000001)",
    );
    for (const id of ids) task.run(id, `title of ${id}`);
    // Inserted in reverse, so rowid order is not the id order either.
    for (const id of [...ids].reverse()) {
      comment.run(id, `first on ${id}`);
      comment.run(id, `second on ${id}`);
    }
    comment.run('x-orphan', 'nobody has me');
    hermes.close();

    const db = openDatabase(paths.database);
    try {
      const report = importHermesBoard(db, file);
      expect(report.tasks.imported).toBe(7 + ids.length);
      expect(report.comments).toBe(3 + 2 * ids.length);
      const mapped = db
        .prepare("SELECT key, value FROM meta WHERE key LIKE 'hermes-import:default:%'")
        .all() as {
        key: string;
        value: string;
      }[];
      const idOf = new Map(mapped.map((row) => [row.key.slice('hermes-import:default:'.length), row.value]));
      for (const id of ids) {
        const taskId = idOf.get(id) as string;
        expect(
          commentsOf(db, taskId)
            .map((c) => c.body)
            .sort(),
        ).toEqual([`first on ${id}`, `second on ${id}`]);
        expect(eventsOf(db, taskId).filter((event) => event.kind === 'created')).toHaveLength(1);
      }
      // The fixture's own tasks keep theirs (t_0000000a: one comment, 4 events of which 1 created).
      expect(commentsOf(db, 't_0000000a').map((c) => c.body)).toEqual(['done, see schema.sql']);
      expect(
        eventsOf(db, 't_0000000a')
          .map((event) => event.kind)
          .sort(),
      ).toEqual(['completed', 'crashed', 'created', 'spawned'].sort());
    } finally {
      db.close();
    }
  });

  it('commits 2,000 tasks a transaction and reports its progress after each', () => {
    const paths = tempHome();
    const file = writeHermesFile(paths.home, { count: 4500, status: () => 'todo', firstId: 0x1000 });
    const db = openDatabase(paths.database);
    try {
      const progress: [number, number][] = [];
      const report = importHermesBoard(db, file, {
        onProgress: ({ tasksDone, tasksTotal }) => progress.push([tasksDone, tasksTotal]),
      });
      expect(report.tasks.imported).toBe(4507);
      expect(progress).toEqual([
        [2000, 4507],
        [4000, 4507],
        [4507, 4507],
      ]);
      expect((db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n).toBe(4507);
    } finally {
      db.close();
    }
  });

  it('writes the mappings and events of a batch, and looks up what it maps, in a few statements, not some per task', () => {
    const paths = tempHome();
    const file = writeHermesFile(paths.home, { count: 1500, status: () => 'todo', firstId: 0x1000 });
    const db = openDatabase(paths.database);
    try {
      // Every statement run on this connection (the store keeps its statements per connection).
      let runs: string[] = [];
      const runsOf = (pattern: RegExp): number => runs.filter((sql) => pattern.test(sql)).length;

      runs = statementsRunBy(db, () => expect(importHermesBoard(db, file).tasks.imported).toBe(1507));
      // Four batches of at most 500: a read and a write of `meta` and one task lookup each, and the
      // deferred indexes' marker (read, written; read, removed).
      expect(runsOf(/\bmeta\b/)).toBeLessThanOrEqual(4 * 2 + 4);
      // (and a check for each new id given to the fixture's ids not in t_xxxxxxxx form).
      expect(runsOf(/SELECT (1|id) FROM tasks WHERE id/)).toBeLessThanOrEqual(8);
      // The batches' history (a created event each at least), one statement a batch.
      expect(runsOf(/INSERT INTO events/)).toBeLessThanOrEqual(4);
      expect(
        db.prepare("SELECT count(DISTINCT task_id) AS n FROM events WHERE kind = 'created'").get(),
      ).toEqual({
        n: 1507,
      });
      expect(
        db.prepare("SELECT count(*) AS n FROM meta WHERE key LIKE 'hermes-import:default:%'").get(),
      ).toEqual({
        n: 1507,
      });
      let again: ReturnType<typeof importHermesBoard> | undefined;
      runs = statementsRunBy(db, () => (again = importHermesBoard(db, file)));
      expect(again?.tasks).toEqual({ seen: 1507, imported: 0, alreadyImported: 1507 });
      expect(runsOf(/\bmeta\b/)).toBeLessThanOrEqual(8);
      expect(runsOf(/SELECT (1|id) FROM tasks WHERE id/)).toBeLessThanOrEqual(4);
    } finally {
      db.close();
    }
  });

  it('merges in text order when some task ids are not stored as text', () => {
    const paths = tempHome();
    const file = writeHermesFile(paths.home);
    const hermes = new Database(file);
    // A blob id sorts after every text in SQLite, but its rows are keyed by its text '42', which
    // sorts between '4' and '5': reading the tasks in the id column's own order would hand the
    // comments to the wrong tasks.
    const task = hermes.prepare(
      "INSERT INTO tasks (id, title, status, created_at) VALUES (?, ?, 'triage', 1760000000)",
    );
    const comment = hermes.prepare(
      "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, 'a', ?, 1760000001)",
    );
    for (const id of ['4', '42', '5']) {
      task.run(id === '42' ? Buffer.from(id) : id, `title of ${id}`);
      comment.run(id, `on ${id}`);
    }
    hermes.close();
    const db = openDatabase(paths.database);
    try {
      importHermesBoard(db, file);
      for (const id of ['4', '42', '5']) {
        const taskId = (
          db.prepare('SELECT value FROM meta WHERE key = ?').get(`hermes-import:default:${id}`) as {
            value: string;
          }
        ).value;
        expect(commentsOf(db, taskId).map((c) => c.body)).toEqual([`on ${id}`]);
      }
    } finally {
      db.close();
    }
  });

  it('reads only the columns the import uses, the same fields from every file (null where an older one lacks them)', () => {
    const paths = tempHome();
    const file = writeHermesFile(paths.home, undefined, { legacy: true });
    const source = openHermesStream(file);
    try {
      const all: HermesTaskRows[] = [...source.tasks()];
      const first = all[0] as HermesTaskRows;
      // claim_lock, tenant, idempotency_key … are never read; consecutive_failures is not in a legacy file.
      expect(Object.keys(first.task)).toEqual([
        'id',
        'title',
        'body',
        'assignee',
        'status',
        'priority',
        'created_by',
        'created_at',
        'started_at',
        'completed_at',
        'workspace_kind',
        'workspace_path',
        'max_runtime_seconds',
        'consecutive_failures',
        'spawn_failures',
        'result',
        'last_spawn_error',
        'last_heartbeat_at',
      ]);
      expect(first.task.consecutive_failures).toBeNull();
      const withRows = all.find((rows) => rows.runs.length > 0 && rows.comments.length > 0);
      expect(Object.keys(withRows?.comments[0] ?? {})).toEqual(['author', 'body', 'created_at']);
      expect(Object.keys(withRows?.runs[0] ?? {})).toEqual([
        'id',
        'profile',
        'worker_pid',
        'started_at',
        'ended_at',
        'outcome',
        'summary',
        'error',
      ]);
      expect(Object.keys(withRows?.events[0] ?? {})).toEqual([
        'id',
        'run_id',
        'kind',
        'payload',
        'created_at',
      ]);
      expect(Object.keys(source.links().next().value ?? {})).toEqual(['parent_id', 'child_id']);
    } finally {
      source.close();
    }
  });
});
