// tmpprof/plan.ts
import Database2 from "better-sqlite3";

// bench/dataset.ts
import fs4 from "node:fs";
import os from "node:os";
import path4 from "node:path";

// electron/core/ownedFiles.ts
import fs from "node:fs";

// electron/core/errors.ts
var SwitchyardError = class extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = "SwitchyardError";
  }
  code;
};

// electron/core/ownedFiles.ts
var UnsafePathError = class extends SwitchyardError {
  constructor(message) {
    super("forbidden", message);
    this.name = "UnsafePathError";
  }
};
var PRIVATE_DIR_MODE = 448;
var PRIVATE_FILE_MODE = 384;
var NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
var ownUid = () => typeof process.getuid === "function" ? process.getuid() : null;
function checkOwnedFile(file, fd) {
  const stats = fs.fstatSync(fd);
  if (!stats.isFile()) throw new UnsafePathError(`${file} is not a regular file`);
  const uid = ownUid();
  if (uid !== null && stats.uid !== uid) throw new UnsafePathError(`${file} belongs to another user`);
  if (stats.nlink > 1) throw new UnsafePathError(`${file} has other hard links: refusing to write to it`);
}
function openChecked(file, flags, mode) {
  let fd;
  try {
    fd = fs.openSync(file, flags | NOFOLLOW, mode);
  } catch (error) {
    const code = error.code;
    if (code === "ELOOP")
      throw new UnsafePathError(`${file} is a symbolic link: refusing to write through it`);
    if (code === "EEXIST") {
      const link = fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink();
      throw new UnsafePathError(
        link ? `${file} is a symbolic link: refusing to write through it` : `${file} already exists: refusing to reuse it`
      );
    }
    throw error;
  }
  try {
    checkOwnedFile(file, fd);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}
function createNewFile(file, mode = PRIVATE_FILE_MODE) {
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  return openChecked(file, O_WRONLY | O_CREAT | O_EXCL, mode);
}

// electron/core/store/db/open.ts
import fs3 from "node:fs";
import path2 from "node:path";
import Database from "better-sqlite3";

// electron/core/store/db/databaseErrors.ts
import fs2 from "node:fs";
import path from "node:path";
function describeDatabaseFault(error, file) {
  if (error instanceof SwitchyardError) return null;
  const code = String(error?.code ?? "");
  const detail = error?.message ?? String(error);
  const folder = path.dirname(file);
  if (code === "SQLITE_FULL" || code === "ENOSPC") {
    return new SwitchyardError(
      "database_unavailable",
      `the disk holding ${folder} is full; free some space and try again (this change was not saved, earlier data is intact)`
    );
  }
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return new SwitchyardError(
      "database_unavailable",
      `${file} is damaged or is not a Switchyard database (${detail}); Switchyard leaves it untouched \u2014 restore it from a backup or move it away to start a new board`
    );
  }
  if (code.startsWith("SQLITE_CANTOPEN") && folderIsWritable(folder)) {
    return new SwitchyardError(
      "database_unavailable",
      `cannot open ${file} (${detail}); check that it is a readable database file, not a folder`
    );
  }
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code === "EROFS" || code === "EACCES" || code === "EPERM") {
    return new SwitchyardError(
      "database_unavailable",
      `cannot write to ${folder} (${detail}); Switchyard needs a writable home \u2014 fix its permissions, remount it read-write, or point SWITCHYARD_HOME elsewhere`
    );
  }
  if (code.startsWith("SQLITE_IOERR") || code === "EIO") {
    return new SwitchyardError(
      "database_unavailable",
      `input/output error on ${file} (${detail}); check the disk`
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code === "SQLITE_LOCKED") {
    return new SwitchyardError(
      "database_busy",
      "the database is locked by another process; try again once it has finished"
    );
  }
  return null;
}
function folderIsWritable(folder) {
  try {
    fs2.accessSync(folder, fs2.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

// electron/core/store/db/migrations.ts
var MIGRATIONS = [
  `
  CREATE TABLE boards (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    archived_at INTEGER
  );

  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    board TEXT NOT NULL REFERENCES boards(slug),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    assignee TEXT,
    status TEXT NOT NULL CHECK (status IN ('triage','todo','ready','running','blocked','done','archived')),
    priority INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    workspace TEXT NOT NULL DEFAULT 'scratch',
    max_runtime_seconds INTEGER,
    skip_reason TEXT,
    skip_detail TEXT,
    failure_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    current_run_id INTEGER,
    result TEXT,
    last_error TEXT,
    block_reason TEXT,
    claim_owner TEXT,
    claim_expires_at INTEGER,
    last_heartbeat_at INTEGER
  );
  CREATE INDEX tasks_by_board_status ON tasks (board, status, priority DESC, created_at);
  CREATE INDEX tasks_by_status_assignee ON tasks (status, assignee);

  CREATE TABLE task_links (
    parent_id TEXT NOT NULL REFERENCES tasks(id),
    child_id TEXT NOT NULL REFERENCES tasks(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (parent_id, child_id),
    CHECK (parent_id <> child_id)
  );
  CREATE INDEX task_links_by_child ON task_links (child_id);

  CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX comments_by_task ON comments (task_id, id);

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    lane TEXT NOT NULL,
    pid INTEGER,
    pid_start_time TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT,
    exit_code INTEGER,
    signal TEXT,
    summary TEXT,
    error TEXT,
    log_path TEXT
  );
  CREATE INDEX runs_by_task ON runs (task_id, id);
  CREATE INDEX runs_open ON runs (ended_at) WHERE ended_at IS NULL;

  -- Append-only: AUTOINCREMENT keeps ids monotonic and never reused, so the id is the change feed's cursor.
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT,
    run_id INTEGER,
    board TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX events_by_task ON events (task_id, id);

  CREATE TABLE lane_settings (
    name TEXT PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0,
    max_concurrent INTEGER
  );

  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE dispatcher_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );

  INSERT INTO boards (slug, name, created_at) VALUES ('default', 'Default', CAST(unixepoch('subsec') * 1000 AS INTEGER));
  `,
  // v2 (bench/RESULTS.md): a lane's queue (`switchyard list --assignee X --status ready`) and the
  // lane view's counts without reading every task of the board; a task's board and status by id
  // without its row (link and parent checks); lanes with failures without scanning the board.
  `
  CREATE INDEX tasks_by_board_assignee_status ON tasks (board, assignee, status, priority DESC, created_at, id);
  CREATE INDEX tasks_board_status_by_id ON tasks (id, board, status);
  CREATE INDEX tasks_with_failures ON tasks (board, assignee, status, failure_count) WHERE failure_count > 0;
  `,
  // v3 (bench/RESULTS.md, target 2): skip reasons in a narrow table of their own. A tick after the
  // dispatcher or a lane is paused or resumed changes thousands of them at once; stored in `tasks`,
  // each one rewrote its whole ~350-byte row, so a few thousand changes dirtied most of the table's
  // pages (and the WAL checkpoint that follows copied them all back). Here a change writes ~50 bytes.
  // A row exists only while a task has a skip reason. Readers of a task's skip reason read the view
  // `tasks_with_skips` (tasks' columns plus skip_reason, skip_detail) instead of `tasks`.
  `
  CREATE TABLE task_skips (
    task_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    detail TEXT
  ) WITHOUT ROWID;
  INSERT INTO task_skips (task_id, reason, detail)
    SELECT id, skip_reason, skip_detail FROM tasks WHERE skip_reason IS NOT NULL;
  ALTER TABLE tasks DROP COLUMN skip_reason;
  ALTER TABLE tasks DROP COLUMN skip_detail;
  CREATE VIEW tasks_with_skips AS
    SELECT t.*, s.reason AS skip_reason, s.detail AS skip_detail
    FROM tasks t LEFT JOIN task_skips s ON s.task_id = t.id;
  `,
  // v4 (issue 16): recurring tasks. A recurrence is a task template with a cron schedule in an
  // explicit time zone. `last_occurrence_at` is the latest occurrence already handled (a task made,
  // or skipped because the previous one was still open): the engine moves it forward in the same
  // transaction that creates the task, so two processes can never make the same occurrence twice.
  // `next_run_at` (null while paused) lets the engine find due ones through an index, off the tick.
  `
  CREATE TABLE recurrences (
    id TEXT PRIMARY KEY,
    board TEXT NOT NULL REFERENCES boards(slug),
    lane TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    schedule TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    skip_if_open INTEGER NOT NULL DEFAULT 0,
    paused INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_occurrence_at INTEGER,
    last_task_id TEXT,
    last_outcome TEXT,
    next_run_at INTEGER
  );
  CREATE INDEX recurrences_due ON recurrences (next_run_at) WHERE next_run_at IS NOT NULL;
  CREATE INDEX recurrences_by_lane ON recurrences (board, lane);
  `,
  // v5 (issue 16): where an imported task or board came from. One row per imported item, keyed by
  // the source's own id, so importing the same file again finds what it brought already; plus what
  // the source knew that our task has no column for: its status there, its labels as text, the
  // branches its attempts worked on (for the Changes view), and a project's repository path.
  `
  CREATE TABLE task_origins (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id),
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    source_status TEXT,
    labels TEXT NOT NULL DEFAULT '[]',
    branches TEXT NOT NULL DEFAULT '[]',
    imported_at INTEGER NOT NULL,
    UNIQUE (source, source_id)
  );
  CREATE TABLE board_origins (
    board TEXT PRIMARY KEY REFERENCES boards(slug),
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    repository TEXT,
    imported_at INTEGER NOT NULL,
    UNIQUE (source, source_id)
  );
  `,
  // v6 (docs/architecture.md §10, agents): approval before spawn on a task (a lane's own setting is in lanes.json);
  // per run what a structured agent reported (tokens, cost, its session id for follow-ups, its last
  // message for the card); lane spend today for budgets is a sum over runs by lane and start time.
  // The view is made again so its t.* takes in the new columns.
  `
  ALTER TABLE tasks ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tasks ADD COLUMN approved_by TEXT;
  ALTER TABLE tasks ADD COLUMN approved_at INTEGER;
  ALTER TABLE runs ADD COLUMN tokens_in INTEGER;
  ALTER TABLE runs ADD COLUMN tokens_out INTEGER;
  ALTER TABLE runs ADD COLUMN cost_usd REAL;
  ALTER TABLE runs ADD COLUMN agent_session TEXT;
  ALTER TABLE runs ADD COLUMN last_message TEXT;
  ALTER TABLE runs ADD COLUMN followup TEXT;
  CREATE INDEX runs_cost_by_lane ON runs (lane, started_at) WHERE cost_usd IS NOT NULL;
  DROP VIEW tasks_with_skips;
  CREATE VIEW tasks_with_skips AS
    SELECT t.*, s.reason AS skip_reason, s.detail AS skip_detail
    FROM tasks t LEFT JOIN task_skips s ON s.task_id = t.id;
  `,
  // v7 (docs/architecture.md §9): repositories. A board (and a lane, overriding it) may name a repository and a
  // base branch; each task that works in one gets a worktree whose branch, base commit and last
  // known changes live in task_worktrees (a row only for tasks that have one). Kept out of
  // `tasks`: most tasks have none, and the change summary is rewritten while a worker runs.
  `
  CREATE TABLE board_repositories (
    board TEXT PRIMARY KEY REFERENCES boards(slug),
    repo TEXT NOT NULL,
    base_branch TEXT NOT NULL,
    merge_mode TEXT NOT NULL DEFAULT 'merge' CHECK (merge_mode IN ('ff', 'merge', 'squash')),
    after_merge TEXT NOT NULL DEFAULT 'remove' CHECK (after_merge IN ('keep', 'remove'))
  );
  CREATE TABLE lane_repositories (
    lane TEXT PRIMARY KEY,
    repo TEXT NOT NULL,
    base_branch TEXT NOT NULL
  );
  CREATE TABLE task_worktrees (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id),
    repo TEXT NOT NULL,
    base_branch TEXT NOT NULL,
    branch TEXT NOT NULL,
    path TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    hold_children INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    merged_at INTEGER,
    merge_commit TEXT,
    removed_at INTEGER,
    review_waived INTEGER NOT NULL DEFAULT 0,
    changes TEXT
  );
  `,
  // v8 (docs/architecture.md §10, follow-ups): the follow-up a task waits to hand its next run (one per task; the
  // run that starts takes it over into runs.followup), and the agent session a run resumed.
  `
  CREATE TABLE task_followups (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id),
    text TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL
  );
  ALTER TABLE runs ADD COLUMN resumed_session TEXT;
  `,
  // v9 (issue 18): each run a dispatcher starts gets a secret in its worker's environment; only its
  // SHA-256 is kept, so the CLI and MCP can tell that a caller really is that run's worker
  // (commands/actors.ts guardActor). The index finds the run from the secret alone.
  `
  ALTER TABLE runs ADD COLUMN secret_hash TEXT;
  CREATE UNIQUE INDEX runs_by_secret_hash ON runs (secret_hash) WHERE secret_hash IS NOT NULL;
  `,
  // v10 (issue 17, bench/RESULTS.md): how many tasks have each status, kept by triggers, so the
  // dispatcher state (running and ready counts, sent after every tick and write) reads two rows
  // instead of counting 20,000 ready index entries each time (~1 ms on "large"). Triggers, so every
  // writer (another process, the CLI, an import) keeps it right. A migration that rebuilds `tasks`
  // drops these triggers with it and must make them again.
  `
  CREATE TABLE task_status_counts (
    status TEXT PRIMARY KEY,
    n INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO task_status_counts (status, n) SELECT status, count(*) FROM tasks GROUP BY status;
  CREATE TRIGGER task_status_counts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_status_counts (status, n) VALUES (new.status, 1)
      ON CONFLICT (status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER task_status_counts_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_status_counts SET n = n - 1 WHERE status = old.status;
  END;
  CREATE TRIGGER task_status_counts_update AFTER UPDATE OF status ON tasks
    WHEN old.status IS NOT new.status BEGIN
    UPDATE task_status_counts SET n = n - 1 WHERE status = old.status;
    INSERT INTO task_status_counts (status, n) VALUES (new.status, 1)
      ON CONFLICT (status) DO UPDATE SET n = n + 1;
  END;
  `
];
var SCHEMA_VERSION = MIGRATIONS.length;

// electron/core/store/db/open.ts
var BUSY_TIMEOUT_MS = 5e3;
function prepareDatabaseFile(file) {
  fs3.mkdirSync(path2.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const existing = fs3.lstatSync(file, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink())
    throw new UnsafePathError(`${file} is a symbolic link: refusing to open a database through it`);
  if (existing) return;
  try {
    fs3.closeSync(createNewFile(file));
  } catch (error) {
    if (!(error instanceof UnsafePathError && fs3.lstatSync(file).isFile())) throw error;
  }
}
function openDatabase(file, options = {}) {
  if (!options.readonly) prepareDatabaseFile(file);
  let db2;
  try {
    db2 = new Database(file, {
      nativeBinding: options.nativeBinding,
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false
    });
  } catch (error) {
    throw describeDatabaseFault(error, file) ?? new SwitchyardError("database_unavailable", `cannot open database ${file}: ${error.message}`);
  }
  try {
    db2.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    retryWhileBusy(db2, () => {
      refuseNewerSchema(db2, file);
      configureConnection(db2, options.readonly ?? false);
      migrate(db2);
    });
  } catch (error) {
    db2.close();
    if (error instanceof SwitchyardError) throw error;
    throw describeDatabaseFault(error, file) ?? new SwitchyardError("database_unavailable", `cannot use database ${file}: ${error.message}`);
  }
  return db2;
}
function configureConnection(db2, readonly) {
  if (!readonly) {
    db2.pragma("journal_mode = WAL");
    db2.pragma("synchronous = NORMAL");
  }
  db2.pragma("foreign_keys = ON");
}
function refuseNewerSchema(db2, file) {
  const version = db2.pragma("user_version", { simple: true });
  if (version > SCHEMA_VERSION) {
    throw new SwitchyardError(
      "database_too_new",
      `${file} was written by a newer Switchyard (schema ${version}, this program knows ${SCHEMA_VERSION}); upgrade Switchyard to open it \u2014 the database was left untouched`
    );
  }
}
function migrate(db2) {
  const version = db2.pragma("user_version", { simple: true });
  for (let next = version; next < SCHEMA_VERSION; next++) {
    runInWriteTransaction(db2, () => {
      const current = db2.pragma("user_version", { simple: true });
      if (current !== next) return;
      db2.exec(MIGRATIONS[next]);
      db2.pragma(`user_version = ${next + 1}`);
    });
  }
}
var RETRY_WINDOW_MS = 3e4;
function isBusy(error) {
  const code = error?.code ?? "";
  return code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_") || code === "SQLITE_LOCKED";
}
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
function waitBeforeRetry(attempt, deadline) {
  if (Date.now() > deadline) {
    throw new SwitchyardError(
      "database_busy",
      "the database is locked by another process; try again once it has finished"
    );
  }
  sleepSync(Math.min(10 * 2 ** attempt, 500));
}
function retryWhileBusy(db2, work) {
  const deadline = Date.now() + RETRY_WINDOW_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || db2.inTransaction) throw error;
      waitBeforeRetry(attempt, deadline);
    }
  }
}
function runInWriteTransaction(db2, work) {
  const transaction = db2.transaction(work);
  const deadline = Date.now() + RETRY_WINDOW_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return transaction.immediate();
    } catch (error) {
      if (!isBusy(error) || db2.inTransaction) throw error;
      waitBeforeRetry(attempt, deadline);
    }
  }
}

