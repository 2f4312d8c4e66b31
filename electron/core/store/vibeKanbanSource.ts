import Database from 'better-sqlite3';
import { SwitchyardError } from '../errors';
import { statInputFile } from '../inputFiles';

/**
 * Reads a Vibe Kanban local database (the source of `switchyard import-vibe-kanban`), across the
 * schema versions its migrations (crates/db/migrations of BloopAI/vibe-kanban) went through:
 *
 * - projects: `git_repo_path` on the project until 2025-12-09, then `repos` joined by `project_repos`;
 * - attempts: `task_attempts` (branch from 2025-07-01, `base_branch` until 2025-12-09, then
 *   `attempt_repos.target_branch`), renamed `workspaces` on 2025-12-16 (`workspace_repos`);
 * - sub-tasks: `tasks.parent_task_attempt` from 2025-07-16, renamed `parent_workspace_id` on 2025-12-16;
 * - tags (from 2025-10-20) are reusable text snippets a description mentions as `@name`.
 *
 * The file is opened read-only and read in one transaction; it is never changed. Every optional
 * table and column is looked up before use, so each schema point reads with the same code.
 */

export interface VkProject {
  id: string;
  name: string;
  repoPaths: string[];
  createdAt: string | null;
}

export interface VkTask {
  id: string;
  projectId: string;
  title: unknown;
  description: unknown;
  status: string;
  createdAt: string | null;
  updatedAt: string | null;
  /** The attempt/workspace this task was made from (a sub-task), or null. */
  parentAttemptId: string | null;
}

export interface VkAttempt {
  id: string;
  taskId: string | null;
  branch: string | null;
  base: string | null;
  repoPath: string | null;
  worktree: string | null;
  createdAt: string | null;
}

export interface VkDatabase {
  /** The newest migration applied (`_sqlx_migrations`), e.g. 20260317120000, or null. */
  latestMigration: number | null;
  projects: VkProject[];
  tasks: VkTask[];
  attempts: VkAttempt[];
  tagNames: string[];
}

type Row = Record<string, unknown>;

/** VK keeps UUIDs as 16-byte BLOBs; older rows or hand-made files may hold text. */
export function uuidText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    const hex = value.toString('hex');
    return value.length === 16
      ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
      : hex;
  }
  return String(value);
}

const text = (value: unknown): string | null =>
  value === null || value === undefined
    ? null
    : Buffer.isBuffer(value)
      ? value.toString('utf8')
      : String(value);

function columnsOf(source: Database.Database, table: string): Set<string> {
  return new Set(
    (source.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name),
  );
}

function all(source: Database.Database, sql: string): Row[] {
  return source.prepare(sql).all() as Row[];
}

function openReadOnly(file: string): Database.Database {
  statInputFile(file);
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new SwitchyardError('invalid_input', `cannot open ${file}: ${(error as Error).message}`);
  }
}

function requireVibeKanbanShape(source: Database.Database, file: string): void {
  let projects: Set<string>;
  let tasks: Set<string>;
  try {
    projects = columnsOf(source, 'projects');
    tasks = columnsOf(source, 'tasks');
  } catch (error) {
    throw new SwitchyardError(
      'invalid_input',
      `${file} is not a Vibe Kanban database (not SQLite: ${(error as Error).message})`,
    );
  }
  const needed = ['id', 'project_id', 'title', 'status'];
  if (!projects.has('id') || !projects.has('name') || !needed.every((column) => tasks.has(column)))
    throw new SwitchyardError(
      'invalid_input',
      `${file} is not a Vibe Kanban database (no projects and tasks tables of Vibe Kanban's shape)`,
    );
}

function readProjects(source: Database.Database): VkProject[] {
  const columns = columnsOf(source, 'projects');
  const repoPaths = new Map<string, string[]>();
  const add = (projectId: unknown, repoPath: unknown) => {
    const id = uuidText(projectId);
    const where = text(repoPath);
    if (id === null || !where) return;
    repoPaths.set(id, [...(repoPaths.get(id) ?? []), where]);
  };
  if (columnsOf(source, 'project_repos').has('repo_id') && columnsOf(source, 'repos').has('path')) {
    for (const row of all(
      source,
      'SELECT pr.project_id, r.path FROM project_repos pr JOIN repos r ON r.id = pr.repo_id ORDER BY pr.rowid',
    ))
      add(row.project_id, row.path);
  }
  const rows = all(
    source,
    `SELECT id, name${columns.has('git_repo_path') ? ', git_repo_path' : ''}${columns.has('created_at') ? ', created_at' : ''}
     FROM projects ORDER BY ${columns.has('created_at') ? 'created_at, ' : ''}rowid`,
  );
  return rows.map((row) => {
    const id = uuidText(row.id) ?? '';
    if (row.git_repo_path) add(row.id, row.git_repo_path);
    return {
      id,
      name: text(row.name) ?? '',
      repoPaths: repoPaths.get(id) ?? [],
      createdAt: text(row.created_at),
    };
  });
}

