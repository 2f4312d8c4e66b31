import type { Run, RunOutcome } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** One row per attempt at a task (docs/architecture.md §2). */

interface RunRow {
  id: number;
  task_id: string;
  lane: string;
  pid: number | null;
  pid_start_time: string | null;
  started_at: number;
  ended_at: number | null;
  outcome: RunOutcome | null;
  exit_code: number | null;
  signal: string | null;
  summary: string | null;
  error: string | null;
  log_path: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  cost_usd: number | null;
  agent_session: string | null;
  last_message: string | null;
  followup: string | null;
  resumed_session: string | null;
}

function runFromRow(row: RunRow): Run {
  return {
    id: row.id,
    taskId: row.task_id,
    lane: row.lane,
    pid: row.pid,
    pidStartTime: row.pid_start_time,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    outcome: row.outcome,
    exitCode: row.exit_code,
    signal: row.signal,
    summary: row.summary,
    error: row.error,
    logPath: row.log_path,
    tokensIn: row.tokens_in,
    tokensOut: row.tokens_out,
    costUsd: row.cost_usd,
    agentSession: row.agent_session,
    lastMessage: row.last_message,
    followup: row.followup,
    resumedSession: row.resumed_session,
  };
}

export function insertRun(
  db: Db,
  run: { taskId: string; lane: string; logPath: string | null; now: number },
): number {
  return Number(
    cachedStatement(db, 'INSERT INTO runs (task_id, lane, started_at, log_path) VALUES (?, ?, ?, ?)').run(
      run.taskId,
      run.lane,
      run.now,
      run.logPath,
    ).lastInsertRowid,
  );
}

/** Issue 18: the SHA-256 of the secret a run's worker holds (the secret itself is never stored). */
export function setRunSecretHash(db: Db, runId: number, secretHash: string): void {
  cachedStatement(db, 'UPDATE runs SET secret_hash = ? WHERE id = ?').run(secretHash, runId);
}

/** The run whose worker holds the secret with this hash: its id, task and whether it has ended. */
export function findRunBySecretHash(
  db: Db,
  secretHash: string,
): { id: number; taskId: string; endedAt: number | null } | undefined {
  const row = cachedStatement(db, 'SELECT id, task_id, ended_at FROM runs WHERE secret_hash = ?').get(
    secretHash,
  ) as { id: number; task_id: string; ended_at: number | null } | undefined;
  return row && { id: row.id, taskId: row.task_id, endedAt: row.ended_at };
}

export function recordRunProcess(db: Db, runId: number, pid: number, pidStartTime: string | null): void {
  cachedStatement(db, 'UPDATE runs SET pid = ?, pid_start_time = ? WHERE id = ?').run(
    pid,
    pidStartTime,
    runId,
  );
}

export interface RunClosing {
  outcome: RunOutcome;
  exitCode?: number | null;
  signal?: string | null;
  summary?: string | null;
  error?: string | null;
  now: number;
}

/** Closes a run once; a run that is already closed keeps its first outcome. */
export function closeRun(db: Db, runId: number, closing: RunClosing): boolean {
  return (
    cachedStatement(
      db,
      `UPDATE runs SET ended_at = @now, outcome = @outcome, exit_code = @exitCode, signal = @signal,
              summary = @summary, error = @error
       WHERE id = @runId AND ended_at IS NULL`,
    ).run({
      runId,
      now: closing.now,
      outcome: closing.outcome,
      exitCode: closing.exitCode ?? null,
      signal: closing.signal ?? null,
      summary: closing.summary ?? null,
      error: closing.error ?? null,
    }).changes === 1
  );
}

