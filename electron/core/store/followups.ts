import type { Db } from './db/open';
import { cachedStatement } from './db/statements';
import { followupToRetry, lastAgentSession, latestRun } from './runs';

/**
 * docs/architecture.md §10 follow-ups waiting for a task's next run: at most one per task (a newer one replaces it).
 * The run that starts takes it over (runs.followup), whoever starts it: the dispatcher or a claim.
 */

export interface PendingFollowup {
  text: string;
  requestedBy: string;
  requestedAt: number;
}

export function setPendingFollowup(db: Db, taskId: string, followup: PendingFollowup): void {
  db.prepare(
    `INSERT INTO task_followups (task_id, text, requested_by, requested_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (task_id) DO UPDATE SET text = excluded.text, requested_by = excluded.requested_by,
       requested_at = excluded.requested_at`,
  ).run(taskId, followup.text, followup.requestedBy, followup.requestedAt);
}

/** The task's waiting follow-up, removed: the caller's run carries it from now on. */
export function takePendingFollowup(db: Db, taskId: string): PendingFollowup | null {
  const row = cachedStatement(
    db,
    'DELETE FROM task_followups WHERE task_id = ? RETURNING text, requested_by AS requestedBy, requested_at AS requestedAt',
  ).get(taskId) as PendingFollowup | undefined;
  return row ?? null;
}

/**
 * The follow-up a task's next run carries: the waiting one, else the one its latest run ended
 * without answering (runs.followupToRetry). Call it before the new run is inserted.
 */
export function followupForNextRun(db: Db, taskId: string): string | null {
  return takePendingFollowup(db, taskId)?.text ?? followupToRetry(db, taskId);
}

/**
 * What a task's next run on `lane` carries (docs/architecture.md §10): the follow-up, and the agent session to resume
 * with it — none when the run before resumed one and crashed (the session may be gone: the retry
 * starts afresh with the follow-up in its prompt rather than failing the same way again). Call it
 * before the run is inserted.
 */
export function nextRunFollowup(
  db: Db,
  taskId: string,
  lane: string,
): { text: string; session: string | null } | null {
  const previous = latestRun(db, taskId);
  const text = followupForNextRun(db, taskId);
  if (text === null) return null;
  const resumeFailed =
    previous !== undefined &&
    previous.resumedSession !== null &&
    (previous.outcome === 'crashed' || previous.outcome === 'spawn_failed');
  return { text, session: resumeFailed ? null : lastAgentSession(db, taskId, lane) };
}