// electron/core/config/home.ts
import path3 from "node:path";
function homePaths(home) {
  return {
    home,
    database: path3.join(home, "switchyard.db"),
    profiles: path3.join(home, "profiles"),
    lanesFile: path3.join(home, "lanes.json"),
    settingsFile: path3.join(home, "settings.json"),
    logs: path3.join(home, "logs"),
    workspaces: path3.join(home, "workspaces"),
    bin: path3.join(home, "bin"),
    backups: path3.join(home, "backups")
  };
}

// bench/dataset.ts
var REPO_ROOT = path4.resolve(path4.dirname(new URL(import.meta.url).pathname), "..", "..");
var AGENTS = path4.join(REPO_ROOT, "test", "fixtures", "agents");
function tempHome(label) {
  return homePaths(fs4.mkdtempSync(path4.join(os.tmpdir(), `switchyard-bench-${label}-`)));
}
function writeProfile(paths2, name, command, extra = {}) {
  const dir = path4.join(paths2.profiles, name);
  fs4.mkdirSync(dir, { recursive: true });
  fs4.writeFileSync(path4.join(dir, "profile.json"), JSON.stringify({ command, ...extra }));
}
function writeSettings(paths2, settings) {
  fs4.mkdirSync(paths2.home, { recursive: true });
  fs4.writeFileSync(paths2.settingsFile, JSON.stringify(settings));
}
var lane = (prefix, n) => `${prefix}${String(n).padStart(3, "0")}`;
function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = state * 1664525 + 1013904223 >>> 0;
    return state / 2 ** 32;
  };
}
function buildLarge(paths2, options = {}) {
  const total = options.tasks ?? 1e5;
  const readyCount = options.ready ?? 2e4;
  const profileLanes = Array.from({ length: options.profileLanes ?? 100 }, (_, i) => lane("agent-", i));
  const terminalLanes = Array.from({ length: options.terminalLanes ?? 150 }, (_, i) => lane("human-", i));
  const brokenLanes = Array.from({ length: options.brokenLanes ?? 50 }, (_, i) => lane("broken-", i));
  const agent = options.agent ?? [path4.join(AGENTS, "sleep.mjs"), "600"];
  writeSettings(paths2, {
    dispatcher: { tickMs: 6e4, backoffBaseMs: 0, backoffMaxMs: 0, killGraceMs: 500, ...options.settings }
  });
  for (const name of profileLanes) writeProfile(paths2, name, [process.execPath, ...agent]);
  for (const name of brokenLanes) writeProfile(paths2, name, [`no-such-agent-${name}`, "{prompt}"]);
  fs4.writeFileSync(
    paths2.lanesFile,
    JSON.stringify({ lanes: Object.fromEntries(terminalLanes.map((name) => [name, { kind: "terminal" }])) })
  );
  const db2 = openDatabase(paths2.database);
  const random = rng(42);
  const lanes = [...profileLanes, ...terminalLanes, ...brokenLanes];
  const body = "Bench task body. ".repeat(12);
  const start = Date.now() - total * 1e3;
  const readyIds = [];
  const counts = {};
  runInWriteTransaction(db2, () => {
    const insertTask = db2.prepare(
      `INSERT INTO tasks (id, board, title, body, assignee, status, priority, created_by, created_at, updated_at,
                          completed_at, result)
       VALUES (?, 'default', ?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?)`
    );
    const insertLink = db2.prepare(
      "INSERT INTO task_links (parent_id, child_id, created_at) VALUES (?, ?, ?)"
    );
    const insertEvent = db2.prepare(
      "INSERT INTO events (task_id, board, kind, payload, created_at) VALUES (?, 'default', 'created', '{}', ?)"
    );
    const add = (n2, status, assignee) => {
      const id = `t_${n2.toString(16).padStart(8, "0")}`;
      const at = start + n2 * 1e3;
      insertTask.run(
        id,
        `Task ${n2}`,
        body,
        assignee,
        status,
        Math.floor(random() * 4),
        at,
        at,
        status === "done" ? at : null,
        status === "done" ? "ok" : null
      );
      insertEvent.run(id, at);
      counts[status] = (counts[status] ?? 0) + 1;
      return id;
    };
    let n = 0;
    for (let i = 0; i < readyCount; i++) {
      readyIds.push(add(n++, "ready", lanes[i % lanes.length]));
    }
    const chain = ["done", "blocked", "todo", "todo"];
    while (n < total) {
      let parent = null;
      for (const status of chain) {
        if (n >= total) break;
        const id = add(n++, status, lanes[Math.floor(random() * lanes.length)]);
        if (parent) insertLink.run(parent, id, start);
        parent = id;
      }
    }
  });
  db2.pragma("wal_checkpoint(TRUNCATE)");
  db2.close();
  return { paths: paths2, profileLanes, terminalLanes, brokenLanes, readyIds, counts };
}

