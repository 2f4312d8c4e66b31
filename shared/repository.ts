import { z } from 'zod';

/**
 * docs/architecture.md §9: repositories, worktrees and review. The shapes the core, the CLI and the board share:
 * a board's (or lane's) repository setting and a task's changes against its base branch.
 */

import { AFTER_MERGE, MERGE_MODES } from './constants';

export { AFTER_MERGE, MERGE_MODES, type AfterMerge, type MergeMode } from './constants';

export const mergeModeSchema = z.enum(MERGE_MODES);
export const afterMergeSchema = z.enum(AFTER_MERGE);

/** A git branch name as a person types it; git itself has the last word (check-ref-format). */
export const branchNameSchema = z
  .string()
  .trim()
  .min(1, 'a branch name is required')
  .max(200)
  .refine(
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    (name) => !/[\s~^:?*[\\\u0000-\u001f]|\.\.|@\{|^-|\/$|\.lock$/.test(name),
    'not a valid branch name',
  );

/** An absolute path of a git work tree (spaces and any Unicode allowed; no NUL). */
export const repositoryPathSchema = z
  .string()
  .min(1, 'a repository path is required')
  .max(4096)
  .refine(
    (repo) => repo.startsWith('/') || /^[A-Za-z]:[\\/]/.test(repo),
    'the repository path must be absolute',
  )
  .refine((repo) => !repo.includes('\u0000'), 'the repository path contains a NUL character');

export const boardRepositorySchema = z.object({
  board: z.string(),
  repo: z.string(),
  baseBranch: z.string(),
  mergeMode: mergeModeSchema,
  afterMerge: afterMergeSchema,
});
export type BoardRepository = z.infer<typeof boardRepositorySchema>;

/** What a card shows about a task's work (docs/architecture.md §9 "Changes"); computed in the core, stored per task. */
export const changeSummarySchema = z.object({
  files: z.number().int().nonnegative(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  /** Files changed in the worktree and not committed (tracked changes and new files). */
  uncommittedFiles: z.number().int().nonnegative(),
  /** Commits on the task's branch that are not on base, and the other way round. */
  ahead: z.number().int().nonnegative(),
  behind: z.number().int().nonnegative(),
  /** Files a merge into base would conflict on now (git merge-tree); empty when it would merge. */
  conflicts: z.array(z.string()),
  merged: z.boolean(),
  /** The worktree is gone (merged and removed, or discarded): the figures are the last known. */
  removed: z.boolean(),
  computedAt: z.number(),
  /** Why the figures could not be computed (the worktree vanished, git failed), if so. */
  error: z.string().nullable(),
  /**
   * The base branch's commit the figures were computed against: when base moves on, "behind" and
   * "conflicts with base" are stale and are computed again (absent in summaries stored before).
   */
  baseTip: z.string().nullable().optional(),
});
export type ChangeSummary = z.infer<typeof changeSummarySchema>;

/**
 * A card's changes (docs/architecture.md §9): the stored summary and whether the task waits for a review. The
 * board's chips, its "needs review" filter and the lane view's count all read this one shape.
 */
export const changeCardSchema = z.object({
  taskId: z.string(),
  /** The task's lane (null: Unassigned), for the per-lane "needs review" count. */
  assignee: z.string().nullable(),
  summary: changeSummarySchema.nullable(),
  needsReview: z.boolean(),
});
export type ChangeCard = z.infer<typeof changeCardSchema>;

export const fileChangeSchema = z.object({
  path: z.string(),
  /** The old path of a renamed file. */
  oldPath: z.string().nullable(),
  status: z.enum(['added', 'deleted', 'modified', 'renamed']),
  /** null for a binary file (git counts no lines in one). */
  additions: z.number().int().nonnegative().nullable(),
  deletions: z.number().int().nonnegative().nullable(),
  binary: z.boolean(),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

export const taskWorktreeSchema = z.object({
  taskId: z.string(),
  repo: z.string(),
  baseBranch: z.string(),
  branch: z.string(),
  path: z.string(),
  baseCommit: z.string(),
  mergedAt: z.number().nullable(),
  mergeCommit: z.string().nullable(),
  removedAt: z.number().nullable(),
  reviewWaived: z.boolean(),
});
export type TaskWorktreeInfo = z.infer<typeof taskWorktreeSchema>;

export const taskChangesSchema = z.object({
  worktree: taskWorktreeSchema,
  summary: changeSummarySchema,
  files: z.array(fileChangeSchema),
  /** The unified diff (git's), base's merge base against the worktree; cut at `truncated`. */
  patch: z.string(),
  truncated: z.boolean(),
});
export type TaskChanges = z.infer<typeof taskChangesSchema>;

/** A done task whose changes are not merged, not discarded and not waived: it waits for a person. */
export function needsReview(
  status: string,
  summary: ChangeSummary | null | undefined,
  waived = false,
): boolean {
  return (
    status === 'done' &&
    !waived &&
    summary !== null &&
    summary !== undefined &&
    !summary.merged &&
    !summary.removed &&
    summary.files > 0
  );
}

export const landResultSchema = z.object({
  taskId: z.string(),
  action: z.enum(['merge', 'rebase', 'commit', 'push', 'discard']),
  message: z.string(),
  /** The commit base now points at (merge), the branch's new tip (rebase, commit). */
  commit: z.string().nullable(),
  /** push without `gh`: the command to open the pull request by hand. */
  command: z.string().nullable(),
});
export type LandResult = z.infer<typeof landResultSchema>;
