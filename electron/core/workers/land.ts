import fs from 'node:fs';
import type { Task } from '../../../shared/domain';
import type { LandResult, MergeMode } from '../../../shared/repository';
import { findProgram } from '../config/programLookup';
import type { HomePaths } from '../config/home';
import { SwitchyardError } from '../errors';
import { addComment, getTask, moveTask, type Actor } from '../commands/taskCommands';
import { guardActor } from '../commands/actors';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { appendEvent } from '../store/events';
import {
  boardRepository,
  markTaskMerged,
  setReviewWaived,
  taskWorktree,
  type TaskWorktree,
} from '../store/repositories';
import { branchOnly, committerEnv, conflictsWithBase, refreshTaskChanges, snapshotTree } from './changes';
import { GitError, gitLine, gitTest, runGit } from './git';
import { checkedTaskId, isOwnWorktree, removeTaskWorktree } from './worktrees';

/**
 * Landing a task's work (docs/architecture.md §9): commit, merge into base (fast-forward, merge commit or squash),
 * rebase onto base, push and open a pull request, discard. Every refusal happens before anything
 * is changed: conflicts are found with `git merge-tree` (no checkout involved), a dirty base
 * checkout refuses, and when base is not checked out anywhere the merge is written as objects and
 * a compare-and-swap of the branch ref — the user's checkout is never left mid-merge.
 */

const refuse = (message: string): SwitchyardError => new SwitchyardError('conflict', message);

function liveWorktree(db: Db, taskId: string): { task: Task; worktree: TaskWorktree } {
  const task = getTask(db, checkedTaskId(taskId));
  const worktree = taskWorktree(db, task.id);
  if (!worktree) throw new SwitchyardError('not_found', `${task.id} has no repository worktree`);
  if (worktree.removedAt !== null || !fs.existsSync(worktree.path))
    throw refuse(`the worktree of ${task.id} was removed`);
  return { task, worktree };
}

function event(
  db: Db,
  task: Task,
  kind: 'merged' | 'rebased' | 'committed' | 'discarded' | 'review_waived',
  payload: Record<string, unknown>,
): void {
  appendEvent(db, { taskId: task.id, board: task.board, kind, payload }, Date.now());
}

async function uncommittedFiles(worktree: TaskWorktree): Promise<string[]> {
  const status = await runGit(worktree.path, ['status', '--porcelain', '-z', '--untracked-files=all']);
  return status.stdout
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3))
    .filter(Boolean);
}

/** Commits everything uncommitted in the task's worktree (new files too, local copies and links not). */
export async function commitTaskChanges(db: Db, taskId: string, message?: string): Promise<LandResult> {
  const { task, worktree } = liveWorktree(db, taskId);
  const pending = await uncommittedFiles(worktree);
  if (pending.length === 0) throw refuse(`${task.id} has no uncommitted changes`);
  await runGit(worktree.path, ['add', '-A']);
  await runGit(worktree.path, ['commit', '--no-verify', '-q', '-m', message?.trim() || commitMessage(task)], {
    env: committerEnv(),
  });
  const commit = await gitLine(worktree.path, ['rev-parse', 'HEAD']);
  runInWriteTransaction(db, () => event(db, task, 'committed', { files: pending.length, commit }));
  await refreshTaskChanges(db, task.id);
  return {
    taskId: task.id,
    action: 'commit',
    message: `committed ${pending.length} file(s) on ${worktree.branch}`,
    commit,
    command: null,
  };
}

function commitMessage(task: Task): string {
  const summary = task.result?.trim();
  return summary
    ? `${task.title}\n\n${summary}\n\nSwitchyard task ${task.id}`
    : `${task.title}\n\nSwitchyard task ${task.id}`;
}

