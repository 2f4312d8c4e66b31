import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT } from './cli';

/**
 * Builds Vibe Kanban local databases for the import tests: applies VK's own migration files
 * (test/fixtures/vibe-kanban/migrations, copied from BloopAI/vibe-kanban) in order up to a chosen
 * one, as its migrator (sqlx) does — each file in a transaction, recorded in `_sqlx_migrations` —
 * then inserts one board's worth of rows in whatever shape that schema point has.
 */

export const VK_MIGRATIONS = path.join(REPO_ROOT, 'test', 'fixtures', 'vibe-kanban', 'migrations');

/** Schema points the tests use (the version prefix of the last migration applied). */
export const VK_SCHEMA_POINTS = {
  /** 2025-06-17: the first schema — projects.git_repo_path, task_attempts without branches, no sub-tasks. */
  init: 20250617183714,
  /** 2025-07-16: attempts with branch and base_branch, tasks.parent_task_attempt (sub-tasks). */
  subtasks: 20250716170000,
  /** 2025-12-09: repositories in repos/project_repos, per-repo target branches in attempt_repos, tags. */
  repos: 20251209000000,
  /** 2026-03-17: the last local schema before the April 2026 sunset — workspaces, sessions, parent_workspace_id. */
  latest: 20260317120000,
} as const;

function migrationFiles(upTo: number): string[] {
  return fs
    .readdirSync(VK_MIGRATIONS)
    .filter((name) => name.endsWith('.sql') && Number(name.slice(0, 14)) <= upTo)
    .sort();
}

function applyMigrations(db: Database.Database, upTo: number): void {
  db.exec(`CREATE TABLE _sqlx_migrations (
    version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)`);
  for (const name of migrationFiles(upTo)) {
    const sql = fs.readFileSync(path.join(VK_MIGRATIONS, name), 'utf8');
    // sqlx wraps each file in a transaction; files that need PRAGMA foreign_keys end it themselves
    // (COMMIT … BEGIN TRANSACTION), which is why this is BEGIN/exec/COMMIT and not db.transaction().
    db.exec('BEGIN');
    db.exec(sql);
    db.prepare(
      'INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, 1, ?, 1)',
    ).run(
      Number(name.slice(0, 14)),
      name.slice(15, -4).replace(/_/g, ' '),
      createHash('sha384').update(sql).digest(),
    );
    db.exec('COMMIT');
  }
}

const uuid = (n: number): Buffer =>
  Buffer.from(`0000000000000000000000000000${n.toString(16).padStart(4, '0')}`, 'hex');
const columns = (db: Database.Database, table: string) =>
  new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));

export const VK_PROJECT = { web: uuid(0x101), data: uuid(0x102) };

/** The board the tests expect (titles exactly as stored; `parent` names a task whose attempt a3 is). */
export const VK_TASKS = [
  {
    n: 1,
    project: 'web',
    title: 'Set up CI',
    status: 'done',
    attempt: { n: 1, branch: 'vk/0001-set-up-ci' },
  },
  {
    n: 2,
    project: 'web',
    title: 'Écrire la doc 📝',
    status: 'todo',
    description: 'Voir @bug_analysis\n\nDétails… ✓',
  },
  {
    n: 3,
    project: 'web',
    title: 'Fix login bug',
    status: 'inprogress',
    attempt: { n: 3, branch: 'vk/0003-fix-login' },
  },
  {
    n: 4,
    project: 'web',
    title: 'Review API 設計',
    status: 'inreview',
    attempt: { n: 4, branch: 'vk/0004-review-api' },
  },
  { n: 5, project: 'web', title: 'Old idea', status: 'cancelled' },
  { n: 6, project: 'web', title: 'Login: add tests 🧪', status: 'todo', parentAttempt: 3 },
  { n: 7, project: 'web', title: 'Polish login', status: 'inprogress', parentAttempt: 3 },
  { n: 8, project: 'data', title: 'Importer le CSV — données', status: 'todo' },
  { n: 9, project: 'data', title: '   ', status: 'todo' },
] as const;

/** Where the projects' repositories and the attempts' worktrees are (default: made-up paths). */
export interface VkPlaces {
  repoPaths?: { web: string; data: string };
  worktreesDir?: string;
}

