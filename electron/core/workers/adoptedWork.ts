import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db/open';
import { runInWriteTransaction } from '../store/db/open';
import { insertTaskWorktree, taskWorktree } from '../store/repositories';
import { updateTask } from '../store/tasks';
import { gitLine, gitTest, runGit } from './git';
import { checkRepository } from './repository';

/**
 * docs/architecture.md §9 for work another tool made (a Hermes worktree workspace, a Vibe Kanban attempt): its
 * worktree, or only its branch, becomes the task's worktree record, so the Changes tab, the card
 * and the merge work on it. The folder stays where that tool made it and is never removed
 * (removeTaskWorktree touches only workspaces/<task>); a later run of the task works in it.
 */

export interface ForeignWork {
  taskId: string;
  /** The worktree folder the other tool made (it may be gone). */
  worktree: string | null;
  /** The repository and branch, when the source knew them (else read from the worktree). */
  repo: string | null;
  branch: string | null;
  /** The branch the work is based on / targets, when the source knew it. */
  base: string | null;
}

export type AdoptOutcome = { adopted: true; repo: string } | { adopted: false; reason: string };

async function isDirectory(folder: string | null): Promise<boolean> {
  if (!folder || !path.isAbsolute(folder)) return false;
  return fs.promises.stat(folder).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
}

/** The repository (main work tree) and checked-out branch of a linked worktree folder. */
async function worktreeFacts(folder: string): Promise<{ repo: string; branch: string } | null> {
  try {
    const [common, branch] = await Promise.all([
      gitLine(folder, ['rev-parse', '--path-format=absolute', '--git-common-dir']),
      gitLine(folder, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    ]);
    // A repository's common dir is <repo>/.git; anything else (a bare repository) has no work tree.
    if (path.basename(common) !== '.git' || !branch) return null;
    return { repo: path.dirname(common), branch };
  } catch {
    return null;
  }
}

/** Records foreign work as the task's worktree (once: a task that has a record keeps it). */
export async function adoptForeignWork(db: Db, work: ForeignWork): Promise<AdoptOutcome> {
  if (taskWorktree(db, work.taskId)) return { adopted: false, reason: 'already has a worktree' };
  const facts = (await isDirectory(work.worktree)) ? await worktreeFacts(work.worktree as string) : null;
  const repoGiven = facts?.repo ?? work.repo;
  const branch = facts?.branch ?? work.branch;
  if (!repoGiven || !branch) return { adopted: false, reason: 'no worktree or branch left to show' };
  let repo: string;
  let baseBranch: string;
  try {
    const base = work.base?.replace(/^refs\/heads\//, '').replace(/^origin\//, '') || undefined;
    const checked = await checkRepository(repoGiven, base).catch(() => checkRepository(repoGiven));
    repo = checked.repo;
    baseBranch = checked.baseBranch;
  } catch (error) {
    return { adopted: false, reason: (error as Error).message };
  }
  if (!(await gitTest(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])))
    return { adopted: false, reason: `branch ${branch} no longer exists in ${repo}` };
  if (branch === baseBranch) return { adopted: false, reason: `the work is on the base branch ${branch}` };
  const mergeBase = await runGit(repo, ['merge-base', `refs/heads/${baseBranch}`, `refs/heads/${branch}`], {
    okExitCodes: [1],
  });
  const baseCommit = mergeBase.stdout.trim();
  if (!baseCommit) return { adopted: false, reason: `branch ${branch} shares no history with ${baseBranch}` };
  runInWriteTransaction(db, () => {
    insertTaskWorktree(
      db,
      {
        taskId: work.taskId,
        repo,
        baseBranch,
        branch,
        // Where the other tool's worktree is (or was): a missing folder means "branch only".
        path: facts ? (work.worktree as string) : (work.worktree ?? ''),
        baseCommit,
        holdChildren: false,
      },
      Date.now(),
    );
    updateTask(db, work.taskId, { workspace: `worktree:${repo}` }, Date.now());
  });
  return { adopted: true, repo };
}