export function findRun(db: Db, runId: number): Run | undefined {
  const row = cachedStatement(db, 'SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
  return row ? runFromRow(row) : undefined;
}

export function latestRun(db: Db, taskId: string): Run | undefined {
  const row = cachedStatement(db, 'SELECT * FROM runs WHERE task_id = ? ORDER BY id DESC LIMIT 1').get(
    taskId,
  ) as RunRow | undefined;
  return row ? runFromRow(row) : undefined;
}

export function runsOf(db: Db, taskId: string): Run[] {
  return (
    cachedStatement(db, 'SELECT * FROM runs WHERE task_id = ? ORDER BY id').all(taskId) as RunRow[]
  ).map(runFromRow);
}

/** Ids of the runs still open: the dispatcher stops a worker whose run someone else closed. */
export function openRunIds(db: Db): Set<number> {
  return new Set(
    (cachedStatement(db, 'SELECT id FROM runs WHERE ended_at IS NULL').all() as { id: number }[]).map(
      (row) => row.id,
    ),
  );
}

export function setRunLogPath(db: Db, runId: number, logPath: string): void {
  cachedStatement(db, 'UPDATE runs SET log_path = ? WHERE id = ?').run(logPath, runId);
}

/**
 * A worker's exit status reaching a run already closed (the worker reported, or a person moved the
 * task): kept beside the closing outcome, without replacing a status recorded first.
 */
export function recordLateExit(db: Db, runId: number, exitCode: number | null, signal: string | null): void {
  db.prepare(
    'UPDATE runs SET exit_code = coalesce(exit_code, ?), signal = coalesce(signal, ?) WHERE id = ?',
  ).run(exitCode, signal, runId);
}

/** A run brought in from another tracker (the Hermes import), closed already. Returns its id. */
export function insertImportedRun(
  db: Db,
  run: {
    taskId: string;
    lane: string;
    pid: number | null;
    startedAt: number;
    endedAt: number;
    outcome: RunOutcome | null;
    summary: string | null;
    error: string | null;
  },
): number {
  return Number(
    cachedStatement(
      db,
      `INSERT INTO runs (task_id, lane, pid, started_at, ended_at, outcome, summary, error)
       VALUES (@taskId, @lane, @pid, @startedAt, @endedAt, @outcome, @summary, @error)`,
    ).run(run).lastInsertRowid,
  );
}

export function openRuns(db: Db): Run[] {
  return (db.prepare('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as RunRow[]).map(
    runFromRow,
  );
}

/** What a structured agent reported about a run so far (docs/architecture.md §10); absent fields are kept. */
export interface RunUsage {
  tokensIn?: number | null;
  tokensOut?: number | null;
  costUsd?: number | null;
  agentSession?: string | null;
  lastMessage?: string | null;
}

export function recordRunUsage(db: Db, runId: number, usage: RunUsage): void {
  db.prepare(
    `UPDATE runs SET tokens_in = coalesce(@tokensIn, tokens_in), tokens_out = coalesce(@tokensOut, tokens_out),
            cost_usd = coalesce(@costUsd, cost_usd), agent_session = coalesce(@agentSession, agent_session),
            last_message = coalesce(@lastMessage, last_message)
     WHERE id = @runId`,
  ).run({
    runId,
    tokensIn: usage.tokensIn ?? null,
    tokensOut: usage.tokensOut ?? null,
    costUsd: usage.costUsd ?? null,
    agentSession: usage.agentSession ?? null,
    lastMessage: usage.lastMessage ?? null,
  });
}

export function setRunFollowup(db: Db, runId: number, text: string): void {
  db.prepare('UPDATE runs SET followup = ? WHERE id = ?').run(text, runId);
}

/** docs/architecture.md §10: the agent session a follow-up run resumed. */
export function setRunResumedSession(db: Db, runId: number, session: string): void {
  db.prepare('UPDATE runs SET resumed_session = ? WHERE id = ?').run(session, runId);
}

/** The session the agent of a task's latest run on `lane` reported (what a follow-up resumes). */
export function lastAgentSession(db: Db, taskId: string, lane: string): string | null {
  const row = db
    .prepare(
      `SELECT agent_session FROM runs WHERE task_id = ? AND lane = ? AND agent_session IS NOT NULL
       ORDER BY id DESC LIMIT 1`,
    )
    .get(taskId, lane) as { agent_session: string } | undefined;
  return row?.agent_session ?? null;
}

/**
 * The follow-up of a task's latest run when that run ended before answering it (crashed, rate
 * limited, timed out, lost …): the retry carries it again. A run that completed, blocked or was
 * stopped by a person has had its say.
 */
export function followupToRetry(db: Db, taskId: string): string | null {
  const row = cachedStatement(
    db,
    'SELECT followup, outcome FROM runs WHERE task_id = ? ORDER BY id DESC LIMIT 1',
  ).get(taskId) as { followup: string | null; outcome: string | null } | undefined;
  if (!row || row.followup === null) return null;
  return row.outcome === 'completed' || row.outcome === 'blocked' || row.outcome === 'stopped'
    ? null
    : row.followup;
}

/** Spend (USD) and tokens of runs started at or after `since`, per lane (null lane: every lane). */
export interface Spend {
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
  runs: number;
}

export function spendSince(db: Db, since: number, lane: string | null, board?: string): Spend {
  const row = db
    .prepare(
      `SELECT coalesce(sum(r.cost_usd), 0) AS costUsd, coalesce(sum(r.tokens_in), 0) AS tokensIn,
              coalesce(sum(r.tokens_out), 0) AS tokensOut, count(*) AS runs
       FROM runs r ${board === undefined ? '' : 'JOIN tasks t ON t.id = r.task_id AND t.board = @board'}
       WHERE r.started_at >= @since AND r.cost_usd IS NOT NULL AND (@lane IS NULL OR r.lane = @lane)`,
    )
    .get({ since, lane, board }) as Spend;
  return row;
}

/** Spend per lane since `since` (one query for the lane view and `switchyard lanes`). */
export function spendByLaneSince(db: Db, since: number): Map<string, number> {
  const rows = db
    .prepare(
      'SELECT lane, sum(cost_usd) AS cost FROM runs WHERE started_at >= ? AND cost_usd IS NOT NULL GROUP BY lane',
    )
    .all(since) as { lane: string; cost: number }[];
  return new Map(rows.map((row) => [row.lane, row.cost]));
}

/** Consecutive rate-limited runs at the end of a task's history (for the retry backoff). */
export function trailingRateLimitedRuns(db: Db, taskId: string): number {
  const outcomes = db
    .prepare('SELECT outcome FROM runs WHERE task_id = ? AND ended_at IS NOT NULL ORDER BY id DESC LIMIT 20')
    .all(taskId) as { outcome: string | null }[];
  let count = 0;
  for (const { outcome } of outcomes) {
    if (outcome !== 'rate_limited') break;
    count += 1;
  }
  return count;
}
