import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTempHomes } from '../../../../test/helpers/home';
import { laneStatuses } from '../../dispatch/laneView';
import { cellCounts } from '../boardCards';
import { laneFigureRows } from '../laneFigures';
import * as tasks from '../tasks';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { openDatabase } from './open';

const tempHome = useTempHomes();

/** A database as Switchyard left it at `version` (the migrations up to it, nothing after). */
function databaseAt(file: string, version: number, fill: (db: Database.Database) => void): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration);
  db.pragma(`user_version = ${version}`);
  fill(db);
  db.close();
}

const noFacts = {
  resolve: (name: string) => ({ kind: 'terminal' as const, name, declared: false, hint: null }),
  declaredLanes: () => [],
  profileNames: () => [],
};

describe('migration v3: skip reasons in task_skips', () => {
  it('moves every stored skip reason out of the task rows, and every reader still sees it', () => {
    const file = tempHome().database;
    const rows = [
      ['t_00000001', 'ready', 'human', 'terminal_lane', 'terminal lane — waiting for `switchyard claim`'],
      ['t_00000002', 'ready', 'coder', 'lane_at_capacity', 'lane at capacity 1/1'],
      ['t_00000003', 'ready', 'coder', 'backoff', null],
      ['t_00000004', 'ready', 'coder', null, null],
      // A reason left on a task that is no longer ready is kept as it was (readers showed it).
      ['t_00000005', 'blocked', 'coder', 'lane_paused', 'lane coder is paused'],
    ] as const;
    databaseAt(file, 2, (db) => {
      const insert = db.prepare(
        `INSERT INTO tasks (id, board, title, assignee, status, created_at, updated_at, skip_reason, skip_detail)
         VALUES (?, 'default', ?, ?, ?, 1, 1, ?, ?)`,
      );
      for (const [id, status, assignee, reason, detail] of rows)
        insert.run(id, id, assignee, status, reason, detail);
    });

    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const columns = (db.prepare('PRAGMA table_info(tasks)').all() as { name: string }[]).map((c) => c.name);
      expect(columns).not.toContain('skip_reason');
      expect(columns).not.toContain('skip_detail');
      expect(db.prepare('SELECT count(*) AS n FROM task_skips').get()).toEqual({ n: 4 });

      const listed = new Map(tasks.listTasks(db).map((task) => [task.id, task]));
      const queue = new Map(tasks.readyQueueRows(db).map((row) => [row.id, row]));
      for (const [id, status, , reason, detail] of rows) {
        const expected = { skipReason: reason, skipDetail: detail };
        expect(tasks.findTask(db, id), id).toMatchObject({ status, ...expected });
        expect(listed.get(id), id).toMatchObject(expected);
        if (status === 'ready')
          expect(queue.get(id), id).toMatchObject({ skip_reason: reason, skip_detail: detail });
      }
      const lanes = laneStatuses(db, 'default', noFacts, []);
      expect(lanes.find((lane) => lane.name === 'coder')?.queuedBySkipReason).toEqual({
        lane_at_capacity: 1,
        backoff: 1,
      });
      expect(lanes.find((lane) => lane.name === 'human')?.queuedBySkipReason).toEqual({ terminal_lane: 1 });

      // The moved reasons are live: the next write replaces them, a claim clears them.
      tasks.writeSkipReasons(db, [{ id: 't_00000002', reason: 'dispatcher_paused', detail: 'off' }]);
      expect(tasks.findTask(db, 't_00000002')).toMatchObject({
        skipReason: 'dispatcher_paused',
        skipDetail: 'off',
      });
      expect(
        tasks.claimReadyTask(db, 't_00000001', { owner: 'terminal:human', expiresAt: null, now: 2 }),
      ).toBe(true);
      expect(tasks.findTask(db, 't_00000001')).toMatchObject({ skipReason: null, skipDetail: null });
    } finally {
      db.close();
    }
  });

  it('migrates an empty database, and a fresh one has no skip columns in tasks', () => {
    const old = tempHome().database;
    databaseAt(old, 2, () => undefined);
    const migrated = openDatabase(old);
    const fresh = openDatabase(tempHome().database);
    try {
      const schemaOf = (db: Database.Database): unknown =>
        db
          .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
          .all();
      expect(schemaOf(migrated)).toEqual(schemaOf(fresh));
      expect(migrated.prepare('SELECT count(*) AS n FROM task_skips').get()).toEqual({ n: 0 });
    } finally {
      migrated.close();
      fresh.close();
    }
  });
});

