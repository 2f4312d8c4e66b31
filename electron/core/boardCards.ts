import type { DoneCursor } from '../../shared/contract';
import type { Card } from '../../shared/domain';
import type { Db } from './db/open';

/**
 * The board's reads of task rows as cards (tasks without body and drawer-only fields,
 * shared/domain.ts `cardSchema`).
 * A board can hold 100,000 tasks: the snapshot carries every task that is not done, and per lane
 * only the most recently completed done tasks; the rest is paged by `doneCardsPage`. Rows are read
 * from the view `tasks_with_skips` (tasks plus their skip reasons, migration v3).
 */

/** SQL column → Card key, in the order the raw rows come back. */
const CARD_COLUMNS = [
  ['id', 'id'],
  ['board', 'board'],
  ['title', 'title'],
  ['assignee', 'assignee'],
  ['status', 'status'],
  ['priority', 'priority'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['started_at', 'startedAt'],
  ['completed_at', 'completedAt'],
  ['skip_reason', 'skipReason'],
  ['skip_detail', 'skipDetail'],
  ['failure_count', 'failureCount'],
  ['next_attempt_at', 'nextAttemptAt'],
  ['last_error', 'lastError'],
  ['block_reason', 'blockReason'],
  ['claim_owner', 'claimOwner'],
  ['last_heartbeat_at', 'lastHeartbeatAt'],
] as const satisfies readonly (readonly [string, keyof Card])[];

const CARD_COLUMN_LIST = CARD_COLUMNS.map(([column]) => column).join(', ');
const CARD_KEYS = CARD_COLUMNS.map(([, key]) => key);

/** Raw rows (arrays) instead of objects: half the allocation on a 100,000-task board. */
function cardFromValues(values: unknown[]): Card {
  const card: Record<string, unknown> = {};
  for (let i = 0; i < CARD_KEYS.length; i++) card[CARD_KEYS[i] as string] = values[i];
  return card as Card;
}

/**
 * The cards of these tasks (any board, archived too; unknown ids are left out), in one statement:
 * a tick can change the skip reason of 20,000 tasks, and a lookup per id re-prepares its SQL.
 */
export function cardsByIds(db: Db, ids: readonly string[]): Card[] {
  if (ids.length === 0) return [];
  return (
    db
      .prepare(
        `SELECT ${CARD_COLUMN_LIST} FROM tasks_with_skips WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .raw(true)
      .all(JSON.stringify(ids)) as unknown[][]
  ).map(cardFromValues);
}

/** Done cards sort by this, newest first (the board's done column order, renderer laneModel.ts). */
const DONE_KEY = 'coalesce(completed_at, updated_at)';

export interface BoardCards {
  cards: Card[];
  /** Per lane, done tasks older than the `donePerLane` in `cards`. */
  olderDone: { assignee: string | null; count: number }[];
}

export function boardCards(db: Db, board: string, donePerLane: number): BoardCards {
  const open = db
    .prepare(
      // No ORDER BY: the board sorts each cell itself, and sorting 80,000 rows here costs.
      `SELECT ${CARD_COLUMN_LIST} FROM tasks_with_skips WHERE board = ? AND status NOT IN ('done', 'archived')`,
    )
    .raw(true)
    .all(board) as unknown[][];
  const done = db
    .prepare(
      `SELECT ${CARD_COLUMN_LIST} FROM (
         SELECT ${CARD_COLUMN_LIST}, row_number() OVER (PARTITION BY assignee ORDER BY ${DONE_KEY} DESC, id) AS n
         FROM tasks_with_skips WHERE board = ? AND status = 'done')
       WHERE n <= ?`,
    )
    .raw(true)
    .all(board, donePerLane) as unknown[][];
  const olderDone = db
    .prepare(
      `SELECT assignee, count(*) - @n AS count FROM tasks WHERE board = @board AND status = 'done'
       GROUP BY assignee HAVING count(*) > @n`,
    )
    .all({ board, n: donePerLane }) as { assignee: string | null; count: number }[];
  return { cards: [...open.map(cardFromValues), ...done.map(cardFromValues)], olderDone };
}

export interface DoneCardsQuery {
  board: string;
  assignee: string | null;
  /** Only tasks after this one in the done order (completed earlier; same time: higher id). */
  before?: DoneCursor;
  limit: number;
}

/** One page of a lane's done cards, newest first, and how many older ones remain after it. */
export function doneCardsPage(db: Db, query: DoneCardsQuery): { tasks: Card[]; remaining: number } {
  // `assignee IS ?` matches null (the Unassigned lane) and names alike, and can use the index.
  const where =
    `board = @board AND assignee IS @assignee AND status = 'done'` +
    (query.before ? ` AND (${DONE_KEY} < @at OR (${DONE_KEY} = @at AND id > @id))` : '');
  const params = {
    board: query.board,
    assignee: query.assignee,
    ...(query.before ? { at: query.before.completedAt, id: query.before.id } : {}),
  };
  const rows = db
    .prepare(
      `SELECT ${CARD_COLUMN_LIST} FROM tasks_with_skips WHERE ${where} ORDER BY ${DONE_KEY} DESC, id LIMIT @limit`,
    )
    .raw(true)
    .all({ ...params, limit: query.limit }) as unknown[][];
  const total = (db.prepare(`SELECT count(*) AS n FROM tasks WHERE ${where}`).get(params) as { n: number }).n;
  return { tasks: rows.map(cardFromValues), remaining: Math.max(0, total - rows.length) };
}
