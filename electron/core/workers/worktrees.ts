import fs from 'node:fs';
import path from 'node:path';
import { TASK_ID_PATTERN } from '../../../shared/constants';
import type { Task } from '../../../shared/domain';
import type { HomePaths } from '../config/home';
import { invalidInput, SwitchyardError } from '../errors';
import { ensureOwnedDir } from '../ownedFiles';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { appendEvent } from '../store/events';
import { findTask } from '../store/tasks';
import {
  allTaskWorktrees,
  insertTaskWorktree,
  markWorktreeRemoved,
  taskWorktree,
  type TaskWorktree,
} from '../store/repositories';
import { GitError, gitLine, gitTest, runGit } from './git';
import { branchForTask, repositoryForTask } from './repository';
import { WorkspaceError } from './workspace';

export { WorkspaceError };

/**
 * Task worktrees (docs/architecture.md §9): `workspaces/<task>/` on branch `switchyard/<id>-<slug>` from the base
 * branch's tip, with the repository's `.switchyard/include` files copied in and its
 * `.switchyard/link` folders symlinked. Every git call is a child process awaited off the
 * dispatcher's tick, so a slow repository delays only its own task.
 */

/** Refuses anything but a task id (`t_` + 8 hex), so no `../` can lead outside workspaces/. */
export function checkedTaskId(taskId: string): string {
  if (!TASK_ID_PATTERN.test(taskId))
    throw invalidInput(`"${taskId}" is not a task id (they look like t_1a2b3c4d)`);
  return taskId;
}

/** `workspaces/<id>`. */
export function worktreePathFor(paths: HomePaths, taskId: string): string {
  return path.join(paths.workspaces, checkedTaskId(taskId));
}

/**
 * Whether Switchyard made this worktree (at workspaces/<task>): only such a folder is ever
 * removed. Work another tool made (an imported Hermes or Vibe Kanban worktree) is left alone.
 */
export function isOwnWorktree(paths: HomePaths, worktree: { taskId: string; path: string }): boolean {
  return worktree.path === worktreePathFor(paths, worktree.taskId);
}

/** Creates (or finds again, on a retry) the task's worktree and returns its folder. */
export async function prepareTaskWorktree(
  db: Db,
  paths: HomePaths,
  task: Task,
  options: { holdChildren: boolean },
): Promise<string> {
  const target = worktreePathFor(paths, task.id);
  const existing = taskWorktree(db, task.id);
  // Issue 18: a planted link at workspaces/ or workspaces/<task> must not send git (or the agent) elsewhere.
  ensureOwnedDir(paths.home, paths.workspaces);
  if (fs.lstatSync(target, { throwIfNoEntry: false })) ensureOwnedDir(paths.home, target);
  if (existing && existing.removedAt === null && fs.existsSync(path.join(target, '.git'))) return target;
  // Work another tool made (imported, docs/architecture.md §9): the agent goes on in that worktree, on its branch.
  if (
    existing &&
    existing.removedAt === null &&
    !isOwnWorktree(paths, existing) &&
    existing.path &&
    fs.existsSync(path.join(existing.path, '.git'))
  )
    return existing.path;
  const { repo, baseBranch } = await repositoryForTask(db, task);
  try {
    const branch = existing?.branch ?? branchForTask(task);
    // Both refs in one git process: every process started holds the event loop for its spawn,
    // which 8 worktrees at once add up (bench 'review', part a).
    if (!fs.existsSync(repo)) throw new WorkspaceError(`repository ${repo} does not exist any more`);
    const refs = await runGit(repo, [
      'for-each-ref',
      '--format=%(refname) %(objectname)',
      `refs/heads/${baseBranch}`,
      `refs/heads/${branch}`,
    ]);
    const tipOf = (ref: string): string | undefined =>
      refs.stdout
        .split('\n')
        .find((line) => line.startsWith(`${ref} `))
        ?.slice(ref.length + 1);
    const baseCommit = tipOf(`refs/heads/${baseBranch}`);
    if (!baseCommit) throw new WorkspaceError(`repository ${repo} has no branch "${baseBranch}"`);
    const branchExists = tipOf(`refs/heads/${branch}`) !== undefined;
    if (branchExists && !existing)
      throw new WorkspaceError(`branch ${branch} already exists in ${repo}; rename or delete it first`);
    if (fs.existsSync(target)) {
      const entries = await fs.promises.readdir(target);
      if (entries.length > 0) throw new WorkspaceError(`${target} exists and is not empty`);
      await fs.promises.rmdir(target);
    }
    // A retry after the folder vanished: forget the stale registration, keep the branch's work.
    if (existing) await runGit(repo, ['worktree', 'prune']);
    const args = branchExists
      ? ['worktree', 'add', target, branch]
      : ['worktree', 'add', '-b', branch, target, baseCommit];
    await runGit(repo, args);
    const recordedBase = existing && branchExists ? existing.baseCommit : baseCommit;
    runInWriteTransaction(db, () =>
      insertTaskWorktree(
        db,
        {
          taskId: task.id,
          repo,
          baseBranch,
          branch,
          path: target,
          baseCommit: recordedBase,
          holdChildren: options.holdChildren,
        },
        Date.now(),
      ),
    );
    await bringInLocalFiles(repo, target);
    return target;
  } catch (error) {
    if (error instanceof WorkspaceError || error instanceof SwitchyardError) throw error;
    if (error instanceof GitError) throw new WorkspaceError(`git: ${error.message}`);
    throw new WorkspaceError((error as Error).message);
  }
}

