import type {
  AfterMerge,
  BoardRepository,
  ChangeSummary,
  MergeMode,
  TaskWorktreeInfo,
} from '../../../shared/repository';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** docs/architecture.md §9 rows: boards' and lanes' repositories, and each task's worktree. Callers own transactions. */

interface BoardRepositoryRow {
  board: string;
  repo: string;
  base_branch: string;
  merge_mode: MergeMode;
  after_merge: AfterMerge;
}

const boardRepositoryFromRow = (row: BoardRepositoryRow): BoardRepository => ({
  board: row.board,
  repo: row.repo,
  baseBranch: row.base_branch,
  mergeMode: row.merge_mode,
  afterMerge: row.after_merge,
});

export function boardRepository(db: Db, board: string): BoardRepository | null {
  const row = cachedStatement(db, 'SELECT * FROM board_repositories WHERE board = ?').get(board) as
    BoardRepositoryRow | undefined;
  return row ? boardRepositoryFromRow(row) : null;
}

export function writeBoardRepository(db: Db, setting: BoardRepository): void {
  db.prepare(
    `INSERT INTO board_repositories (board, repo, base_branch, merge_mode, after_merge)
     VALUES (@board, @repo, @baseBranch, @mergeMode, @afterMerge)
     ON CONFLICT (board) DO UPDATE SET repo = excluded.repo, base_branch = excluded.base_branch,
       merge_mode = excluded.merge_mode, after_merge = excluded.after_merge`,
  ).run(setting);
}

export function deleteBoardRepository(db: Db, board: string): void {
  db.prepare('DELETE FROM board_repositories WHERE board = ?').run(board);
}

export interface LaneRepository {
  lane: string;
  repo: string;
  baseBranch: string;
}

export function laneRepository(db: Db, lane: string): LaneRepository | null {
  const row = cachedStatement(db, 'SELECT lane, repo, base_branch FROM lane_repositories WHERE lane = ?').get(
    lane,
  ) as { lane: string; repo: string; base_branch: string } | undefined;
  return row ? { lane: row.lane, repo: row.repo, baseBranch: row.base_branch } : null;
}

export function writeLaneRepository(db: Db, setting: LaneRepository): void {
  db.prepare(
    `INSERT INTO lane_repositories (lane, repo, base_branch) VALUES (@lane, @repo, @baseBranch)
     ON CONFLICT (lane) DO UPDATE SET repo = excluded.repo, base_branch = excluded.base_branch`,
  ).run(setting);
}

export function deleteLaneRepository(db: Db, lane: string): void {
  db.prepare('DELETE FROM lane_repositories WHERE lane = ?').run(lane);
}

interface TaskWorktreeRow {
  task_id: string;
  repo: string;
  base_branch: string;
  branch: string;
  path: string;
  base_commit: string;
  hold_children: number;
  created_at: number;
  merged_at: number | null;
  merge_commit: string | null;
  removed_at: number | null;
  review_waived: number;
  changes: string | null;
}

export interface TaskWorktree extends TaskWorktreeInfo {
  holdChildren: boolean;
  createdAt: number;
  changes: ChangeSummary | null;
}

function worktreeFromRow(row: TaskWorktreeRow): TaskWorktree {
  return {
    taskId: row.task_id,
    repo: row.repo,
    baseBranch: row.base_branch,
    branch: row.branch,
    path: row.path,
    baseCommit: row.base_commit,
    holdChildren: row.hold_children === 1,
    createdAt: row.created_at,
    mergedAt: row.merged_at,
    mergeCommit: row.merge_commit,
    removedAt: row.removed_at,
    reviewWaived: row.review_waived === 1,
    changes: row.changes === null ? null : (JSON.parse(row.changes) as ChangeSummary),
  };
}

export function taskWorktree(db: Db, taskId: string): TaskWorktree | null {
  const row = cachedStatement(db, 'SELECT * FROM task_worktrees WHERE task_id = ?').get(taskId) as
    TaskWorktreeRow | undefined;
  return row ? worktreeFromRow(row) : null;
}

export function insertTaskWorktree(
  db: Db,
  row: Pick<
    TaskWorktree,
    'taskId' | 'repo' | 'baseBranch' | 'branch' | 'path' | 'baseCommit' | 'holdChildren'
  >,
  now: number,
): void {
  db.prepare(
    `INSERT INTO task_worktrees (task_id, repo, base_branch, branch, path, base_commit, hold_children, created_at)
     VALUES (@taskId, @repo, @baseBranch, @branch, @path, @baseCommit, @holdChildren, @now)
     ON CONFLICT (task_id) DO UPDATE SET repo = excluded.repo, base_branch = excluded.base_branch,
       branch = excluded.branch, path = excluded.path, base_commit = excluded.base_commit,
       hold_children = excluded.hold_children, removed_at = NULL, merged_at = NULL, merge_commit = NULL`,
  ).run({ ...row, holdChildren: row.holdChildren ? 1 : 0, now });
}

