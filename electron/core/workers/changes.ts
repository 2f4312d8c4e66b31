import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  needsReview,
  type ChangeCard,
  type ChangeSummary,
  type FileChange,
  type TaskChanges,
  type TaskWorktreeInfo,
} from '../../../shared/repository';
import { SwitchyardError } from '../errors';
import { runInWriteTransaction, waitForWriteLock, type Db } from '../store/db/open';
import { appendChangesComputed } from '../store/events';
import {
  boardTaskChanges,
  taskChangesRow,
  taskWorktree,
  writeTaskChanges,
  type TaskChangesRow,
  type TaskWorktree,
} from '../store/repositories';
import { gitLine, gitTest, runGit } from './git';
import { checkedTaskId } from './worktrees';

/**
 * A task's changes (docs/architecture.md §9) = the commits on its branch that are not on base + what is not
 * committed in its worktree, new files included. The worktree's state is snapshotted into a tree
 * through a throw-away index (GIT_INDEX_FILE), so the agent's own index is never touched, and
 * everything after that compares trees: base's merge base → snapshot for the files and the diff,
 * HEAD → snapshot for "uncommitted", and `git merge-tree` of base with the snapshot for conflicts.
 */

/**
 * Copies an index keeping its mtime. Git trusts an entry whose file's stat data still matches
 * unless the file is "racily clean" (changed no earlier than the index file was written, judged by
 * the index file's own mtime), and compares that one's content. A copy with a fresh mtime would
 * make git trust a same-size edit made in the second the worktree was checked out — and hide it
 * from every snapshot while the agent works. Rounded down to the second (exact, and git without
 * USE_NSEC compares seconds): an earlier time only makes git compare the contents of more files,
 * never fewer. No index (none yet): git starts an empty one.
 */
async function copyIndex(indexPath: string, copy: string): Promise<void> {
  const stat = await fs.promises.stat(indexPath).catch(() => null);
  if (!stat) return;
  await fs.promises.copyFile(indexPath, copy);
  const written = Math.floor(stat.mtimeMs / 1000);
  await fs.promises.utimes(copy, written, written);
}

/** The worktree's current content (tracked and new files) as a tree object, and whether it differs from HEAD. */
export async function snapshotTree(
  worktree: TaskWorktree,
): Promise<{ tree: string; head: string; headTree: string }> {
  const cwd = worktree.path;
  const indexPath = path.resolve(cwd, await gitLine(cwd, ['rev-parse', '--git-path', 'index']));
  const temporary = path.join(os.tmpdir(), `switchyard-index-${randomBytes(6).toString('hex')}`);
  try {
    await copyIndex(indexPath, temporary);
    const env = { GIT_INDEX_FILE: temporary };
    await runGit(cwd, ['add', '-A'], { env });
    const tree = await gitLine(cwd, ['write-tree'], { env });
    const head = await gitLine(cwd, ['rev-parse', 'HEAD']);
    const headTree = await gitLine(cwd, ['rev-parse', 'HEAD^{tree}']);
    return { tree, head, headTree };
  } finally {
    await fs.promises.rm(temporary, { force: true });
  }
}

function parseNameStatus(
  output: string,
): Map<string, { status: FileChange['status']; oldPath: string | null }> {
  const parts = output.split('\0');
  const result = new Map<string, { status: FileChange['status']; oldPath: string | null }>();
  for (let index = 0; index < parts.length - 1;) {
    const code = parts[index++] as string;
    if (!code) continue;
    if (code.startsWith('R') || code.startsWith('C')) {
      const oldPath = parts[index++] as string;
      const newPath = parts[index++] as string;
      result.set(newPath, { status: code.startsWith('R') ? 'renamed' : 'added', oldPath });
    } else {
      const file = parts[index++] as string;
      result.set(file, {
        status: code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified',
        oldPath: null,
      });
    }
  }
  return result;
}

/** `git diff-tree --numstat -z`: "A\tD\tpath\0", or for a rename "A\tD\t\0old\0new\0"; binary: "-\t-". */
function parseNumstat(output: string): Map<string, { additions: number | null; deletions: number | null }> {
  const parts = output.split('\0');
  const result = new Map<string, { additions: number | null; deletions: number | null }>();
  for (let index = 0; index < parts.length;) {
    const head = parts[index++] as string;
    if (!head) continue;
    const [adds, dels, file] = head.split('\t');
    let target = file ?? '';
    if (target === '') {
      index++; // the old path of a rename
      target = parts[index++] as string;
    }
    result.set(target, {
      additions: adds === '-' ? null : Number(adds),
      deletions: dels === '-' ? null : Number(dels),
    });
  }
  return result;
}

