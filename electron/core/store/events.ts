import type { EventKind, TaskEvent } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** The append-only event log. Its ids are monotonic, so readers follow it with a cursor. */

interface EventRow {
  id: number;
  task_id: string | null;
  run_id: number | null;
  board: string | null;
  kind: EventKind;
  payload: string;
  created_at: number;
}

export interface NewEvent {
  taskId: string | null;
  board: string | null;
  kind: EventKind;
  runId?: number | null;
  payload?: Record<string, unknown>;
}

/** An event's column values in the order of the events INSERTs below. */
function eventValues(event: NewEvent, now: number): unknown[] {
  return [
    event.taskId,
    event.runId ?? null,
    event.board,
    event.kind,
    JSON.stringify(event.payload ?? {}),
    now,
  ];
}

export function appendEvent(db: Db, event: NewEvent, now: number): number {
  return Number(
    cachedStatement(
      db,
      'INSERT INTO events (task_id, run_id, board, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(...eventValues(event, now)).lastInsertRowid,
  );
}

/**
 * Many events in one statement, in order (a bulk writer: the Hermes import's 500 tasks of history
 * at a time, instead of a statement per event). Each gets the id `appendEvent` would have given it.
 */
export function appendEvents(db: Db, events: readonly { event: NewEvent; now: number }[]): void {
  if (events.length === 0) return;
  cachedStatement(
    db,
    `INSERT INTO events (task_id, run_id, board, kind, payload, created_at)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
     FROM json_each(?) ORDER BY key`,
  ).run(JSON.stringify(events.map(({ event, now }) => eventValues(event, now))));
}

/** Task ids per `skips_changed` row: a resume that re-evaluates 20,000 tasks writes 10 rows. */
export const SKIPS_PER_EVENT = 2_000;

/**
 * docs/architecture.md §4.6: the tasks whose stored skip reason just changed, as log rows. The ids
 * travel as one comma-separated string, not a JSON array: every reader of the log parses every
 * payload, and one string of 2,000 ids parses several times faster than 2,000 strings (task ids
 * never contain a comma: `t_` + 8 hex).
 */
export function appendSkipsChanged(db: Db, taskIds: readonly string[], now: number): void {
  for (let at = 0; at < taskIds.length; at += SKIPS_PER_EVENT) {
    const batch = taskIds.slice(at, at + SKIPS_PER_EVENT);
    appendEvent(
      db,
      {
        taskId: null,
        board: null,
        kind: 'skips_changed',
        payload: { count: batch.length, taskIds: batch.join(',') },
      },
      now,
    );
  }
}

/** The task ids a `skips_changed` row names (none for any other row). */
export function skipsChangedIds(event: Pick<TaskEvent, 'kind' | 'payload'>): string[] {
  return event.kind === 'skips_changed' ? listedTaskIds(event) : [];
}

/** docs/architecture.md §9: tasks whose card figures the changes tracker computed anew, as one log row. */
export function appendChangesComputed(db: Db, taskIds: readonly string[], now: number): void {
  if (taskIds.length === 0) return;
  appendEvent(
    db,
    {
      taskId: null,
      board: null,
      kind: 'changes_computed',
      payload: { count: taskIds.length, taskIds: taskIds.join(',') },
    },
    now,
  );
}

/** The task ids a `changes_computed` row names (none for any other row). */
export function changesComputedIds(event: Pick<TaskEvent, 'kind' | 'payload'>): string[] {
  return event.kind === 'changes_computed' ? listedTaskIds(event) : [];
}

function listedTaskIds(event: Pick<TaskEvent, 'payload'>): string[] {
  const ids = event.payload.taskIds;
  return typeof ids === 'string' && ids !== '' ? ids.split(',') : [];
}

function eventFromRow(row: EventRow): TaskEvent {
  return {
    id: row.id,
    taskId: row.task_id,
    runId: row.run_id,
    board: row.board,
    kind: row.kind,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export function eventsOf(db: Db, taskId: string, limit = 500): TaskEvent[] {
  return (
    db
      .prepare('SELECT * FROM (SELECT * FROM events WHERE task_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id')
      .all(taskId, limit) as EventRow[]
  ).map(eventFromRow);
}

export function eventsAfter(db: Db, afterId: number, limit = 1_000): TaskEvent[] {
  return (
    cachedStatement(db, 'SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(
      afterId,
      limit,
    ) as EventRow[]
  ).map(eventFromRow);
}

export function lastEventId(db: Db): number {
  return (cachedStatement(db, 'SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id;
}

/**
 * Tasks named by events after `afterId`, up to the newest event now; `overflow` when more than
 * `limit` events came (the caller then re-reads everything instead).
 */
export function taskIdsChangedAfter(
  db: Db,
  afterId: number,
  limit: number,
): { lastId: number; taskIds: string[]; overflow: boolean } {
  const head = cachedStatement(
    db,
    'SELECT coalesce(max(id), 0) AS last, count(*) AS n FROM events WHERE id > ?',
  ).get(afterId) as {
    last: number;
    n: number;
  };
  if (head.n === 0) return { lastId: afterId, taskIds: [], overflow: false };
  if (head.n > limit) return { lastId: head.last, taskIds: [], overflow: true };
  const rows = cachedStatement(
    db,
    'SELECT DISTINCT task_id FROM events WHERE id > ? AND id <= ? AND task_id IS NOT NULL',
  ).all(afterId, head.last) as { task_id: string }[];
  return { lastId: head.last, taskIds: rows.map((row) => row.task_id), overflow: false };
}
