import { needsReview } from '../../../shared/repository';
import type { HomePaths } from '../config/home';
import type { Db } from '../store/db/open';
import {
  allTaskWorktrees,
  boardRepository,
  runningTaskWorktreeIds,
  taskWorktree,
} from '../store/repositories';
import { findTask } from '../store/tasks';
import { changeCardKey, refreshTaskChanges, taskChangeCard } from './changes';
import { gitLine } from './git';
import { isOwnWorktree, removeTaskWorktree } from './worktrees';

export interface ChangesTrackerOptions {
  paths: HomePaths;
  intervalMs: number;
  /** Tasks whose card figures (or "needs review") changed since this tracker last said. */
  onChanged: (taskIds: string[]) => void;
  /** A task just started to wait for a review (said once per wait, also across restarts). */
  onReadyToReview: (taskId: string) => void;
  onError: (message: string) => void;
}

/**
 * Keeps the stored change summaries (the card chips, docs/architecture.md §9) fresh, off the tick and one git
 * pass at a time: every few seconds for tasks whose worker runs in a worktree (throttled), at once
 * when a task finishes, moves or is merged, rebased, committed or discarded (by anyone: the event
 * log says so), and for every live worktree whose base branch moved on since its figures were
 * computed (conflicts with base are never cached forever). An archived task's worktree is removed
 * when its board says "remove" (docs/architecture.md §9 cleanup); git refuses one with uncommitted work, and
 * its branch is kept, so nothing is lost.
 */
export class ChangesTracker {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private readonly queued = new Set<string>();
  private readonly archived = new Set<string>();
  private checkBases = false;
  /** What each task's card last showed (its summary without the time, and "needs review"). */
  private readonly shown = new Map<string, string>();
  /** Tasks known to wait for a review: "ready to review" is said when a task joins. */
  private awaitingReview = new Set<string>();
  /** The base tip each task was last recomputed for because base moved (one try per tip). */
  private readonly triedTip = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly options: ChangesTrackerOptions,
  ) {}

  start(): void {
    // Tasks that already waited before a restart are not announced again.
    this.awaitingReview = new Set(
      allTaskWorktrees(this.db)
        .filter((row) => row.status !== null && needsReview(row.status, row.changes, row.reviewWaived))
        .map((row) => row.taskId),
    );
    this.timer = setInterval(() => {
      for (const id of runningTaskWorktreeIds(this.db)) this.queued.add(id);
      this.checkBases = true;
      this.drain();
    }, this.options.intervalMs);
    this.timer.unref();
    this.checkBases = true;
    this.drain();
  }

  /** A task with a worktree finished, moved or had its changes landed: recompute its card soon. */
  taskChanged(taskId: string): void {
    if (!taskWorktree(this.db, taskId)) return;
    this.queued.add(taskId);
    this.drain();
  }

  /** A task was archived: its worktree goes when the board's setting says "remove". */
  taskArchived(taskId: string): void {
    if (!taskWorktree(this.db, taskId)) return;
    this.archived.add(taskId);
    this.drain();
  }

  private pending(): boolean {
    return this.checkBases || this.queued.size > 0 || this.archived.size > 0;
  }

  private drain(): void {
    if (this.busy || this.timer === null || !this.pending()) return;
    this.busy = (async () => {
      while (this.timer !== null && this.pending()) {
        if (this.checkBases) {
          this.checkBases = false;
          await this.queueWhereBaseMoved();
          continue;
        }
        const [archived] = this.archived;
        if (archived !== undefined) {
          this.archived.delete(archived);
          await this.removeArchivedWorktree(archived);
          continue;
        }
        const [id] = this.queued as Set<string>;
        this.queued.delete(id as string);
        await this.refresh(id as string);
      }
    })().finally(() => {
      this.busy = null;
      this.drain();
    });
  }

  private async refresh(taskId: string): Promise<void> {
    try {
      await refreshTaskChanges(this.db, taskId);
    } catch (error) {
      this.options.onError(`changes of ${taskId}: ${(error as Error).message}`);
      return;
    }
    const found = taskChangeCard(this.db, taskId);
    if (!found) return;
    const { card } = found;
    const shown = changeCardKey(card);
    if (this.shown.get(taskId) !== shown) {
      this.shown.set(taskId, shown);
      this.options.onChanged([taskId]);
    }
    if (!card.needsReview) this.awaitingReview.delete(taskId);
    else if (!this.awaitingReview.has(taskId)) {
      this.awaitingReview.add(taskId);
      this.options.onReadyToReview(taskId);
    }
  }

  /** Queues every live worktree whose figures were computed against another tip of its base. */
  private async queueWhereBaseMoved(): Promise<void> {
    const tips = new Map<string, string | null>();
    for (const row of allTaskWorktrees(this.db)) {
      if (row.removedAt !== null || row.mergedAt !== null || row.status === null) continue;
      if (row.status === 'archived' || row.changes?.removed) continue;
      const key = `${row.repo}\0${row.baseBranch}`;
      if (!tips.has(key)) {
        tips.set(
          key,
          await gitLine(row.repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${row.baseBranch}`]).catch(
            () => null,
          ),
        );
      }
      const tip = tips.get(key);
      // A summary that could not be computed keeps its old tip: it is tried once per new tip.
      if (!tip || row.changes?.baseTip === tip || this.triedTip.get(row.taskId) === tip) continue;
      this.triedTip.set(row.taskId, tip);
      this.queued.add(row.taskId);
    }
  }

  private async removeArchivedWorktree(taskId: string): Promise<void> {
    const worktree = taskWorktree(this.db, taskId);
    const task = findTask(this.db, taskId);
    if (!worktree || worktree.removedAt !== null || task?.status !== 'archived') return;
    if (!isOwnWorktree(this.options.paths, worktree)) return; // another tool's folder: never ours to remove
    if ((boardRepository(this.db, task.board)?.afterMerge ?? 'remove') !== 'remove') return;
    try {
      await removeTaskWorktree(this.db, this.options.paths, taskId, { deleteBranch: false, force: false });
      await this.refresh(taskId);
    } catch (error) {
      this.options.onError(`kept the worktree of archived ${taskId}: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.queued.clear();
    this.archived.clear();
    await this.busy;
  }
}