async function fileChanges(cwd: string, from: string, to: string): Promise<FileChange[]> {
  const [names, counts] = await Promise.all([
    runGit(cwd, ['diff-tree', '-r', '-M', '--name-status', '-z', from, to]),
    runGit(cwd, ['diff-tree', '-r', '-M', '--numstat', '-z', from, to]),
  ]);
  const statuses = parseNameStatus(names.stdout);
  const numbers = parseNumstat(counts.stdout);
  return [...statuses].map(([file, state]) => {
    const count = numbers.get(file) ?? { additions: 0, deletions: 0 };
    return {
      path: file,
      oldPath: state.oldPath,
      status: state.status,
      additions: count.additions,
      deletions: count.deletions,
      binary: count.additions === null,
    };
  });
}

/** Files a merge of `tip` into base would conflict on now (empty: it merges cleanly). */
export async function conflictsWithBase(cwd: string, baseBranch: string, tip: string): Promise<string[]> {
  const check = await runGit(
    cwd,
    ['merge-tree', '--write-tree', '--name-only', '--no-messages', `refs/heads/${baseBranch}`, tip],
    { okExitCodes: [1] },
  );
  if (check.exitCode === 0) return [];
  // First line: the (conflicted) tree; then one conflicted file per line.
  return [...new Set(check.stdout.split('\n').slice(1).filter(Boolean))];
}

const PATCH_LIMIT_BYTES = 48 * 1024 * 1024;

interface Computed {
  summary: ChangeSummary;
  files: FileChange[];
  patch: string;
  truncated: boolean;
}

/**
 * Work left as a branch only (another tool's worktree folder is gone, or the folder was deleted
 * by hand): its tip's tree stands for the work, with nothing uncommitted.
 */
export async function branchOnly(worktree: TaskWorktreeInfo): Promise<boolean> {
  if (worktree.removedAt !== null || worktree.mergedAt !== null) return false;
  if ((worktree.path && fs.existsSync(worktree.path)) || !fs.existsSync(worktree.repo)) return false;
  return gitTest(worktree.repo, [
    'rev-parse',
    '--verify',
    '--quiet',
    `refs/heads/${worktree.branch}^{commit}`,
  ]);
}

async function branchTree(worktree: TaskWorktree): Promise<{ tree: string; head: string; headTree: string }> {
  const head = await gitLine(worktree.repo, ['rev-parse', `refs/heads/${worktree.branch}`]);
  const tree = await gitLine(worktree.repo, ['rev-parse', `${head}^{tree}`]);
  return { tree, head, headTree: tree };
}

async function compute(worktree: TaskWorktree, withPatch: boolean): Promise<Computed> {
  const now = Date.now();
  const merged = worktree.mergedAt !== null;
  const onlyBranch = await branchOnly(worktree);
  if (!onlyBranch && (worktree.removedAt !== null || !worktree.path || !fs.existsSync(worktree.path))) {
    const last = worktree.changes;
    return {
      summary: {
        ...(last ?? emptySummary(now)),
        merged: merged || (last?.merged ?? false),
        removed: true,
        computedAt: now,
        error: null,
      },
      files: [],
      patch: '',
      truncated: false,
    };
  }
  const cwd = onlyBranch ? worktree.repo : worktree.path;
  const base = `refs/heads/${worktree.baseBranch}`;
  const { tree, head, headTree } = onlyBranch ? await branchTree(worktree) : await snapshotTree(worktree);
  const [mergeBase, baseTip] = await Promise.all([
    gitLine(cwd, ['merge-base', base, head]),
    gitLine(cwd, ['rev-parse', base]),
  ]);
  const [files, counts, uncommitted] = await Promise.all([
    fileChanges(cwd, mergeBase, tree),
    gitLine(cwd, ['rev-list', '--left-right', '--count', `${base}...${head}`]),
    tree === headTree
      ? Promise.resolve('')
      : runGit(cwd, ['diff-tree', '-r', '--name-only', '-z', headTree, tree]).then((r) => r.stdout),
  ]);
  const [behind, ahead] = counts.split(/\s+/).map(Number) as [number, number];
  const uncommittedFiles = uncommitted.split('\0').filter(Boolean).length;
  let tip = head;
  if (uncommittedFiles > 0) {
    // A commit object only (no branch moves): the conflict check must include uncommitted work.
    tip = await gitLine(cwd, ['commit-tree', tree, '-p', head, '-m', 'switchyard: uncommitted changes'], {
      env: committerEnv(),
    });
  }
  const conflicts =
    behind > 0 && (ahead > 0 || uncommittedFiles > 0)
      ? await conflictsWithBase(cwd, worktree.baseBranch, tip)
      : [];
  const landedOutside =
    !merged &&
    ahead === 0 &&
    uncommittedFiles === 0 &&
    head !== worktree.baseCommit &&
    (await gitTest(cwd, ['merge-base', '--is-ancestor', head, base]));
  let patch = '';
  let truncated = false;
  if (withPatch && files.length > 0) {
    const diff = await runGit(
      cwd,
      ['diff-tree', '-r', '-M', '-p', '--no-color', '--no-ext-diff', mergeBase, tree],
      {
        maxBuffer: PATCH_LIMIT_BYTES * 2,
      },
    );
    patch = diff.stdout;
    if (patch.length > PATCH_LIMIT_BYTES) {
      patch = patch.slice(0, patch.lastIndexOf('\ndiff --git ', PATCH_LIMIT_BYTES) + 1);
      truncated = true;
    }
  }
  const summary: ChangeSummary = {
    files: files.length,
    additions: files.reduce((sum, file) => sum + (file.additions ?? 0), 0),
    deletions: files.reduce((sum, file) => sum + (file.deletions ?? 0), 0),
    uncommittedFiles,
    ahead,
    behind,
    conflicts,
    merged: merged || landedOutside,
    removed: false,
    computedAt: now,
    error: null,
    baseTip,
  };
  return { summary, files, patch, truncated };
}