/** Where base is checked out (the main checkout or a linked worktree), if anywhere. */
async function checkoutOf(repo: string, baseBranch: string): Promise<string | null> {
  const listing = await gitLine(repo, ['worktree', 'list', '--porcelain']);
  let current: string | null = null;
  for (const line of listing.split('\n')) {
    if (line.startsWith('worktree ')) current = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${baseBranch}` && current) return current;
  }
  return null;
}

/**
 * The task's work for a merge: its worktree, or only its branch (work another tool left, whose
 * folder is gone: docs/architecture.md §9 imports), which merges the same way with nothing uncommitted.
 */
async function workToMerge(
  db: Db,
  taskId: string,
): Promise<{ task: Task; worktree: TaskWorktree; checkedOut: boolean }> {
  const task = getTask(db, checkedTaskId(taskId));
  const worktree = taskWorktree(db, task.id);
  if (worktree && (await branchOnly(worktree))) return { task, worktree, checkedOut: false };
  return { ...liveWorktree(db, taskId), checkedOut: true };
}

/** Merges the task's branch into its base branch in the board's merge mode. */
export async function mergeTask(
  db: Db,
  paths: HomePaths,
  taskId: string,
  actor: Actor,
  options: { mode?: MergeMode } = {},
): Promise<LandResult> {
  guardActor(db, actor, { person: `merge ${taskId}` });
  const { task, worktree, checkedOut } = await workToMerge(db, taskId);
  const setting = boardRepository(db, task.board);
  const mode = options.mode ?? setting?.mergeMode ?? 'merge';
  const { repo, baseBranch, branch } = worktree;
  const baseRef = `refs/heads/${baseBranch}`;
  if (!(await gitTest(repo, ['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`])))
    throw refuse(`repository ${repo} has no branch "${baseBranch}" any more`);
  const checkout = await checkoutOf(repo, baseBranch);
  // Checked first: a refusal must leave even the task's own worktree as it was.
  if (checkout) {
    const dirty = await runGit(checkout, ['status', '--porcelain', '--untracked-files=no']);
    if (dirty.stdout.trim()) {
      const files = dirty.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(3));
      throw refuse(
        `${checkout} (where ${baseBranch} is checked out) has uncommitted changes (${files.slice(0, 5).join(', ')}${files.length > 5 ? ' …' : ''}): commit or stash them first`,
      );
    }
  }
  const pending = checkedOut ? await uncommittedFiles(worktree) : [];
  const tipOf = () =>
    checkedOut
      ? gitLine(worktree.path, ['rev-parse', 'HEAD'])
      : gitLine(repo, ['rev-parse', `refs/heads/${branch}`]);
  const head = await tipOf();
  const ahead = Number(await gitLine(repo, ['rev-list', '--count', `${baseRef}..${head}`]));
  if (ahead === 0 && pending.length === 0) throw refuse(`${task.id} has nothing to merge into ${baseBranch}`);
  const conflicts = await conflictsWithBase(
    repo,
    baseBranch,
    pending.length > 0 ? await snapshotCommit(worktree, head) : head,
  );
  if (conflicts.length > 0)
    throw refuse(
      `merging ${task.id} into ${baseBranch} would conflict in ${conflicts.join(', ')}: rebase it or send it back`,
    );
  if (pending.length > 0) await commitTaskChanges(db, task.id);
  const tip = await tipOf();
  const message = mode === 'squash' ? commitMessage(task) : `Merge ${branch}: ${task.title}`;
  const oldBase = await gitLine(repo, ['rev-parse', baseRef]);
  const fastForward = await gitTest(repo, ['merge-base', '--is-ancestor', oldBase, tip]);
  if (mode === 'ff' && !fastForward)
    throw refuse(
      `${baseBranch} moved on since ${task.id} started: a fast-forward is not possible (rebase first)`,
    );
  let landed: string;
  if (checkout) landed = await mergeInCheckout(checkout, mode, tip, message);
  else landed = await mergeAsObjects(repo, baseRef, oldBase, mode, tip, message);
  runInWriteTransaction(db, () => {
    markTaskMerged(db, task.id, landed, Date.now());
    event(db, task, 'merged', { into: baseBranch, mode, commit: landed, by: actor.name });
  });
  // Only a worktree Switchyard made goes (work another tool made stays where it is, its branch too).
  const own = isOwnWorktree(paths, worktree);
  if (own && (setting?.afterMerge ?? 'remove') === 'remove') {
    await removeTaskWorktree(db, paths, task.id, { deleteBranch: true, force: true });
  }
  await refreshTaskChanges(db, task.id).catch(() => undefined);
  return {
    taskId: task.id,
    action: 'merge',
    message: `merged ${branch} into ${baseBranch} (${mode === 'ff' ? 'fast-forward' : mode === 'squash' ? 'squash' : 'merge commit'}) at ${landed.slice(0, 10)}`,
    commit: landed,
    command: null,
  };
}

