import fs from 'node:fs';
import path from 'node:path';
import { SwitchyardError, invalidInput } from '../errors';
import type { AfterMerge, BoardRepository, MergeMode } from '../../../shared/repository';
import { findBoard } from '../store/boards';
import { runInWriteTransaction, type Db } from '../store/db/open';
import {
  boardRepository,
  deleteBoardRepository,
  deleteLaneRepository,
  laneRepository,
  writeBoardRepository,
  writeLaneRepository,
  type LaneRepository,
} from '../store/repositories';
import { GitError, gitLine, gitTest, runGit } from './git';

/**
 * docs/architecture.md §9: which repository and base branch a task works on, and checks of a repository a person
 * names (a board's `--repo`): one clear line for every way it can be wrong, nothing created.
 */

export interface RepositoryChoice {
  repo: string;
  baseBranch: string;
}

/** A checked repository: its work tree's top folder and a base branch that exists in it. */
export async function checkRepository(given: string, base?: string): Promise<RepositoryChoice> {
  if (!path.isAbsolute(given)) throw invalidInput(`repository ${given}: the path must be absolute`);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(given);
  } catch {
    throw invalidInput(`repository ${given} does not exist`);
  }
  if (!stat.isDirectory()) throw invalidInput(`repository ${given} is not a directory`);
  let facts: string[];
  try {
    facts = (await gitLine(given, ['rev-parse', '--is-bare-repository', '--show-toplevel'])).split('\n');
  } catch (error) {
    if (error instanceof GitError && /not a git repository/i.test(error.message))
      throw invalidInput(`${given} is not a git repository`);
    // A bare repository has no top level: rev-parse says "this operation must be run in a work tree".
    if (error instanceof GitError && /work tree/i.test(error.message))
      throw invalidInput(`${given} is a bare repository: Switchyard needs a repository with a work tree`);
    throw invalidInput(`${given}: ${(error as Error).message}`);
  }
  if (facts[0] === 'true')
    throw invalidInput(`${given} is a bare repository: Switchyard needs a repository with a work tree`);
  const top = facts[1] ?? given;
  if (base !== undefined) {
    if (!(await gitTest(top, ['check-ref-format', '--branch', base])))
      throw invalidInput(`"${base}" is not a valid branch name`);
    if (!(await gitTest(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${base}^{commit}`])))
      throw invalidInput(`repository ${top} has no branch "${base}"`);
    return { repo: top, baseBranch: base };
  }
  const current = await runGit(top, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
  const branch = current.stdout.trim();
  if (current.exitCode !== 0 || !branch)
    throw invalidInput(`repository ${top} has no branch checked out: name the base with --base BRANCH`);
  if (!(await gitTest(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])))
    throw invalidInput(`repository ${top}: branch "${branch}" has no commit yet`);
  return { repo: top, baseBranch: branch };
}

/**
 * The one answer to "which repository does this task work on" (docs/architecture.md §9): its lane's override,
 * else its board's; `worktree:<repo>` (set by hand or by import) names the repository itself, on
 * the board's base branch when it is the board's repository, else on the repository's HEAD branch.
 */
export async function repositoryForTask(
  db: Db,
  task: { board: string; assignee: string | null; workspace: string },
): Promise<RepositoryChoice> {
  const board = boardRepository(db, task.board);
  const lane = task.assignee ? laneRepository(db, task.assignee) : null;
  if (task.workspace === 'repo') {
    const chosen = lane ?? board;
    if (!chosen)
      throw new SwitchyardError('invalid_input', `board "${task.board}" has no repository any more`);
    return { repo: chosen.repo, baseBranch: chosen.baseBranch };
  }
  if (task.workspace.startsWith('worktree:')) {
    const repo = task.workspace.slice('worktree:'.length);
    for (const setting of [lane, board]) {
      if (setting && path.resolve(setting.repo) === path.resolve(repo))
        return { repo: setting.repo, baseBranch: setting.baseBranch };
    }
    return checkRepository(repo);
  }
  throw invalidInput(`workspace "${task.workspace}" is not a repository workspace`);
}

export const isRepositoryWorkspace = (spec: string): boolean =>
  spec === 'repo' || spec.startsWith('worktree:');

/** A branch-name piece of a title: lowercase ASCII words joined by "-", at most 40 characters. */
export function titleSlug(title: string): string {
  return title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

export function branchForTask(task: { id: string; title: string }): string {
  const slug = titleSlug(task.title);
  return slug ? `switchyard/${task.id}-${slug}` : `switchyard/${task.id}`;
}

export interface BoardRepositoryPatch {
  /** A repository path (checked), or null to stop using one. */
  repo?: string | null;
  base?: string;
  mergeMode?: MergeMode;
  afterMerge?: AfterMerge;
}

/**
 * `boards create --repo`, `boards edit` and the board settings form: everything is checked
 * (git included) before anything is written, so bad input changes nothing.
 */
export async function configureBoardRepository(
  db: Db,
  board: string,
  patch: BoardRepositoryPatch,
): Promise<BoardRepository | null> {
  if (!findBoard(db, board)) throw new SwitchyardError('not_found', `no board "${board}"`);
  const current = boardRepository(db, board);
  if (patch.repo === null) {
    runInWriteTransaction(db, () => deleteBoardRepository(db, board));
    return null;
  }
  const repoPath = patch.repo ?? current?.repo;
  if (!repoPath) throw invalidInput(`board "${board}" has no repository: give one with --repo PATH`);
  const checked = await checkRepository(
    repoPath,
    patch.base ?? (patch.repo === undefined ? current?.baseBranch : undefined),
  );
  const setting: BoardRepository = {
    board,
    repo: checked.repo,
    baseBranch: checked.baseBranch,
    mergeMode: patch.mergeMode ?? current?.mergeMode ?? 'merge',
    afterMerge: patch.afterMerge ?? current?.afterMerge ?? 'remove',
  };
  runInWriteTransaction(db, () => writeBoardRepository(db, setting));
  return setting;
}

/** A lane's own repository (docs/architecture.md §9: a lane may override its board's); null clears it. */
export async function configureLaneRepository(
  db: Db,
  lane: string,
  repo: string | null,
  base?: string,
): Promise<LaneRepository | null> {
  if (repo === null) {
    runInWriteTransaction(db, () => deleteLaneRepository(db, lane));
    return null;
  }
  const checked = await checkRepository(repo, base);
  const setting = { lane, repo: checked.repo, baseBranch: checked.baseBranch };
  runInWriteTransaction(db, () => writeLaneRepository(db, setting));
  return setting;
}