// tmpprof/plan.ts
import fs5 from "node:fs";
var tasks = Number(process.argv[2] ?? 1e5);
var paths = tempHome(`plan-${tasks}`);
buildLarge(paths, { tasks, ready: Math.floor(tasks / 5) });
var db = new Database2(paths.database);
var sel = `SELECT t.id FROM tasks_with_skips t WHERE t.board = ? AND t.assignee IS ? AND t.status = ? ORDER BY t.priority DESC, t.created_at, t.id LIMIT 12`;
console.log(db.prepare("EXPLAIN QUERY PLAN " + sel).all("default", "agent-1", "todo"));
var seld = `SELECT t.id FROM tasks_with_skips t WHERE t.board = ? AND t.assignee IS ? AND t.status = 'done' ORDER BY coalesce(t.completed_at, t.updated_at) DESC, t.id LIMIT 12`;
console.log(db.prepare("EXPLAIN QUERY PLAN " + seld).all("default", "agent-1"));
console.log(db.prepare("select sql from sqlite_master where type in ('index','view') and sql like '%tasks%'").all().map((r) => r.sql).join("\n"));
var cells = db.prepare("SELECT assignee, status, count(*) n FROM tasks WHERE board='default' AND status<>'archived' GROUP BY assignee, status").all();
for (const [label, ddl] of [["before", ""], ["after", "CREATE INDEX tasks_done_by_board_assignee ON tasks (board, assignee, coalesce(completed_at, updated_at) DESC, id) WHERE status = 'done'"]]) {
  if (ddl) db.exec(ddl);
  console.log(label, db.prepare("EXPLAIN QUERY PLAN " + seld).all("default", "agent-1").map((r) => r.detail));
  let t2 = performance.now();
  const st = db.prepare(sel);
  const sd = db.prepare(seld);
  for (const c of cells) c.status === "done" ? sd.all("default", c.assignee) : st.all("default", c.assignee, c.status);
  console.log("cells", cells.length, "ms", performance.now() - t2);
  t2 = performance.now();
  for (const c of cells) if (c.status === "done") sd.all("default", c.assignee);
  console.log("done cells ms", performance.now() - t2);
}
t = performance.now();
db.prepare("SELECT assignee, status, count(*) n FROM tasks WHERE board='default' AND status<>'archived' GROUP BY assignee, status").all();
console.log("counts ms", performance.now() - t);
fs5.rmSync(paths.home, { recursive: true, force: true });
