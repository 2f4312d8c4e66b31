import type { Db } from '../store/db/open';
import { originsAwaitingWorktree } from '../store/origins';
import { boardRepository } from '../store/repositories';
import { adoptForeignWork, type AdoptOutcome } from '../workers/adoptedWork';
import { configureBoardRepository } from '../workers/repository';
import { VIBE_KANBAN } from './importVibeKanban';
import { appendAll } from '../../../shared/arrays';

/**
 * docs/architecture.md §9 after an import (git runs here, after the import's transactions): the work other tools
 * left in worktrees and branches becomes the imported tasks' worktrees where it still exists, so
 * the card, the Changes tab and the merge show and land it. Nothing is moved or removed.
 */

export interface AdoptionReport {
  /** Tasks whose worktree (or branch) is now their Switchyard worktree record. */
  adoptedTasks: number;
  /** Boards that now work on the project's repository (Vibe Kanban). */
  boardRepositories: number;
  notes: string[];
}

/** Counts failures by kind and keeps one example each, so a report stays a few lines long. */
class Misses {
  private readonly byKind = new Map<string, { count: number; example: string }>();
  add(kind: string, outcome: Extract<AdoptOutcome, { adopted: false }>): void {
    const entry = this.byKind.get(kind);
    if (entry) entry.count++;
    else this.byKind.set(kind, { count: 1, example: outcome.reason });
  }
  notes(): string[] {
    return [...this.byKind].map(
      ([kind, { count, example }]) => `${kind} not mapped (${count}): e.g. ${example}`,
    );
  }
}

/** `import-hermes`: each Hermes worktree workspace that is still a worktree becomes its task's. */
export async function adoptHermesWorktrees(
  db: Db,
  workspaces: readonly { taskId: string; path: string }[],
): Promise<AdoptionReport> {
  let adopted = 0;
  const misses = new Misses();
  for (const workspace of workspaces) {
    const outcome = await adoptForeignWork(db, {
      taskId: workspace.taskId,
      worktree: workspace.path,
      repo: null,
      branch: null,
      base: null,
    });
    if (outcome.adopted) adopted++;
    else misses.add('worktree workspace', outcome);
  }
  const notes = misses.notes();
  if (adopted > 0)
    notes.unshift(
      `${adopted} worktree workspace(s) → the task's worktree (Changes tab, merge); they stay where Hermes made them`,
    );
  return { adoptedTasks: adopted, boardRepositories: 0, notes };
}

/**
 * `import-vibe-kanban`: a project's repository becomes its board's repository setting (checked
 * like `boards edit --repo`; a board that has one keeps it), and each imported task's newest
 * attempt branch that still exists becomes its worktree (the attempt's folder when it is still there).
 */
export async function adoptVibeKanbanWork(
  db: Db,
  boards: readonly { slug: string; repository: string | null }[],
): Promise<AdoptionReport> {
  const notes: string[] = [];
  let boardRepositories = 0;
  for (const board of boards) {
    if (!board.repository || boardRepository(db, board.slug)) continue;
    try {
      await configureBoardRepository(db, board.slug, { repo: board.repository });
      boardRepositories++;
    } catch (error) {
      notes.push(`board ${board.slug}: repository ${board.repository} not used: ${(error as Error).message}`);
    }
  }
  let adopted = 0;
  const misses = new Misses();
  for (const origin of originsAwaitingWorktree(db, VIBE_KANBAN)) {
    const newestFirst = [...origin.branches].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
    let last: AdoptOutcome | null = null;
    for (const branch of newestFirst) {
      last = await adoptForeignWork(db, {
        taskId: origin.taskId,
        worktree: branch.worktree,
        repo: branch.repo ?? boardRepository(db, origin.board)?.repo ?? null,
        branch: branch.branch,
        base: branch.base,
      });
      if (last.adopted) break;
    }
    if (last?.adopted) adopted++;
    else if (last) misses.add('attempt branch', last);
  }
  appendAll(notes, misses.notes());
  if (adopted > 0) notes.unshift(`${adopted} task(s) show their attempt branch in Changes`);
  return { adoptedTasks: adopted, boardRepositories, notes };
}