/** The worktree's content, uncommitted work included, as a commit on `head` (no branch moves). */
async function snapshotCommit(worktree: TaskWorktree, head: string): Promise<string> {
  const { tree } = await snapshotTree(worktree);
  return gitLine(worktree.path, ['commit-tree', tree, '-p', head, '-m', 'switchyard: snapshot'], {
    env: committerEnv(),
  });
}

/**
 * Base is checked out (and clean): git merges there. The conflict check already passed, so the
 * merge cannot stop half-way; should git refuse anyway (an untracked file in the way), it refuses
 * before writing, and `merge --abort` makes sure nothing is left in progress.
 */
async function mergeInCheckout(
  checkout: string,
  mode: MergeMode,
  tip: string,
  message: string,
): Promise<string> {
  const env = committerEnv();
  try {
    if (mode === 'ff') await runGit(checkout, ['merge', '--ff-only', '-q', tip]);
    else if (mode === 'merge')
      await runGit(checkout, ['merge', '--no-ff', '--no-edit', '-q', '-m', message, tip], { env });
    else {
      await runGit(checkout, ['merge', '--squash', '-q', tip], { env });
      await runGit(checkout, ['commit', '--no-verify', '-q', '-m', message], { env });
    }
  } catch (error) {
    await runGit(checkout, ['merge', '--abort']).catch(() => undefined);
    await runGit(checkout, ['reset', '--merge']).catch(() => undefined);
    throw refuse(`git refused the merge: ${(error as GitError).message}`);
  }
  return gitLine(checkout, ['rev-parse', 'HEAD']);
}

/** Base is not checked out anywhere: the result is written as objects and the ref moved by compare-and-swap. */
async function mergeAsObjects(
  repo: string,
  baseRef: string,
  oldBase: string,
  mode: MergeMode,
  tip: string,
  message: string,
): Promise<string> {
  let target = tip;
  if (mode !== 'ff') {
    const tree = (await gitLine(repo, ['merge-tree', '--write-tree', oldBase, tip])).split('\n')[0] as string;
    const parents = mode === 'merge' ? ['-p', oldBase, '-p', tip] : ['-p', oldBase];
    target = await gitLine(repo, ['commit-tree', tree, ...parents, '-m', message], { env: committerEnv() });
  }
  await runGit(repo, ['update-ref', '-m', 'switchyard: merge', baseRef, target, oldBase]).catch(
    (error: unknown) => {
      throw refuse(`${baseRef} moved while merging; nothing was changed (${(error as Error).message})`);
    },
  );
  return target;
}

/** Rebases the task's branch onto the current base; on conflicts the rebase is undone and they are listed. */
export async function rebaseTask(db: Db, taskId: string, actor: Actor): Promise<LandResult> {
  const { task, worktree } = liveWorktree(db, taskId);
  guardActor(db, actor, { task: task.id });
  if ((await uncommittedFiles(worktree)).length > 0)
    throw refuse(`${task.id} has uncommitted changes: commit them first`);
  const baseRef = `refs/heads/${worktree.baseBranch}`;
  try {
    await runGit(worktree.path, ['rebase', '-q', baseRef], { env: committerEnv() });
  } catch (error) {
    const conflicted = await gitLine(worktree.path, ['diff', '--name-only', '--diff-filter=U']).catch(
      () => '',
    );
    await runGit(worktree.path, ['rebase', '--abort']).catch(() => undefined);
    const files = conflicted.split('\n').filter(Boolean);
    throw refuse(
      files.length > 0
        ? `rebasing ${task.id} onto ${worktree.baseBranch} conflicts in ${files.join(', ')}; nothing was changed`
        : `git refused the rebase: ${(error as Error).message}`,
    );
  }
  const commit = await gitLine(worktree.path, ['rev-parse', 'HEAD']);
  runInWriteTransaction(db, () =>
    event(db, task, 'rebased', { onto: worktree.baseBranch, commit, by: actor.name }),
  );
  await refreshTaskChanges(db, task.id);
  return {
    taskId: task.id,
    action: 'rebase',
    message: `rebased ${worktree.branch} onto ${worktree.baseBranch}`,
    commit,
    command: null,
  };
}