/** Lines of `.switchyard/<name>`: relative paths inside the repository (comments and escapes ignored). */
async function listedPaths(repo: string, name: 'include' | 'link'): Promise<string[]> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(repo, '.switchyard', name), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => path.normalize(line).replace(/[\\/]+$/, ''))
    .filter((line) => !path.isAbsolute(line) && line !== '..' && !line.startsWith(`..${path.sep}`));
}

/**
 * docs/architecture.md §9: gitignored files a checkout needs (`.env`) are copied; big folders (`node_modules`)
 * are symlinked to the repository's own. Nothing already in the worktree is replaced.
 */
async function bringInLocalFiles(repo: string, worktree: string): Promise<void> {
  const includes = await listedPaths(repo, 'include');
  const links = await listedPaths(repo, 'link');
  await excludeLocalFiles(repo, [...includes, ...links]);
  for (const relative of includes) {
    const from = path.join(repo, relative);
    const to = path.join(worktree, relative);
    if (!fs.existsSync(from) || fs.existsSync(to)) continue;
    await fs.promises.mkdir(path.dirname(to), { recursive: true });
    await fs.promises.cp(from, to, { recursive: true, errorOnExist: false, force: false });
  }
  for (const relative of links) {
    const from = path.join(repo, relative);
    const to = path.join(worktree, relative);
    if (!fs.existsSync(from) || fs.existsSync(to)) continue;
    await fs.promises.mkdir(path.dirname(to), { recursive: true });
    await fs.promises.symlink(from, to, 'dir');
  }
}

/**
 * Removes the task's worktree folder (and, with `deleteBranch`, its branch). Only a worktree
 * Switchyard recorded, at the path it made: a folder it did not create is never touched.
 */
