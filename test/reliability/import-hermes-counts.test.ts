import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importHermesBoard } from '../../electron/core/import/importHermes';
import {
  BULK_CHECKPOINT_PAGES,
  openDatabase,
  runInWriteTransaction,
  type Db,
} from '../../electron/core/store/db/open';
import { insertImportedTasks, type ImportedTaskRow } from '../../electron/core/store/importedTasks';
import { useTempHomes } from '../helpers/home';
import { writeHermesFile } from './helpers/hermesFixture';

/**
 * Issue 17, target 8: the import inserts each batch's tasks with the count triggers (migrations v10,
 * v11) kept out and adds the counts once per batch. The count tables must end exactly as the
 * triggers would have left them: compared here with a count made from scratch.
 */

const tempHome = useTempHomes();

const STATUSES = ['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived'] as const;

/** task_status_counts and task_cell_counts as rows "key=n", without the zero rows a delete leaves. */
function keptCounts(db: Db): string[] {
  const statuses = db.prepare('SELECT status, n FROM task_status_counts WHERE n <> 0').all() as {
    status: string;
    n: number;
  }[];
  const cells = db.prepare('SELECT board, lane, status, n FROM task_cell_counts WHERE n <> 0').all() as {
    board: string;
    lane: string;
    status: string;
    n: number;
  }[];
  const skips = db.prepare('SELECT board, lane, reason, n FROM task_skip_counts WHERE n <> 0').all() as {
    board: string;
    lane: string;
    reason: string;
    n: number;
  }[];
  return [
    ...statuses.map((row) => `status ${row.status}=${row.n}`),
    ...cells.map((row) => `cell ${row.board}/${row.lane}/${row.status}=${row.n}`),
    ...skips.map((row) => `skip ${row.board}/${row.lane}/${row.reason}=${row.n}`),
  ].sort();
}

/** The same figures counted from the tasks themselves. */
function recounted(db: Db): string[] {
  const statuses = db.prepare('SELECT status, count(*) AS n FROM tasks GROUP BY status').all() as {
    status: string;
    n: number;
  }[];
  const cells = db
    .prepare(
      `SELECT board, coalesce(assignee, '') AS lane, status, count(*) AS n FROM tasks GROUP BY board, assignee, status`,
    )
    .all() as { board: string; lane: string; status: string; n: number }[];
  const skips = db
    .prepare(
      `SELECT t.board, coalesce(t.assignee, '') AS lane, s.reason, count(*) AS n
       FROM tasks t JOIN task_skips s ON s.task_id = t.id WHERE t.status = 'ready' GROUP BY t.board, t.assignee, s.reason`,
    )
    .all() as { board: string; lane: string; reason: string; n: number }[];
  return [
    ...statuses.map((row) => `status ${row.status}=${row.n}`),
    ...cells.map((row) => `cell ${row.board}/${row.lane}/${row.status}=${row.n}`),
    ...skips.map((row) => `skip ${row.board}/${row.lane}/${row.reason}=${row.n}`),
  ].sort();
}

const countTriggers = (db: Db): string[] =>
  (
    db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'tasks' ORDER BY name")
      .all() as { name: string }[]
  ).map((row) => row.name);

function importedRow(id: string, board: string, assignee: string | null, status: ImportedTaskRow['status']) {
  return {
    id,
    board,
    title: `task ${id}`,
    body: '',
    assignee,
    status,
    priority: 0,
    createdBy: 'test',
    createdAt: 1,
    now: 1,
    startedAt: null,
    completedAt: null,
    workspace: 'scratch',
    maxRuntimeSeconds: null,
    failureCount: 0,
    result: null,
    lastError: null,
    blockReason: null,
    lastHeartbeatAt: null,
  } satisfies ImportedTaskRow;
}