/** Writes a VK database at `file` at schema point `upTo`, with the rows above. */
export function writeVibeKanbanDb(file: string, upTo: number, places: VkPlaces = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    applyMigrations(db, upTo);
    db.pragma('foreign_keys = OFF');
    insertRows(db, places);
  } finally {
    db.close();
  }
}

function insertRows(db: Database.Database, places: VkPlaces): void {
  const projectColumns = columns(db, 'projects');
  const repoPath = places.repoPaths ?? { web: '/srv/web-app', data: '/srv/données' };
  const repoId = { web: uuid(0x201), data: uuid(0x202) };
  for (const key of ['web', 'data'] as const) {
    const name = key === 'web' ? 'Web app ✨' : 'Données & co';
    const created = key === 'web' ? '2025-06-20 10:00:00.000' : '2025-06-21 10:00:00.000';
    if (projectColumns.has('git_repo_path'))
      db.prepare('INSERT INTO projects (id, name, git_repo_path, created_at) VALUES (?, ?, ?, ?)').run(
        VK_PROJECT[key],
        name,
        repoPath[key],
        created,
      );
    else {
      db.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)').run(
        VK_PROJECT[key],
        name,
        created,
      );
      db.prepare('INSERT INTO repos (id, path, name, display_name) VALUES (?, ?, ?, ?)').run(
        repoId[key],
        repoPath[key],
        key,
        key,
      );
      db.prepare('INSERT INTO project_repos (id, project_id, repo_id) VALUES (?, ?, ?)').run(
        uuid(0x301 + (key === 'web' ? 0 : 1)),
        VK_PROJECT[key],
        repoId[key],
      );
    }
  }
  const attemptsTable = columns(db, 'workspaces').size > 0 ? 'workspaces' : 'task_attempts';
  const attemptColumns = columns(db, attemptsTable);
  const taskColumns = columns(db, 'tasks');
  const parentColumn = taskColumns.has('parent_workspace_id')
    ? 'parent_workspace_id'
    : taskColumns.has('parent_task_attempt')
      ? 'parent_task_attempt'
      : null;
  for (const task of VK_TASKS) {
    const created = `2025-07-${String(task.n).padStart(2, '0')} 09:00:00.000`;
    const parent = 'parentAttempt' in task && parentColumn ? uuid(0x500 + task.parentAttempt) : null;
    db.prepare(
      `INSERT INTO tasks (id, project_id, title, description, status, created_at, updated_at${parentColumn ? `, ${parentColumn}` : ''})
       VALUES (?, ?, ?, ?, ?, ?, ?${parentColumn ? ', ?' : ''})`,
    ).run(
      uuid(0x400 + task.n),
      VK_PROJECT[task.project],
      task.title,
      'description' in task ? task.description : null,
      task.status,
      created,
      created.replace('09:00', '17:30'),
      ...(parentColumn ? [parent] : []),
    );
    if (!('attempt' in task)) continue;
    const attemptId = uuid(0x500 + task.attempt.n);
    const worktree = path.join(
      places.worktreesDir ?? '/tmp/vibe-kanban/worktrees',
      task.attempt.branch.replace('/', '-'),
    );
    const values: Record<string, unknown> = {
      id: attemptId,
      task_id: uuid(0x400 + task.n),
      created_at: created,
    };
    if (attemptColumns.has('worktree_path')) values.worktree_path = worktree;
    if (attemptColumns.has('container_ref')) values.container_ref = worktree;
    if (attemptColumns.has('branch')) values.branch = task.attempt.branch;
    if (attemptColumns.has('base_branch')) values.base_branch = 'main';
    if (attemptColumns.has('executor')) values.executor = 'CLAUDE_CODE';
    const names = Object.keys(values);
    db.prepare(
      `INSERT INTO ${attemptsTable} (${names.join(', ')}) VALUES (${names.map((name) => `@${name}`).join(', ')})`,
    ).run(values);
    const perRepo =
      columns(db, 'workspace_repos').size > 0
        ? ['workspace_repos', 'workspace_id']
        : columns(db, 'attempt_repos').size > 0
          ? ['attempt_repos', 'attempt_id']
          : null;
    if (perRepo)
      db.prepare(
        `INSERT INTO ${perRepo[0]} (id, ${perRepo[1]}, repo_id, target_branch) VALUES (?, ?, ?, 'main')`,
      ).run(uuid(0x600 + task.attempt.n), attemptId, repoId[task.project]);
  }
}