/** Removes the worktree and its branch: the work is thrown away (the caller confirmed). */
export async function discardTask(
  db: Db,
  paths: HomePaths,
  taskId: string,
  actor: Actor,
): Promise<LandResult> {
  const task = getTask(db, checkedTaskId(taskId));
  guardActor(db, actor, { person: `discard the work of ${task.id}` });
  const worktree = taskWorktree(db, task.id);
  if (!worktree) throw new SwitchyardError('not_found', `${task.id} has no repository worktree`);
  if (task.status === 'running') throw refuse(`${task.id} is running: stop it first`);
  const { branchDeleted } = await removeTaskWorktree(db, paths, task.id, { deleteBranch: true, force: true });
  runInWriteTransaction(db, () => event(db, task, 'discarded', { branch: worktree.branch, by: actor.name }));
  await refreshTaskChanges(db, task.id).catch(() => undefined);
  return {
    taskId: task.id,
    action: 'discard',
    message: branchDeleted
      ? `removed ${worktree.path} and branch ${worktree.branch}`
      : `removed ${worktree.path}; branch ${worktree.branch} was not there (renamed or deleted outside Switchyard), so no branch was deleted`,
    commit: null,
    command: null,
  };
}

/** Pushes the branch and opens a pull request with `gh`; without `gh`, says the exact command. */
export async function pushTask(db: Db, taskId: string): Promise<LandResult> {
  const { task, worktree } = liveWorktree(db, taskId);
  if ((await uncommittedFiles(worktree)).length > 0) await commitTaskChanges(db, task.id);
  const remotes = (await gitLine(worktree.path, ['remote'])).split('\n').filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  if (!remote) throw refuse(`repository ${worktree.repo} has no remote to push to`);
  await runGit(worktree.path, ['push', '-u', remote, `${worktree.branch}:${worktree.branch}`]).catch(
    (error: unknown) => {
      throw refuse(`git push failed: ${(error as Error).message}`);
    },
  );
  const prArgs = [
    'pr',
    'create',
    '--head',
    worktree.branch,
    '--base',
    worktree.baseBranch,
    '--title',
    task.title,
    '--body',
    task.result ?? `Switchyard task ${task.id}`,
  ];
  const quoted = ['gh', ...prArgs]
    .map((part) => (/^[\w./:=-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`))
    .join(' ');
  const gh = findProgram('gh', worktree.path, process.env.PATH);
  if (!gh.ok) {
    return {
      taskId: task.id,
      action: 'push',
      message: `pushed ${worktree.branch} to ${remote}; gh is not installed — open the pull request with:`,
      commit: null,
      command: `cd ${worktree.path} && ${quoted}`,
    };
  }
  const created = await new Promise<string>((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile(gh.path, prArgs, { cwd: worktree.path, encoding: 'utf8' }, (error, stdout, stderr) =>
        error
          ? reject(refuse(`gh pr create failed: ${stderr.split('\n')[0] || error.message}`))
          : resolve(stdout.trim()),
      ),
    );
  });
  return {
    taskId: task.id,
    action: 'push',
    message: `pushed ${worktree.branch}; pull request: ${created}`,
    commit: null,
    command: null,
  };
}

/** "Send back": the task returns to ready with a comment that its next run's prompt includes. */
export function sendBackTask(db: Db, taskId: string, comment: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    guardActor(db, actor, { person: `send ${taskId} back` });
    addComment(db, taskId, comment, actor);
    return moveTask(db, taskId, 'ready', actor).task;
  });
}

/** Lets a held task's children go without a merge (docs/architecture.md §9 "or the review is waived"). */
export function waiveReview(db: Db, taskId: string, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const task = getTask(db, taskId);
    guardActor(db, actor, { person: `waive the review of ${task.id}` });
    if (!taskWorktree(db, task.id))
      throw new SwitchyardError('not_found', `${task.id} has no repository worktree`);
    setReviewWaived(db, task.id, true);
    event(db, task, 'review_waived', { by: actor.name });
    return getTask(db, task.id);
  });
}
