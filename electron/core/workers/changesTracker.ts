import { needsReview } from '../../../shared/repository';
import type { Db } from '../store/db/open';
import { runningTaskWorktreeIds, taskWorktree } from '../store/repositories';
import { findTask } from '../store/tasks';
import { refreshTaskChanges } from './changes';

/**
 * Keeps the stored change summaries (the card chips, SPEC §9) fresh: every few seconds for tasks
 * whose worker runs in a worktree (throttled: one git pass at a time, never in the tick), and at
 * once when such a task finishes — then says whether it now waits for a review.
 */
export class ChangesTracker {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private readonly queued = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly options: {
      intervalMs: number;
      onReadyToReview: (taskId: string) => void;
      onError: (message: string) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const id of runningTaskWorktreeIds(this.db)) this.queued.add(id);
      this.drain();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** A task with a worktree finished (or changed): recompute its summary soon. */
  taskFinished(taskId: string): void {
    if (!taskWorktree(this.db, taskId)) return;
    this.queued.add(taskId);
    this.drain();
  }

  private drain(): void {
    if (this.busy || this.queued.size === 0) return;
    this.busy = (async () => {
      while (this.queued.size > 0 && this.timer !== null) {
        const [id] = this.queued as Set<string>;
        this.queued.delete(id as string);
        try {
          const summary = await refreshTaskChanges(this.db, id as string);
          const task = findTask(this.db, id as string);
          const waived = taskWorktree(this.db, id as string)?.reviewWaived ?? false;
          if (task && needsReview(task.status, summary, waived)) this.options.onReadyToReview(task.id);
        } catch (error) {
          this.options.onError(`changes of ${id}: ${(error as Error).message}`);
        }
      }
    })().finally(() => {
      this.busy = null;
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.queued.clear();
    await this.busy;
  }
}
