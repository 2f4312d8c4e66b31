import type { RunOutcome, Task } from '../../../shared/domain';
import { promoteChildren } from './taskCommands';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { appendEvent } from '../store/events';
import * as runs from '../store/runs';
import * as tasks from '../store/tasks';

/**
 * What happens to a task when its attempt ends (docs/architecture.md §4.2–4.4): done, or a failure that backs off
 * and, at the failure limit, gives up. Crashes, timeouts and spawn errors all count the same way —
 * a failure that is never counted is how a crash loop is born. Only a worker whose end left no
 * trace at all (recordLost) is not counted: nothing says it failed.
 */

export interface FailurePolicy {
  failureLimit: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export function backoffDelayMs(failureCount: number, policy: FailurePolicy): number {
  // docs/architecture.md §4.2: 10 s × 2^n, at most 10 min; n counts the failures before this one.
  const exponent = Math.max(0, failureCount - 1);
  return Math.min(policy.backoffBaseMs * 2 ** Math.min(exponent, 30), policy.backoffMaxMs);
}

export type FailureKind = Extract<RunOutcome, 'crashed' | 'timed_out' | 'spawn_failed'>;

export type FailureVerdict = { gaveUp: false; nextAttemptAt: number } | { gaveUp: true };

/**
 * Closes the task's run as a failure and moves the task on. Must run inside a write transaction.
 * Returns null when the run had already been closed by someone else (a report, a person).
 */
export function recordFailure(
  db: Db,
  task: Task,
  runId: number,
  failure: {
    kind: FailureKind;
    error: string;
    exitCode?: number | null;
    signal?: string | null;
    /** Retrying cannot help (a planted symlink where the run writes): block now with the reason. */
    permanent?: boolean;
  },
  policy: FailurePolicy,
  now: number,
): FailureVerdict | null {
  if (
    !runs.closeRun(db, runId, {
      outcome: failure.kind,
      exitCode: failure.exitCode,
      signal: failure.signal,
      error: failure.error,
      now,
    })
  ) {
    return null;
  }
  const failureCount = task.failureCount + 1;
  const release: tasks.TaskPatch = {
    ...tasks.CLAIM_RELEASED,
    failureCount,
    lastError: failure.error,
  };
  appendEvent(
    db,
    {
      taskId: task.id,
      board: task.board,
      runId,
      kind: failure.kind,
      payload: { error: failure.error, failureCount },
    },
    now,
  );
  if (failure.permanent || failureCount >= policy.failureLimit) {
    tasks.updateTask(
      db,
      task.id,
      {
        ...release,
        status: 'blocked',
        blockReason: failure.permanent
          ? `refused to start: ${failure.error}`
          : `gave up after ${failureCount} failures: ${failure.error}`,
        nextAttemptAt: null,
      },
      now,
    );
    appendEvent(
      db,
      {
        taskId: task.id,
        board: task.board,
        runId,
        kind: 'gave_up',
        payload: { failureCount, lastError: failure.error },
      },
      now,
    );
    return { gaveUp: true };
  }
  const nextAttemptAt = now + backoffDelayMs(failureCount, policy);
  tasks.updateTask(db, task.id, { ...release, status: 'ready', nextAttemptAt }, now);
  return { gaveUp: false, nextAttemptAt };
}

/**
 * docs/architecture.md §10: the agent exited with one of its profile's retryExitCodes (EX_TEMPFAIL, a rate limit).
 * Back to ready after a backoff that grows with consecutive rate limits — but no failure is counted,
 * so a rate-limited agent never reaches gave_up. Must run inside a write transaction.
 */
export function recordRateLimited(
  db: Db,
  task: Task,
  runId: number,
  exitCode: number,
  policy: FailurePolicy,
  now: number,
): boolean {
  const error = `rate limited (exit ${exitCode})`;
  if (!runs.closeRun(db, runId, { outcome: 'rate_limited', exitCode, error, now })) return false;
  const nextAttemptAt = now + backoffDelayMs(runs.trailingRateLimitedRuns(db, task.id), policy);
  tasks.updateTask(
    db,
    task.id,
    {
      status: 'ready',
      ...tasks.CLAIM_RELEASED,
      nextAttemptAt,
      lastError: error,
    },
    now,
  );
  appendEvent(
    db,
    {
      taskId: task.id,
      board: task.board,
      runId,
      kind: 'rate_limited',
      payload: { exitCode, retryAt: nextAttemptAt },
    },
    now,
  );
  return true;
}

/** A worker finished its work (exit 0 with `completion: exit-code`). */
export function recordSuccess(
  db: Db,
  task: Task,
  runId: number,
  summary: string | null,
  exitCode: number | null,
  now: number,
): boolean {
  if (!runs.closeRun(db, runId, { outcome: 'completed', exitCode, summary, now })) return false;
  tasks.updateTask(
    db,
    task.id,
    {
      status: 'done',
      completedAt: now,
      result: summary ?? task.result,
      ...tasks.CLAIM_RELEASED,
      nextAttemptAt: null,
      skipReason: null,
      skipDetail: null,
    },
    now,
  );
  appendEvent(
    db,
    { taskId: task.id, board: task.board, runId, kind: 'completed', payload: { exitCode, by: 'dispatcher' } },
    now,
  );
  promoteChildren(db, task.id, now);
  return true;
}

/** A worker stopped on request (app quit, a person): back to the queue, not a failure. */
export function recordStopped(db: Db, task: Task, runId: number, now: number): boolean {
  if (!runs.closeRun(db, runId, { outcome: 'stopped', error: 'stopped on request', now })) return false;
  tasks.updateTask(db, task.id, { status: 'ready', ...tasks.CLAIM_RELEASED }, now);
  appendEvent(db, { taskId: task.id, board: task.board, runId, kind: 'stopped', payload: {} }, now);
  return true;
}

/**
 * A worker ended while no dispatcher ran and left no exit status (its waiter died with it: a power
 * loss, the whole group SIGKILLed). Nobody knows whether it failed, and a dispatcher restart is never
 * the task's failure (issue 20): the run is closed as `lost` and the task goes back to ready without
 * counting a failure or waiting for a backoff.
 */
export function recordLost(db: Db, task: Task, runId: number, error: string, now: number): boolean {
  if (!runs.closeRun(db, runId, { outcome: 'lost', error, now })) return false;
  tasks.updateTask(db, task.id, { status: 'ready', ...tasks.CLAIM_RELEASED }, now);
  appendEvent(db, { taskId: task.id, board: task.board, runId, kind: 'lost', payload: { error } }, now);
  return true;
}

export interface ReclaimResult {
  taskId: string;
}

/**
 * docs/architecture.md §4.4: terminal claims expire after their TTL unless renewed. Only claims with an expiry are
 * considered: the dispatcher's own workers hold claims without one, so a live worker is never
 * reclaimed while its process lives.
 */
export function reclaimExpiredClaims(db: Db, now: number): string[] {
  const expired = tasks.expiredClaimTaskIds(db, now);
  if (expired.length === 0) return [];
  return runInWriteTransaction(db, () => {
    const reclaimed: string[] = [];
    for (const id of expired) {
      const task = tasks.findTask(db, id);
      if (!task || task.status !== 'running' || task.claimExpiresAt === null || task.claimExpiresAt >= now)
        continue;
      if (task.currentRunId !== null) {
        runs.closeRun(db, task.currentRunId, {
          outcome: 'reclaimed',
          error: `claim by ${task.claimOwner ?? '?'} expired`,
          now,
        });
      }
      tasks.updateTask(db, id, { status: 'ready', ...tasks.CLAIM_RELEASED }, now);
      appendEvent(
        db,
        {
          taskId: id,
          board: task.board,
          runId: task.currentRunId,
          kind: 'reclaimed',
          payload: { owner: task.claimOwner },
        },
        now,
      );
      reclaimed.push(id);
    }
    return reclaimed;
  });
}

/**
 * docs/architecture.md §9: the task's workspace could not be prepared (git refused: a missing base branch, a
 * branch that exists already …). Retrying would fail the same way, so the task is blocked with
 * git's message, once, instead of looping through backoff. Returns false if the run was closed.
 */
export function recordWorkspaceFailure(
  db: Db,
  task: Task,
  runId: number,
  error: string,
  now: number,
): boolean {
  const reason = `workspace: ${error}`;
  if (!runs.closeRun(db, runId, { outcome: 'spawn_failed', error: reason, now })) return false;
  tasks.updateTask(
    db,
    task.id,
    {
      status: 'blocked',
      blockReason: reason,
      lastError: reason,
      ...tasks.CLAIM_RELEASED,
      nextAttemptAt: null,
    },
    now,
  );
  appendEvent(
    db,
    { taskId: task.id, board: task.board, runId, kind: 'blocked', payload: { reason, by: 'dispatcher' } },
    now,
  );
  return true;
}