describe('migration v10: task counts by status kept by triggers', () => {
  const counted = (db: Database.Database): { running: number; ready: number } => {
    const rows = db.prepare('SELECT status, count(*) AS n FROM tasks GROUP BY status').all() as {
      status: string;
      n: number;
    }[];
    const of = (status: string): number => rows.find((row) => row.status === status)?.n ?? 0;
    return { running: of('running'), ready: of('ready') };
  };

  it('starts from the tasks there are, and follows every insert, status change and delete', () => {
    const file = tempHome().database;
    databaseAt(file, 9, (db) => {
      const insert = db.prepare(
        `INSERT INTO tasks (id, board, title, status, created_at, updated_at) VALUES (?, 'default', ?, ?, 1, 1)`,
      );
      for (const [i, status] of ['ready', 'ready', 'running', 'todo', 'done'].entries())
        insert.run(`t_0000000${i}`, `task ${i}`, status);
    });
    const db = openDatabase(file);
    try {
      expect(tasks.runningAndReadyCounts(db)).toEqual({ running: 1, ready: 2 });
      const insert = db.prepare(
        `INSERT INTO tasks (id, board, title, status, created_at, updated_at) VALUES (?, 'default', ?, ?, 1, 1)`,
      );
      insert.run('t_00000010', 'new ready', 'ready');
      insert.run('t_00000011', 'new todo', 'todo');
      expect(tasks.runningAndReadyCounts(db)).toEqual({ running: 1, ready: 3 });
      // A status change moves one from each side; a write that keeps the status changes nothing.
      db.prepare("UPDATE tasks SET status = 'running' WHERE id = 't_00000000'").run();
      db.prepare("UPDATE tasks SET status = 'ready', title = 'again' WHERE id = 't_00000001'").run();
      db.prepare("UPDATE tasks SET status = 'ready' WHERE id = 't_00000011'").run();
      expect(tasks.runningAndReadyCounts(db)).toEqual({ running: 2, ready: 3 });
      db.prepare("UPDATE tasks SET status = 'done' WHERE status = 'running'").run();
      db.prepare("DELETE FROM tasks WHERE id = 't_00000010'").run();
      expect(tasks.runningAndReadyCounts(db)).toEqual({ running: 0, ready: 2 });
      expect(tasks.runningAndReadyCounts(db)).toEqual(counted(db));
    } finally {
      db.close();
    }
  });
});

describe('migration v11: cell counts kept by triggers, done cards read in order from an index', () => {
  const counted = (db: Database.Database, board: string): string[] =>
    (
      db
        .prepare(
          `SELECT assignee, status, count(*) AS n FROM tasks WHERE board = ? AND status <> 'archived'
           GROUP BY assignee, status`,
        )
        .all(board) as { assignee: string | null; status: string; n: number }[]
    )
      .map((row) => `${row.assignee ?? '(unassigned)'}/${row.status}=${row.n}`)
      .sort();
  const kept = (db: Database.Database, board: string): string[] =>
    cellCounts(db, board)
      .map((cell) => `${cell.assignee ?? '(unassigned)'}/${cell.status}=${cell.count}`)
      .sort();

  it('starts from the tasks there are and follows every insert, move between cells and delete', () => {
    const file = tempHome().database;
    const boards = ['default', 'web'];
    const lanes = [null, 'orion', 'agent-1'];
    const statuses = ['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived'];
    databaseAt(file, 10, (db) => {
      db.prepare("INSERT INTO boards (slug, name, created_at) VALUES ('web', 'Web', 1)").run();
      const insert = db.prepare(
        `INSERT INTO tasks (id, board, title, assignee, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)`,
      );
      for (let i = 0; i < 30; i++)
        insert.run(`t_old${i}`, boards[i % 2], `task ${i}`, lanes[i % 3], statuses[i % statuses.length]);
    });
    const db = openDatabase(file);
    try {
      for (const board of boards) expect(kept(db, board)).toEqual(counted(db, board));
      // A fixed pseudo-random walk over every kind of write another process could make with raw SQL.
      let seed = 7;
      const pick = <T>(items: readonly T[]): T => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return items[seed % items.length] as T;
      };
      const ids = () => (db.prepare('SELECT id FROM tasks').all() as { id: string }[]).map((row) => row.id);
      for (let step = 0; step < 300; step++) {
        const kind = pick(['insert', 'status', 'assignee', 'board', 'title', 'delete']);
        const id = pick(ids());
        if (kind === 'insert')
          db.prepare(
            `INSERT INTO tasks (id, board, title, assignee, status, created_at, updated_at) VALUES (?, ?, 'new', ?, ?, 2, 2)`,
          ).run(`t_new${step}`, pick(boards), pick(lanes), pick(statuses));
        else if (kind === 'status')
          db.prepare('UPDATE tasks SET status = ? WHERE id = ?').run(pick(statuses), id);
        else if (kind === 'assignee')
          db.prepare('UPDATE tasks SET assignee = ? WHERE id = ?').run(pick(lanes), id);
        else if (kind === 'board')
          db.prepare('UPDATE tasks SET board = ? WHERE id = ?').run(pick(boards), id);
        else if (kind === 'title') db.prepare("UPDATE tasks SET title = 'renamed' WHERE id = ?").run(id);
        else db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
        if (step % 25 === 0) for (const board of boards) expect(kept(db, board)).toEqual(counted(db, board));
      }
      // Many rows in one statement fire the triggers once per row.
      db.prepare("UPDATE tasks SET status = 'done', assignee = 'orion' WHERE board = 'web'").run();
      for (const board of boards) expect(kept(db, board)).toEqual(counted(db, board));
    } finally {
      db.close();
    }
  });

  it("reads a lane's newest done cards from the index, without sorting the lane's done set", () => {
    const db = openDatabase(tempHome().database);
    try {
      const plan = (
        db
          .prepare(
            `EXPLAIN QUERY PLAN SELECT t.id FROM tasks_with_skips t
             WHERE t.board = ? AND t.assignee IS ? AND t.status = 'done'
             ORDER BY coalesce(t.completed_at, t.updated_at) DESC, t.id LIMIT 12`,
          )
          .all('default', 'orion') as { detail: string }[]
      ).map((row) => row.detail);
      expect(plan.join('\n')).toContain('tasks_done_by_board_assignee');
      expect(plan.join('\n')).not.toContain('TEMP B-TREE');
    } finally {
      db.close();
    }
  });
});

