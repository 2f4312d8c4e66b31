/**
 * Schema history. Each entry moves the database from version i to i + 1 and runs in one
 * transaction; `PRAGMA user_version` records where a database stands. Never edit a shipped entry:
 * append a new one.
 */
export const MIGRATIONS: readonly string[] = [
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
  `,
  // v11 (issue 17, target 10: a board of 1,000,000 tasks). The snapshot read the first done cards of
  // each lane by sorting the lane's whole done set (a temporary B-tree per cell: 200 of its 280 ms on
  // "large"); this partial index holds them in the cell's order (boardCards.ts DONE_ORDER). And the
  // board's cell counts (snapshot, lane view) were a GROUP BY over every task of the board on each
  // read; task_cell_counts keeps them, by triggers as in v10 so every writer keeps them right. The
  // Unassigned lane is stored as '' (no lane has that name) because a primary key cannot hold NULL.
  `
  CREATE INDEX tasks_done_by_board_assignee
    ON tasks (board, assignee, coalesce(completed_at, updated_at) DESC, id) WHERE status = 'done';
  CREATE TABLE task_cell_counts (
    board TEXT NOT NULL,
    lane TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (board, lane, status)
  ) WITHOUT ROWID;
  INSERT INTO task_cell_counts (board, lane, status, n)
    SELECT board, coalesce(assignee, ''), status, count(*) FROM tasks GROUP BY board, assignee, status;
  CREATE TRIGGER task_cell_counts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_cell_counts (board, lane, status, n)
      VALUES (new.board, coalesce(new.assignee, ''), new.status, 1)
      ON CONFLICT (board, lane, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER task_cell_counts_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_cell_counts SET n = n - 1
      WHERE board = old.board AND lane = coalesce(old.assignee, '') AND status = old.status;
  END;
  CREATE TRIGGER task_cell_counts_update AFTER UPDATE OF board, assignee, status ON tasks
    WHEN old.board IS NOT new.board OR old.assignee IS NOT new.assignee OR old.status IS NOT new.status
  BEGIN
    UPDATE task_cell_counts SET n = n - 1
      WHERE board = old.board AND lane = coalesce(old.assignee, '') AND status = old.status;
    INSERT INTO task_cell_counts (board, lane, status, n)
      VALUES (new.board, coalesce(new.assignee, ''), new.status, 1)
      ON CONFLICT (board, lane, status) DO UPDATE SET n = n + 1;
  END;
  `,
  // v12 (issue 17, target 10): the lane view's "queued by skip reason" counted the skip rows of every
  // ready task of the board (a JOIN of task_skips with tasks: ~1.5 s at 1M tasks, every 200 ms while
  // a board is open). task_skip_counts keeps those counts: ready tasks per board, lane ('' for
  // Unassigned, as in v11) and skip reason. A skip row counts while its task is ready, so both
  // tables keep it by triggers. Every change is an upsert of +1 or -1 (one key lookup each; a
  // decrement never finds its row missing while the counts are right). Writers of task_skips must
  // not use INSERT OR REPLACE: the row it replaces leaves without a delete trigger
  // (recursive_triggers is off), so its count would stay.
  `
  CREATE TABLE task_skip_counts (
    board TEXT NOT NULL,
    lane TEXT NOT NULL,
    reason TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (board, lane, reason)
  ) WITHOUT ROWID;
  INSERT INTO task_skip_counts (board, lane, reason, n)
    SELECT t.board, coalesce(t.assignee, ''), s.reason, count(*)
    FROM tasks t JOIN task_skips s ON s.task_id = t.id WHERE t.status = 'ready'
    GROUP BY t.board, t.assignee, s.reason;
  CREATE TRIGGER task_skip_counts_skip_insert AFTER INSERT ON task_skips BEGIN
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT board, coalesce(assignee, ''), new.reason, 1 FROM tasks WHERE id = new.task_id AND status = 'ready'
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER task_skip_counts_skip_delete AFTER DELETE ON task_skips BEGIN
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT board, coalesce(assignee, ''), old.reason, -1 FROM tasks WHERE id = old.task_id AND status = 'ready'
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER task_skip_counts_skip_update AFTER UPDATE OF task_id, reason ON task_skips
    WHEN old.task_id IS NOT new.task_id OR old.reason IS NOT new.reason
  BEGIN
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT board, coalesce(assignee, ''), old.reason, -1 FROM tasks WHERE id = old.task_id AND status = 'ready'
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT board, coalesce(assignee, ''), new.reason, 1 FROM tasks WHERE id = new.task_id AND status = 'ready'
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER task_skip_counts_task_insert AFTER INSERT ON tasks WHEN new.status = 'ready' BEGIN
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT new.board, coalesce(new.assignee, ''), reason, 1 FROM task_skips WHERE task_id = new.id
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER task_skip_counts_task_delete AFTER DELETE ON tasks WHEN old.status = 'ready' BEGIN
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT old.board, coalesce(old.assignee, ''), reason, -1 FROM task_skips WHERE task_id = old.id
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER task_skip_counts_task_update AFTER UPDATE OF id, board, assignee, status ON tasks
    WHEN (old.status = 'ready' OR new.status = 'ready')
      AND (old.id IS NOT new.id OR old.board IS NOT new.board OR old.assignee IS NOT new.assignee
        OR old.status IS NOT new.status)
  BEGIN
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT old.board, coalesce(old.assignee, ''), reason, -1 FROM task_skips
      WHERE task_id = old.id AND old.status = 'ready'
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
    INSERT INTO task_skip_counts (board, lane, reason, n)
      SELECT new.board, coalesce(new.assignee, ''), reason, 1 FROM task_skips
      WHERE task_id = new.id AND new.status = 'ready'
      ON CONFLICT (board, lane, reason) DO UPDATE SET n = n + excluded.n;
  END;
  `,
  // v13 (issue 17, target 2): a verdict that holds for every ready task of a lane (SPEC §4.6's
  // first five rules: unassigned, terminal lane, broken profile, dispatcher off, lane paused) is
  // stored once for the lane in lane_skips ('' is Unassigned, as in v11), not once per task: turning
  // the dispatcher off and on rewrote ~6,700 task_skips rows (20,000 row changes with the count
  // triggers) on "large", and now writes ~100 lane rows. The view gives a ready, unclaimed task its
  // lane's verdict when there is one, else its own row, so every reader of `tasks_with_skips` reads
  // one answer; a task's own row under a lane verdict is kept as it was and shows again when the
  // lane's verdict goes. The lane view's counts (laneFigures.ts) read a lane with a verdict as all
  // of its ready tasks under it.
  `
  CREATE TABLE lane_skips (
    lane TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    detail TEXT
  ) WITHOUT ROWID;
  DROP VIEW tasks_with_skips;
  CREATE VIEW tasks_with_skips AS
    SELECT t.*,
      CASE WHEN l.reason IS NOT NULL AND t.status = 'ready' AND t.claim_owner IS NULL
        THEN l.reason ELSE s.reason END AS skip_reason,
      CASE WHEN l.reason IS NOT NULL AND t.status = 'ready' AND t.claim_owner IS NULL
        THEN l.detail ELSE s.detail END AS skip_detail
    FROM tasks t LEFT JOIN task_skips s ON s.task_id = t.id
      LEFT JOIN lane_skips l ON l.lane = coalesce(t.assignee, '');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
