import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * The tables of a Hermes Agent kanban.db (/work/shared/reference/hermes-kanban-schema.md), empty.
 * `legacy` leaves out the columns older Hermes versions did not have yet. The import benchmark
 * writes its large board into the same layout.
 */
export function createHermesTables(db: Database.Database, { legacy = false } = {}): void {
  const later = legacy
    ? ''
    : `, consecutive_failures INTEGER DEFAULT 0, worker_pid INTEGER, last_spawn_error TEXT,
         max_runtime_seconds INTEGER, last_heartbeat_at INTEGER, current_run_id INTEGER, skills TEXT`;
  db.exec(`
    CREATE TABLE tasks (
      id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT, assignee TEXT, status TEXT NOT NULL DEFAULT 'todo',
      priority INTEGER DEFAULT 0, created_by TEXT, created_at INTEGER NOT NULL, started_at INTEGER,
      completed_at INTEGER, workspace_kind TEXT DEFAULT 'scratch', workspace_path TEXT, claim_lock TEXT,
      claim_expires INTEGER, tenant TEXT, result TEXT, idempotency_key TEXT${later}
    );
    CREATE TABLE task_links (parent_id TEXT NOT NULL, child_id TEXT NOT NULL, PRIMARY KEY (parent_id, child_id));
    CREATE TABLE task_comments (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, author TEXT, body TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE task_events (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT, run_id INTEGER, kind TEXT NOT NULL, payload TEXT, created_at INTEGER NOT NULL);
    CREATE TABLE task_runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, profile TEXT, step_key TEXT, status TEXT,
      claim_lock TEXT, claim_expires INTEGER, worker_pid INTEGER, max_runtime_seconds INTEGER,
      last_heartbeat_at INTEGER, started_at INTEGER NOT NULL, ended_at INTEGER, outcome TEXT, summary TEXT,
      metadata TEXT, error TEXT
    );
  `);
}

/**
 * A small Hermes Agent kanban.db, written with the table layout Hermes uses (see
 * /work/shared/reference/hermes-kanban-schema.md): tasks, task_links, task_comments, task_events,
 * task_runs. `legacy` leaves out the columns older Hermes versions did not have yet.
 */