function readTasks(source: Database.Database): VkTask[] {
  const columns = columnsOf(source, 'tasks');
  const parent = columns.has('parent_workspace_id')
    ? 'parent_workspace_id'
    : columns.has('parent_task_attempt')
      ? 'parent_task_attempt'
      : null;
  const optional = (name: string) => (columns.has(name) ? name : `NULL AS ${name}`);
  return all(
    source,
    `SELECT id, project_id, title, ${optional('description')}, status, ${optional('created_at')}, ${optional('updated_at')},
       ${parent ?? 'NULL'} AS parent FROM tasks ORDER BY ${columns.has('created_at') ? 'created_at, ' : ''}rowid`,
  ).map((row) => ({
    id: uuidText(row.id) ?? '',
    projectId: uuidText(row.project_id) ?? '',
    title: row.title,
    description: row.description,
    status: text(row.status) ?? '',
    createdAt: text(row.created_at),
    updatedAt: text(row.updated_at),
    parentAttemptId: uuidText(row.parent),
  }));
}

function readAttempts(source: Database.Database): VkAttempt[] {
  const table = columnsOf(source, 'workspaces').size > 0 ? 'workspaces' : 'task_attempts';
  const columns = columnsOf(source, table);
  if (columns.size === 0) return [];
  const optional = (name: string) => (columns.has(name) ? `a.${name}` : `NULL AS ${name}`);
  // Per-repo target branches: attempt_repos (2025-12-09), renamed workspace_repos (2025-12-16).
  const perRepo = columnsOf(source, 'workspace_repos').has('workspace_id')
    ? { table: 'workspace_repos', key: 'workspace_id' }
    : columnsOf(source, 'attempt_repos').has('attempt_id')
      ? { table: 'attempt_repos', key: 'attempt_id' }
      : null;
  const repoJoin =
    perRepo && columnsOf(source, 'repos').has('path')
      ? `LEFT JOIN ${perRepo.table} ar ON ar.${perRepo.key} = a.id LEFT JOIN repos r ON r.id = ar.repo_id`
      : null;
  const worktree = columns.has('container_ref')
    ? 'a.container_ref'
    : columns.has('worktree_path')
      ? 'a.worktree_path'
      : 'NULL';
  return all(
    source,
    `SELECT a.id, a.task_id, ${optional('branch')}, ${optional('base_branch')}, ${worktree} AS worktree,
       ${optional('created_at')}${repoJoin ? ', ar.target_branch, r.path AS repo_path' : ', NULL AS target_branch, NULL AS repo_path'}
     FROM ${table} a ${repoJoin ?? ''} ORDER BY a.rowid`,
  ).map((row) => ({
    id: uuidText(row.id) ?? '',
    taskId: uuidText(row.task_id),
    branch: text(row.branch),
    base: text(row.target_branch) ?? text(row.base_branch),
    repoPath: text(row.repo_path),
    worktree: text(row.worktree),
    createdAt: text(row.created_at),
  }));
}

function readLatestMigration(source: Database.Database): number | null {
  if (!columnsOf(source, '_sqlx_migrations').has('version')) return null;
  const row = source.prepare('SELECT MAX(version) AS version FROM _sqlx_migrations WHERE success').get() as {
    version: number | bigint | null;
  };
  return row.version === null ? null : Number(row.version);
}

export function readVibeKanbanDatabase(file: string): VkDatabase {
  const source = openReadOnly(file);
  try {
    requireVibeKanbanShape(source, file);
    // One read transaction: a consistent picture even if Vibe Kanban is still running.
    return source.transaction(() => ({
      latestMigration: readLatestMigration(source),
      projects: readProjects(source),
      tasks: readTasks(source),
      attempts: readAttempts(source),
      tagNames: columnsOf(source, 'tags').has('tag_name')
        ? all(source, 'SELECT tag_name FROM tags ORDER BY tag_name').map((row) => text(row.tag_name) ?? '')
        : [],
    }))();
  } finally {
    source.close();
  }
}