function emptySummary(now: number): ChangeSummary {
  return {
    files: 0,
    additions: 0,
    deletions: 0,
    uncommittedFiles: 0,
    ahead: 0,
    behind: 0,
    conflicts: [],
    merged: false,
    removed: false,
    computedAt: now,
    error: null,
  };
}

/** Commits Switchyard makes itself (a snapshot, a squash) need an identity even where none is set. */
export function committerEnv(): Record<string, string> {
  const fallback = (name: string, value: string): Record<string, string> =>
    process.env[name] ? {} : { [name]: value };
  return {
    ...fallback('GIT_AUTHOR_NAME', 'Switchyard'),
    ...fallback('GIT_AUTHOR_EMAIL', 'switchyard@localhost'),
    ...fallback('GIT_COMMITTER_NAME', 'Switchyard'),
    ...fallback('GIT_COMMITTER_EMAIL', 'switchyard@localhost'),
  };
}

function requireWorktree(db: Db, taskId: string): TaskWorktree {
  const worktree = taskWorktree(db, checkedTaskId(taskId));
  if (!worktree) throw new SwitchyardError('not_found', `${taskId} has no repository worktree`);
  return worktree;
}

/** Recomputes a task's change summary and stores it (what the card shows). */
export async function refreshTaskChanges(db: Db, taskId: string): Promise<ChangeSummary> {
  const worktree = requireWorktree(db, taskId);
  let summary: ChangeSummary;
  try {
    summary = (await compute(worktree, false)).summary;
  } catch (error) {
    summary = {
      ...(worktree.changes ?? emptySummary(Date.now())),
      error: (error as Error).message,
      computedAt: Date.now(),
    };
  }
  await waitForWriteLock(db); // another process's lock is waited out on a timer (issue 18)
  runInWriteTransaction(db, () => writeTaskChanges(db, taskId, summary));
  return summary;
}

/**
 * The drawer's Changes tab: summary, files and the unified diff, fresh; the summary is stored too.
 * When that changes what the card shows (base moved and the drawer looked first), it is announced
 * in the log like the tracker's passes: the tracker, finding figures already computed for the new
 * base tip, would not look again, and the card kept its old chips.
 */
export async function taskChanges(db: Db, taskId: string): Promise<TaskChanges> {
  const worktree = requireWorktree(db, taskId);
  const computed = await compute(worktree, true);
  await waitForWriteLock(db);
  runInWriteTransaction(db, () => {
    const before = taskChangeCard(db, taskId);
    writeTaskChanges(db, taskId, computed.summary);
    const after = taskChangeCard(db, taskId);
    if (after && changeCardKey(after.card) !== (before && changeCardKey(before.card)))
      appendChangesComputed(db, [taskId], Date.now());
  });
  const { holdChildren: _hold, createdAt: _created, changes: _changes, ...info } = worktree;
  return { worktree: info, ...computed };
}

/**
 * What a card shows of a task's changes (docs/architecture.md §9), from the summary the drawer's computation
 * stored: the one mapping the board's chips, its "needs review" filter and the lane counts read.
 */
export function changeCardOf(row: TaskChangesRow): ChangeCard {
  return {
    taskId: row.taskId,
    assignee: row.assignee,
    summary: row.summary,
    needsReview: needsReview(row.status, row.summary, row.reviewWaived),
  };
}

/** Every card of a board with a worktree (archived tasks are not on the board). */
export function boardChangeCards(db: Db, board: string): ChangeCard[] {
  return boardTaskChanges(db, board).map(changeCardOf);
}

/** What a card shows, for telling whether it changed: its summary without the time it was computed. */
export function changeCardKey(card: ChangeCard): string {
  return JSON.stringify({ ...card, summary: card.summary && { ...card.summary, computedAt: 0 } });
}

/** One task's card changes and its board, or null when it has no worktree. */
export function taskChangeCard(db: Db, taskId: string): { board: string; card: ChangeCard } | null {
  const row = taskChangesRow(db, taskId);
  return row ? { board: row.board, card: changeCardOf(row) } : null;
}