export function writeTaskChanges(db: Db, taskId: string, summary: ChangeSummary): void {
  cachedStatement(db, 'UPDATE task_worktrees SET changes = ? WHERE task_id = ?').run(
    JSON.stringify(summary),
    taskId,
  );
}

export function markTaskMerged(db: Db, taskId: string, commit: string, now: number): void {
  db.prepare('UPDATE task_worktrees SET merged_at = ?, merge_commit = ? WHERE task_id = ?').run(
    now,
    commit,
    taskId,
  );
}

export function markWorktreeRemoved(db: Db, taskId: string, now: number): void {
  db.prepare('UPDATE task_worktrees SET removed_at = ? WHERE task_id = ?').run(now, taskId);
}

export function setReviewWaived(db: Db, taskId: string, waived: boolean): void {
  db.prepare('UPDATE task_worktrees SET review_waived = ? WHERE task_id = ?').run(waived ? 1 : 0, taskId);
}

/** Every worktree Switchyard made, with its task's status and board (null: the task is gone). */
export function allTaskWorktrees(db: Db): (TaskWorktree & { status: string | null; board: string | null })[] {
  const rows = cachedStatement(
    db,
    `SELECT w.*, t.status AS task_status, t.board AS task_board
       FROM task_worktrees w LEFT JOIN tasks t ON t.id = w.task_id ORDER BY w.created_at`,
  ).all() as (TaskWorktreeRow & { task_status: string | null; task_board: string | null })[];
  return rows.map((row) => ({ ...worktreeFromRow(row), status: row.task_status, board: row.task_board }));
}

export interface TaskChangesRow {
  taskId: string;
  board: string;
  assignee: string | null;
  status: string;
  summary: ChangeSummary | null;
  reviewWaived: boolean;
}

/**
 * CROSS JOIN fixes the loop order: worktrees outside, each task found by its key. With a plain JOIN
 * SQLite walked every task of the board (100,000 on "large") looking for a worktree row, even with
 * none at all: 35 ms warm and ~190 ms cold, in the first page load's `boardChanges` call, ahead of
 * its snapshot (performance issue 17, target 7). A board has far fewer worktrees than tasks.
 */
const CHANGES_ROW_SELECT = `SELECT w.task_id, t.board, t.assignee, t.status, w.changes, w.review_waived
  FROM task_worktrees w CROSS JOIN tasks t ON t.id = w.task_id`;

function changesRowFrom(row: {
  task_id: string;
  board: string;
  assignee: string | null;
  status: string;
  changes: string | null;
  review_waived: number;
}): TaskChangesRow {
  return {
    taskId: row.task_id,
    board: row.board,
    assignee: row.assignee,
    status: row.status,
    summary: row.changes === null ? null : (JSON.parse(row.changes) as ChangeSummary),
    reviewWaived: row.review_waived === 1,
  };
}

/**
 * Tasks of a board that have a worktree, with their status and stored change summary. `+t.board`:
 * the board's index must not be used here, or each worktree row searches the board's tasks for its
 * own instead of taking it by id.
 */
export function boardTaskChanges(db: Db, board: string): TaskChangesRow[] {
  const rows = cachedStatement(db, `${CHANGES_ROW_SELECT} WHERE +t.board = ? AND t.status <> 'archived'`).all(
    board,
  ) as Parameters<typeof changesRowFrom>[0][];
  return rows.map(changesRowFrom);
}

/** One task's row of boardTaskChanges (archived tasks included), or null without a worktree. */
export function taskChangesRow(db: Db, taskId: string): TaskChangesRow | null {
  const row = cachedStatement(db, `${CHANGES_ROW_SELECT} WHERE w.task_id = ?`).get(taskId) as
    Parameters<typeof changesRowFrom>[0] | undefined;
  return row ? changesRowFrom(row) : null;
}

/** Running tasks with a live worktree: the ones whose changes are refreshed while they work. */
export function runningTaskWorktreeIds(db: Db): string[] {
  return (
    cachedStatement(
      db,
      `SELECT w.task_id FROM task_worktrees w JOIN tasks t ON t.id = w.task_id
       WHERE t.status = 'running' AND w.removed_at IS NULL`,
    ).all() as { task_id: string }[]
  ).map((row) => row.task_id);
}