describe('migration v12: skip reasons of ready tasks counted per lane by triggers', () => {
  /** The lane view's former query: every ready task of the board joined with its skip row. */
  const joined = (db: Database.Database, board: string): string[] =>
    (
      db
        .prepare(
          `SELECT t.assignee, s.reason, count(*) AS n FROM tasks t JOIN task_skips s ON s.task_id = t.id
           WHERE t.board = ? AND t.status = 'ready' GROUP BY t.assignee, s.reason`,
        )
        .all(board) as { assignee: string | null; reason: string; n: number }[]
    )
      .map((row) => `${row.assignee ?? '(unassigned)'}/${row.reason}=${row.n}`)
      .sort();
  const kept = (db: Database.Database, board: string): string[] =>
    laneFigureRows(db, board)
      .lanes.flatMap((lane) =>
        Object.entries(lane.queuedBySkipReason).map(
          ([reason, n]) => `${lane.assignee ?? '(unassigned)'}/${reason}=${n}`,
        ),
      )
      .sort();

  it('starts from the skip rows there are and follows dispatcher, CLI and raw writes of either table', () => {
    const file = tempHome().database;
    const boards = ['default', 'web'];
    const lanes = [null, 'orion', 'agent-1'];
    const statuses = ['todo', 'ready', 'ready', 'ready', 'running', 'blocked', 'done'] as const;
    const reasons = ['lane_paused', 'lane_at_capacity', 'terminal_lane', 'backoff'] as const;
    databaseAt(file, 11, (db) => {
      db.prepare("INSERT INTO boards (slug, name, created_at) VALUES ('web', 'Web', 1)").run();
      const insert = db.prepare(
        `INSERT INTO tasks (id, board, title, assignee, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)`,
      );
      const skip = db.prepare('INSERT INTO task_skips (task_id, reason, detail) VALUES (?, ?, NULL)');
      for (let i = 0; i < 40; i++) {
        insert.run(`t_old${i}`, boards[i % 2], `task ${i}`, lanes[i % 3], statuses[i % statuses.length]);
        // Skip rows on tasks of every status (a reason left on a task no longer ready is kept).
        if (i % 5 !== 0) skip.run(`t_old${i}`, reasons[i % reasons.length]);
      }
      // A skip row whose task is gone (or not there yet) counts for nothing.
      skip.run('t_new_later', 'backoff');
    });
    const db = openDatabase(file);
    try {
      for (const board of boards) expect(kept(db, board)).toEqual(joined(db, board));
      expect(kept(db, 'default').length).toBeGreaterThan(0);
      // mulberry32, a fixed seed: every kind of write comes up (an LCG's low bits cycle through a few).
      let seed = 11;
      const pick = <T>(items: readonly T[]): T => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return items[Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * items.length)] as T;
      };
      const ids = () => (db.prepare('SELECT id FROM tasks').all() as { id: string }[]).map((row) => row.id);
      const kinds = [
        'insert',
        'status',
        'assignee',
        'board',
        'title',
        'delete',
        'dispatcherSkips',
        'dispatcherKnown',
        'patchSkip',
        'clearSkip',
        'rawSkipReplace',
        'rawSkipDelete',
      ] as const;
      for (let step = 0; step < 600; step++) {
        const kind = pick(kinds);
        const id = pick(ids());
        const some = Array.from({ length: 1 + (step % 7) }, () => pick(ids()));
        const reason = pick(reasons);
        if (kind === 'insert')
          // OR IGNORE: 't_new_later' (whose skip row was left before it) may be there already.
          db.prepare(
            `INSERT OR IGNORE INTO tasks (id, board, title, assignee, status, created_at, updated_at) VALUES (?, ?, 'new', ?, ?, 2, 2)`,
          ).run(step % 50 === 0 ? 't_new_later' : `t_new${step}`, pick(boards), pick(lanes), pick(statuses));
        else if (kind === 'status') tasks.updateTask(db, id, { status: pick(statuses) }, 3);
        else if (kind === 'assignee') tasks.updateTask(db, id, { assignee: pick(lanes) }, 3);
        else if (kind === 'board')
          db.prepare('UPDATE tasks SET board = ? WHERE id = ?').run(pick(boards), id);
        else if (kind === 'title') db.prepare("UPDATE tasks SET title = 'renamed' WHERE id = ?").run(id);
        else if (kind === 'delete') db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
        else if (kind === 'dispatcherSkips')
          tasks.writeSkipReasons(
            db,
            some.map((taskId) => ({ id: taskId, reason: step % 3 === 0 ? null : reason, detail: null })),
          );
        else if (kind === 'dispatcherKnown')
          // What the dispatcher knows is ready and unclaimed is written without a look at the task.
          tasks.writeSkipReasons(
            db,
            some.map((taskId) => ({ id: taskId, reason: step % 4 === 0 ? null : reason, detail: 'd' })),
            () => true,
          );
        else if (kind === 'patchSkip') tasks.updateTask(db, id, { skipReason: reason }, 3);
        else if (kind === 'clearSkip') tasks.updateTask(db, id, { skipReason: null }, 3);
        else if (kind === 'rawSkipReplace')
          db.prepare(
            `INSERT INTO task_skips (task_id, reason) VALUES (?, ?)
             ON CONFLICT (task_id) DO UPDATE SET reason = excluded.reason`,
          ).run(id, reason);
        else db.prepare('DELETE FROM task_skips WHERE task_id = ?').run(id);
        if (step % 20 === 0)
          for (const board of boards) expect(kept(db, board), `step ${step}`).toEqual(joined(db, board));
      }
      // Many rows in one statement fire the triggers once per row.
      db.prepare("UPDATE tasks SET status = 'ready', assignee = 'orion' WHERE board = 'web'").run();
      for (const board of boards) expect(kept(db, board)).toEqual(joined(db, board));
      db.prepare("UPDATE tasks SET board = 'web' WHERE board = 'default'").run();
      for (const board of boards) expect(kept(db, board)).toEqual(joined(db, board));
      expect(kept(db, 'web').length).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('reads the counts without a scan of tasks or task_skips', () => {
    const db = openDatabase(tempHome().database);
    try {
      const plans: string[] = [];
      const original = db.prepare.bind(db);
      const spy = Object.assign(Object.create(db) as Database.Database, {
        prepare: (sql: string) => {
          const rows = original(`EXPLAIN QUERY PLAN ${sql}`).all(
            ...(sql.includes('?') ? ['default'] : []),
          ) as {
            detail: string;
          }[];
          for (const row of rows) plans.push(row.detail);
          return original(sql);
        },
      });
      laneFigureRows(spy, 'default');
      // The one look at tasks is the failures' partial index (tasks with a failure count only).
      const taskReads = plans.filter((line) => /\b(SCAN|SEARCH) (tasks|task_skips|t|s)\b/.test(line));
      expect(taskReads).toEqual(['SEARCH tasks USING COVERING INDEX tasks_with_failures (board=?)']);
      expect(plans).toContain('SEARCH task_skip_counts USING PRIMARY KEY (board=? AND lane=?)');
    } finally {
      db.close();
    }
  });
});