describe('import-hermes keeps the count tables exact', () => {
  it('adds what the triggers would have: import, then compare with a recount from scratch', () => {
    const paths = tempHome();
    // 1,300 more tasks over every Hermes status, 40 assignees and none, so batches span many cells.
    const hermesStatuses = [...STATUSES, 'scheduled', 'review', 'odd'];
    const file = writeHermesFile(paths.home, {
      count: 1300,
      status: (n) => hermesStatuses[n % hermesStatuses.length] as string,
      assignee: (n) => (n % 41 === 0 ? null : `agent-${n % 40}`),
    });

    const db = openDatabase(paths.database);
    try {
      // Tasks already there, in the board the import fills and in another, counted by the triggers.
      db.prepare(
        "INSERT INTO boards (slug, name, created_at) VALUES ('hermes', 'Hermes', 1), ('web', 'Web', 1)",
      ).run();
      const insert = db.prepare(
        `INSERT INTO tasks (id, board, title, assignee, status, created_at, updated_at) VALUES (?, ?, 'old', ?, ?, 1, 1)`,
      );
      for (let n = 0; n < 30; n++)
        insert.run(`t_old${n}`, n % 2 ? 'hermes' : 'web', n % 3 ? `agent-${n % 5}` : null, STATUSES[n % 7]);
      const triggers = countTriggers(db);

      const report = importHermesBoard(db, file, { board: 'hermes', ready: true });
      expect(report.tasks.imported).toBe(1307);
      expect(keptCounts(db)).toEqual(recounted(db));
      // The links (updates through the triggers, after the batches) moved some tasks between cells.
      expect(report.links).toBeGreaterThan(0);
      // The triggers are all back and count the writes that follow.
      expect(countTriggers(db)).toEqual(triggers);
      insert.run('t_after', 'hermes', 'agent-1', 'ready');
      db.prepare("UPDATE tasks SET status = 'done' WHERE id = 't_00002000'").run();
      expect(keptCounts(db)).toEqual(recounted(db));
      // Importing again adds nothing, and no count.
      const before = keptCounts(db);
      expect(importHermesBoard(db, file, { board: 'hermes', ready: true }).tasks.imported).toBe(0);
      expect(keptCounts(db)).toEqual(before);
    } finally {
      db.close();
    }
  });

  it('a batch that fails leaves no rows and no counts, and the triggers in place', () => {
    const db = openDatabase(tempHome().database);
    try {
      db.prepare("INSERT INTO boards (slug, name, created_at) VALUES ('b', 'B', 1)").run();
      // A skip row left under an id before its task comes counts once the task is there and ready
      // (migration v12), as the insert trigger kept out of the batch would have counted it.
      db.prepare("INSERT INTO task_skips (task_id, reason) VALUES ('t_00000001', 'lane_paused')").run();
      runInWriteTransaction(db, () =>
        insertImportedTasks(db, [
          importedRow('t_00000001', 'b', 'x', 'ready'),
          importedRow('t_00000002', 'b', null, 'done'),
        ]),
      );
      const counts = keptCounts(db);
      expect(counts).toEqual(recounted(db));
      expect(counts).toContain('skip b/x/lane_paused=1');
      const triggers = countTriggers(db);
      // The third row repeats an id: the insert fails half way and the transaction rolls back.
      expect(() =>
        runInWriteTransaction(db, () =>
          insertImportedTasks(db, [
            importedRow('t_00000003', 'b', 'x', 'ready'),
            importedRow('t_00000004', 'b', 'y', 'todo'),
            importedRow('t_00000001', 'b', 'x', 'ready'),
          ]),
        ),
      ).toThrow(/UNIQUE/);
      expect(keptCounts(db)).toEqual(counts);
      expect(keptCounts(db)).toEqual(recounted(db));
      expect(countTriggers(db)).toEqual(triggers);
      // Outside a transaction it refuses: the triggers must never be missing for a commit of its own.
      expect(() => insertImportedTasks(db, [importedRow('t_00000009', 'b', 'x', 'ready')])).toThrow(
        /transaction/,
      );
    } finally {
      db.close();
    }
  });

  it('imports with statement journals in memory and fewer checkpoints, puts both back, and checkpoints what it left', () => {
    const paths = tempHome();
    const file = writeHermesFile(paths.home);
    const db = openDatabase(paths.database);
    try {
      const settings = () => [
        db.pragma('temp_store', { simple: true }),
        db.pragma('wal_autocheckpoint', { simple: true }),
      ];
      const before = settings();
      const during: unknown[][] = [];
      importHermesBoard(db, file, { onProgress: () => during.push(settings()) });
      expect(during).toEqual([[2, BULK_CHECKPOINT_PAGES]]); // 2 = MEMORY
      expect(settings()).toEqual(before);
      // Every page is in the database file itself: the import checkpointed its WAL before it returned
      // (this small import never reaches an automatic checkpoint).
      const pages = db.pragma('page_count', { simple: true }) as number;
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      expect(fs.statSync(paths.database).size).toBe(pages * pageSize);
    } finally {
      db.close();
    }
  });
});