export async function removeTaskWorktree(
  db: Db,
  paths: HomePaths,
  taskId: string,
  options: { deleteBranch: boolean; force: boolean },
): Promise<{ branchDeleted: boolean }> {
  const row = taskWorktree(db, taskId);
  if (!row) throw new SwitchyardError('not_found', `${taskId} has no worktree`);
  if (!isOwnWorktree(paths, row))
    throw new SwitchyardError('forbidden', `${row.path} was not made by this Switchyard home; left alone`);
  if (fs.existsSync(row.path)) {
    const args = ['worktree', 'remove', ...(options.force ? ['--force'] : []), row.path];
    await runGit(row.repo, args).catch((error: unknown) => {
      throw new SwitchyardError(
        'conflict',
        `cannot remove the worktree of ${taskId}: ${(error as Error).message}`,
      );
    });
  } else {
    await runGit(row.repo, ['worktree', 'prune']).catch(() => undefined);
  }
  // A branch renamed or deleted by hand is not Switchyard's to look for: only its own name goes.
  const branchDeleted =
    options.deleteBranch &&
    (await gitTest(row.repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${row.branch}`]));
  if (branchDeleted) await runGit(row.repo, ['branch', '-D', row.branch]);
  // In the log: a tracker's pass that ran while git removed the folder failed; the one this
  // starts reads "removed" from the row and says so (any process's tracker, docs/architecture.md §9).
  runInWriteTransaction(db, () => {
    const now = Date.now();
    markWorktreeRemoved(db, taskId, now);
    appendEvent(
      db,
      {
        taskId,
        board: findTask(db, taskId)?.board ?? null,
        kind: 'worktree_removed',
        payload: { path: row.path, branchDeleted },
      },
      now,
    );
  });
  return { branchDeleted };
}

export interface WorkspaceListing {
  taskId: string;
  path: string;
  branch: string | null;
  status: string | null;
  /** Why it may go: the task is archived, gone, or its changes were merged or discarded. */
  orphan: string | null;
  /** A folder in workspaces/ that Switchyard has no worktree record of (listed, never deleted). */
  unknown: boolean;
}

/** `switchyard workspaces`: every folder of workspaces/ and every worktree Switchyard recorded. */
export async function listWorkspaces(db: Db, paths: HomePaths): Promise<WorkspaceListing[]> {
  const rows = allTaskWorktrees(db);
  const known = new Map<string, TaskWorktree & { status: string | null }>(rows.map((row) => [row.path, row]));
  const listing: WorkspaceListing[] = [];
  for (const row of rows) {
    if (row.removedAt !== null && !fs.existsSync(row.path)) continue;
    const orphan =
      row.status === null
        ? 'task deleted'
        : row.status === 'archived'
          ? 'task archived'
          : row.mergedAt !== null
            ? 'merged'
            : row.removedAt !== null
              ? 'discarded'
              : null;
    listing.push({
      taskId: row.taskId,
      path: row.path,
      branch: row.branch,
      status: row.status,
      orphan,
      unknown: false,
    });
  }
  let entries: string[] = [];
  try {
    entries = await fs.promises.readdir(paths.workspaces);
  } catch {
    entries = [];
  }
  for (const name of entries.sort()) {
    const folder = path.join(paths.workspaces, name);
    if (known.has(folder)) continue;
    listing.push({ taskId: name, path: folder, branch: null, status: null, orphan: null, unknown: true });
  }
  return listing;
}

/**
 * Removes the orphaned worktrees (never an unknown folder). A merged task's branch is on base and
 * goes too; an archived task keeps its branch (its commits stay reachable) and a worktree with
 * uncommitted changes is kept (git refuses without --force), with the reason.
 */
export async function pruneWorkspaces(
  db: Db,
  paths: HomePaths,
): Promise<{ removed: WorkspaceListing[]; kept: { entry: WorkspaceListing; reason: string }[] }> {
  const removed: WorkspaceListing[] = [];
  const kept: { entry: WorkspaceListing; reason: string }[] = [];
  for (const entry of await listWorkspaces(db, paths)) {
    if (entry.unknown || entry.orphan === null || !fs.existsSync(entry.path)) continue;
    const merged = entry.orphan === 'merged';
    try {
      await removeTaskWorktree(db, paths, entry.taskId, { deleteBranch: merged, force: merged });
      removed.push(entry);
    } catch (error) {
      kept.push({ entry, reason: (error as Error).message });
    }
  }
  return { removed, kept };
}

/**
 * Keeps the copied and linked local files out of every worktree's `git status`, of the agents'
 * `git add -A` and of the commits Switchyard makes: a symlinked `node_modules` is not matched by a
 * `node_modules/` ignore rule (a symlink is not a folder), and a copied `.env` must never be
 * committed. Written once to the repository's local exclude file (.git/info/exclude, never
 * committed, shared by its worktrees), anchored to the exact paths the repository listed.
 */
async function excludeLocalFiles(repo: string, relatives: readonly string[]): Promise<void> {
  if (relatives.length === 0) return;
  const common = path.resolve(repo, await gitLine(repo, ['rev-parse', '--git-common-dir']));
  const file = path.join(common, 'info', 'exclude');
  const current = await fs.promises.readFile(file, 'utf8').catch(() => '');
  const lines = new Set(current.split('\n'));
  const missing = relatives
    .map((relative) => `/${relative.split(path.sep).join('/')}`)
    .filter((line) => !lines.has(line));
  if (missing.length === 0) return;
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const prefix = current && !current.endsWith('\n') ? '\n' : '';
  await fs.promises.appendFile(
    file,
    `${prefix}# Switchyard: local files copied or linked into task worktrees\n${missing.join('\n')}\n`,
  );
}