export function writeHermesBoard(file: string, { legacy = false } = {}): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  createHermesTables(db, { legacy });
  const t0 = 1_760_000_000; // unix seconds, as Hermes stores them
  const task = db.prepare(
    `INSERT INTO tasks (id, title, body, assignee, status, priority, created_by, created_at, started_at, completed_at,
       workspace_kind, workspace_path, claim_lock, result)
     VALUES (?, ?, ?, ?, ?, ?, 'hermes-user', ?, ?, ?, ?, ?, ?, ?)`,
  );
  task.run(
    't_0000000a',
    'Design the schema',
    'body **A**',
    'orion-cc',
    'done',
    2,
    t0,
    t0 + 10,
    t0 + 60,
    'scratch',
    null,
    null,
    'schema.sql written',
  );
  task.run(
    't_0000000b',
    'Write the migration',
    'depends on A',
    'Orion-CC',
    'running',
    1,
    t0 + 1,
    t0 + 70,
    null,
    'dir',
    '/srv/project',
    'host:4242',
    null,
  );
  task.run(
    't_0000000c',
    'Review the UI',
    '',
    'reviewer',
    'review',
    0,
    t0 + 2,
    null,
    null,
    'worktree',
    '/srv/repo',
    null,
    null,
  );
  task.run(
    't_0000000d',
    'Waiting on a key',
    'needs input',
    'ops',
    'blocked',
    0,
    t0 + 3,
    null,
    null,
    'scratch',
    null,
    null,
    null,
  );
  task.run('t_0000000e', 'Later', '', null, 'scheduled', -1, t0 + 4, null, null, 'scratch', null, null, null);
  task.run(
    't_0000000f',
    'Odd assignee',
    'x'.repeat(70 * 1024),
    'Bad Name!',
    'ready',
    0,
    t0 + 5,
    null,
    null,
    'dir',
    'relative/path',
    null,
    null,
  );
  task.run(
    'T-legacy-7',
    '  Old id form  ',
    '',
    'orion-cc',
    'todo',
    0,
    t0 + 6,
    null,
    null,
    'scratch',
    null,
    null,
    null,
  );
  const link = db.prepare('INSERT INTO task_links (parent_id, child_id) VALUES (?, ?)');
  link.run('t_0000000a', 't_0000000b');
  link.run('t_0000000b', 'T-legacy-7');
  link.run('t_0000000a', 't_missing0'); // a dangling link: skipped, noted
  const comment = db.prepare(
    'INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)',
  );
  comment.run('t_0000000a', 'orion-cc', 'done, see schema.sql', t0 + 61);
  comment.run('t_0000000b', 'teknium', 'mind the indexes 🙂', t0 + 71);
  comment.run('t_0000000d', 'ops', 'مفتاح API مطلوب', t0 + 72);
  const run = db.prepare(
    'INSERT INTO task_runs (task_id, profile, worker_pid, started_at, ended_at, outcome, summary, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  run.run('t_0000000a', 'orion-cc', 1111, t0 + 10, t0 + 30, 'crashed', null, 'exit 1');
  run.run('t_0000000a', 'orion-cc', 1112, t0 + 40, t0 + 60, 'completed', 'schema written', null);
  run.run('t_0000000b', 'orion-cc', 4242, t0 + 70, null, null, null, null); // still running on Hermes
  const event = db.prepare(
    'INSERT INTO task_events (task_id, run_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  event.run('t_0000000a', null, 'created', '{}', t0);
  event.run('t_0000000a', 1, 'spawned', '{"pid":1111}', t0 + 10);
  event.run('t_0000000a', 1, 'crashed', '{"error":"exit 1"}', t0 + 30);
  event.run('t_0000000a', 2, 'completed', '{"summary":"schema written"}', t0 + 60);
  event.run('t_0000000b', 3, 'spawned', 'not json', t0 + 70);
  event.run('t_0000000b', null, 'dispatcher_note', '{}', t0 + 71); // a kind Switchyard has no word for
  db.close();
}

/** More tasks for a fixture board: `count` of them, ids `t_<hex>` from `firstId` in order. */
export interface HermesBulk {
  count: number;
  /** Hermes's status of task `n` (default ready). */
  status?: (n: number) => string;
  /** Its assignee (default none). */
  assignee?: (n: number) => string | null;
  /** Titles are `${title} ${n}` (default "bulk"). */
  title?: string;
  /** The id of task 0, as a number (default 0x2000: clear of the fixture's own ids). */
  firstId?: number;
  /** A `created` event for each, as Hermes writes. */
  createdEvents?: boolean;
}

/**
 * `<home>/hermes/kanban.db`: the fixture's board (writeHermesBoard), plus `bulk`'s tasks in one
 * transaction when given. Returns the file's path.
 */
export function writeHermesFile(home: string, bulk?: HermesBulk, options: { legacy?: boolean } = {}): string {
  const dir = path.join(home, 'hermes');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kanban.db');
  writeHermesBoard(file, options);
  if (!bulk) return file;
  const { count, status = () => 'ready', assignee = () => null, title = 'bulk', firstId = 0x2000 } = bulk;
  const hermes = new Database(file);
  try {
    const task = hermes.prepare(
      'INSERT INTO tasks (id, title, assignee, status, created_at) VALUES (?, ?, ?, ?, 1760000000)',
    );
    const event = hermes.prepare(
      "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, 'created', '{}', 1760000000)",
    );
    hermes.transaction(() => {
      for (let n = 0; n < count; n++) {
        const id = `t_${(firstId + n).toString(16).padStart(8, '0')}`;
        task.run(id, `${title} ${n}`, assignee(n), status(n));
        if (bulk.createdEvents) event.run(id);
      }
    })();
  } finally {
    hermes.close();
  }
  return file;
}
