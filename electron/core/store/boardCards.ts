import type { CellCursor, CellCount } from '../../../shared/contract';
import type { LaneStatus } from '../../../shared/dispatch';
import type { Card, SkipReason, TaskStatus } from '../../../shared/domain';
import type { Db } from './db/open';

/**
 * The board's reads of task rows as cards (tasks without body and drawer-only fields, plus their
 * dependency counts: shared/domain.ts `cardSchema`).
 * A board can hold 100,000 tasks, so the board never gets them all: the snapshot carries the
 * count of every lane × status cell and the first cards of the cells of the lanes near the top of
 * the board; a lane's first cards come when its row nears the screen (`laneCards`), and
 * `cellCardsPage` pages a cell further ("N more"). Rows are read from the view `tasks_with_skips`
 * (tasks plus their skip reasons, migration v3).
 */

/** SQL expression → Card key, in the order the raw rows come back. */
const CARD_COLUMNS = [
  ['t.id', 'id'],
  ['t.board', 'board'],
  ['t.title', 'title'],
  ['t.assignee', 'assignee'],
  ['t.status', 'status'],
  ['t.priority', 'priority'],
  ['t.created_at', 'createdAt'],
  ['t.updated_at', 'updatedAt'],
  ['t.started_at', 'startedAt'],
  ['t.completed_at', 'completedAt'],
  ['t.skip_reason', 'skipReason'],
  ['t.skip_detail', 'skipDetail'],
  ['t.failure_count', 'failureCount'],
  ['t.next_attempt_at', 'nextAttemptAt'],
  ['t.last_error', 'lastError'],
  ['t.block_reason', 'blockReason'],
  ['t.claim_owner', 'claimOwner'],
  ['t.last_heartbeat_at', 'lastHeartbeatAt'],
  // Per card two lookups by the child index; only for the cards read, never for a whole board.
  [
    `(SELECT count(*) FROM task_links l JOIN tasks p ON p.id = l.parent_id
       WHERE l.child_id = t.id AND p.status <> 'archived')`,
    'parentsTotal',
  ],
  [
    `(SELECT count(*) FROM task_links l JOIN tasks p ON p.id = l.parent_id
       WHERE l.child_id = t.id AND p.status = 'done')`,
    'parentsDone',
  ],
] as const satisfies readonly (readonly [string, keyof Card])[];

const CARD_SELECT = CARD_COLUMNS.map(([expression]) => expression).join(', ');
const CARD_KEYS = CARD_COLUMNS.map(([, key]) => key);

/** Raw rows (arrays) instead of objects: half the allocation on a big board. */
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
      .prepare(`SELECT ${CARD_SELECT} FROM tasks_with_skips t WHERE t.id IN (SELECT value FROM json_each(?))`)
      .raw(true)
      .all(JSON.stringify(ids)) as unknown[][]
  ).map(cardFromValues);
}

/** The skip reasons of these tasks (archived ones left out): what a tick's skip changes send. */
export function skipsByIds(
  db: Db,
  ids: readonly string[],
): { id: string; skipReason: SkipReason | null; skipDetail: string | null }[] {
  if (ids.length === 0) return [];
  return db
    .prepare(
      `SELECT id, skip_reason AS skipReason, skip_detail AS skipDetail FROM tasks_with_skips
       WHERE id IN (SELECT value FROM json_each(?)) AND status <> 'archived'`,
    )
    .all(JSON.stringify(ids)) as { id: string; skipReason: SkipReason | null; skipDetail: string | null }[];
}

/**
 * A cell's order (the renderer's laneModel.ts `compareTasksInColumn`): done by completion, newest
 * first; every other status by priority, then age (the dispatcher's order), then id.
 */
const DONE_AT = 'coalesce(t.completed_at, t.updated_at)';
const DONE_ORDER = `${DONE_AT} DESC, t.id`;
const OPEN_ORDER = 't.priority DESC, t.created_at, t.id';
/** Cards strictly after the cursor in that order. */
const AFTER_DONE = `(${DONE_AT} < @doneAt OR (${DONE_AT} = @doneAt AND t.id > @id))`;
const AFTER_OPEN =
  '(t.priority < @priority OR (t.priority = @priority AND (t.created_at > @createdAt OR (t.created_at = @createdAt AND t.id > @id))))';

/**
 * Every non-empty cell of the board (archived tasks are not on it) and how many cards it holds:
 * kept by triggers in task_cell_counts (migration v11), so a board of a million tasks is not
 * counted on each read. The Unassigned lane is stored as ''.
 */
export function cellCounts(db: Db, board: string): CellCount[] {
  return db
    .prepare(
      `SELECT nullif(lane, '') AS assignee, status, n AS count FROM task_cell_counts
       WHERE board = ? AND status <> 'archived' AND n > 0`,
    )
    .all(board) as CellCount[];
}

/**
 * The cell counts of a board from its lane figures, which count every named lane's cells already
 * (laneView.ts), plus the Unassigned lane's: what a `lanes` event carries, without counting the
 * whole board a second time.
 */
export function cellCountsOfLanes(db: Db, board: string, lanes: readonly LaneStatus[]): CellCount[] {
  const cells: CellCount[] = [];
  for (const lane of lanes) {
    for (const [status, count] of Object.entries(lane.counts)) {
      if (count > 0) cells.push({ assignee: lane.name, status: status as TaskStatus, count });
    }
  }
  const unassigned = db
    .prepare(
      `SELECT status, n AS count FROM task_cell_counts
       WHERE board = ? AND lane = '' AND status <> 'archived' AND n > 0`,
    )
    .all(board) as { status: TaskStatus; count: number }[];
  for (const { status, count } of unassigned) cells.push({ assignee: null, status, count });
  return cells;
}

export interface BoardCards {
  /** The first `perCell` cards of every cell, in the cell's order. */
  cards: Card[];
  cells: CellCount[];
}

/** Which cells' cards a read takes: those of these lanes (null: Unassigned), or all when undefined. */
export type CardLanes = ReadonlySet<string | null> | undefined;

/**
 * The board as the snapshot shows it: one query per cell, each walking its index range (migration
 * v2 `tasks_by_board_assignee_status`) and stopping after `perCell` rows, so nothing reads or sorts
 * the whole board. Every cell is counted; cards are read only for the cells of `lanes`. A generator
 * that pauses after every `cellsPerStep` cells read, so a read ahead (`prefetchSnapshot`) can let
 * other work run in between; `boardCards` runs it in one go.
 */
export function* readBoardCards(
  db: Db,
  board: string,
  perCell: number,
  cellsPerStep = Number.POSITIVE_INFINITY,
  lanes: CardLanes = undefined,
): Generator<void, BoardCards> {
  const cells = cellCounts(db, board);
  const open = db
    .prepare(
      `SELECT ${CARD_SELECT} FROM tasks_with_skips t
       WHERE t.board = ? AND t.assignee IS ? AND t.status = ? ORDER BY ${OPEN_ORDER} LIMIT ?`,
    )
    .raw(true);
  const done = db
    .prepare(
      `SELECT ${CARD_SELECT} FROM tasks_with_skips t
       WHERE t.board = ? AND t.assignee IS ? AND t.status = 'done' ORDER BY ${DONE_ORDER} LIMIT ?`,
    )
    .raw(true);
  const cards: Card[] = [];
  let sinceStep = 0;
  for (const cell of cells) {
    if (lanes && !lanes.has(cell.assignee)) continue;
    if (sinceStep++ >= cellsPerStep) {
      yield;
      sinceStep = 1;
    }
    const rows = (
      cell.status === 'done'
        ? done.all(board, cell.assignee, perCell)
        : open.all(board, cell.assignee, cell.status, perCell)
    ) as unknown[][];
    for (const row of rows) cards.push(cardFromValues(row));
  }
  return { cards, cells };
}

/** The board as the snapshot shows it, read in one transaction so counts and cards agree. */
export function boardCards(db: Db, board: string, perCell: number, lanes: CardLanes = undefined): BoardCards {
  return db.transaction(() => {
    const reader = readBoardCards(db, board, perCell, Number.POSITIVE_INFINITY, lanes);
    for (;;) {
      const step = reader.next();
      if (step.done) return step.value;
    }
  })();
}

/**
 * An identity of the database's contents as this connection sees them: it changes when any
 * connection commits (`data_version` for the others, total_changes() for this one).
 */
export function contentVersion(db: Db): string {
  const others = db.pragma('data_version', { simple: true }) as number;
  const own = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  return `${others}:${own}`;
}

export interface CellCardsQuery {
  board: string;
  assignee: string | null;
  status: TaskStatus;
  /** Only the cards after this one in the cell's order. */
  after?: CellCursor;
  limit: number;
}

/** One page of a cell's cards in the cell's order, and how many come after it. */
export function cellCardsPage(db: Db, query: CellCardsQuery): { tasks: Card[]; remaining: number } {
  const isDone = query.status === 'done';
  // `assignee IS ?` matches null (the Unassigned lane) and names alike, and can use the index.
  const where =
    't.board = @board AND t.assignee IS @assignee AND t.status = @status' +
    (query.after ? ` AND ${isDone ? AFTER_DONE : AFTER_OPEN}` : '');
  const params: Record<string, unknown> = {
    board: query.board,
    assignee: query.assignee,
    status: query.status,
  };
  if (query.after) {
    params.id = query.after.id;
    if (isDone) params.doneAt = query.after.doneAt;
    else Object.assign(params, { priority: query.after.priority, createdAt: query.after.createdAt });
  }
  return db.transaction(() => {
    const rows = db
      .prepare(
        `SELECT ${CARD_SELECT} FROM tasks_with_skips t WHERE ${where}
         ORDER BY ${isDone ? DONE_ORDER : OPEN_ORDER} LIMIT @limit`,
      )
      .raw(true)
      .all({ ...params, limit: query.limit }) as unknown[][];
    const total = (
      db.prepare(`SELECT count(*) AS n FROM tasks t WHERE ${where}`).get(params) as { n: number }
    ).n;
    return { tasks: rows.map(cardFromValues), remaining: Math.max(0, total - rows.length) };
  })();
}

const withFold = new WeakSet<Db>();

/**
 * `switchyard_fold(text)`: JavaScript's lower case, so a search in the core matches what the
 * board's own filter matches (SQLite's lower() folds ASCII letters only: "Über" ≠ "über").
 */
function defineFold(db: Db): void {
  if (withFold.has(db)) return;
  db.function('switchyard_fold', { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? text.toLowerCase() : text,
  );
  withFold.add(db);
}

export interface CardSearch {
  board: string;
  /** Words that must all appear in the title, the id or the lane name (case-insensitive). */
  words: readonly string[];
  /** A lane (null: Unassigned); undefined for every lane. */
  assignee?: string | null;
  status?: TaskStatus;
  skipReason?: SkipReason;
  /** Blocked, failing, in backoff, or on a broken profile (`brokenLanes`): the board's filter. */
  needsAttention: boolean;
  brokenLanes: readonly string[];
  /** Only these tasks (docs/architecture.md §9: the ones that need review, decided outside SQL); undefined: any. */
  onlyIds?: readonly string[];
  limit: number;
}

/**
 * The cards matching the board's filter over the whole board, not only the loaded part, in the
 * board's order, and how many match in all.
 */
export function searchCards(db: Db, search: CardSearch): { tasks: Card[]; total: number } {
  defineFold(db);
  const conditions = ["t.board = @board AND t.status <> 'archived'"];
  const params: Record<string, unknown> = { board: search.board };
  search.words.forEach((word, i) => {
    // instr, not LIKE: a search for "50%" or "a_b" means those characters.
    conditions.push(
      `(instr(switchyard_fold(t.title), @w${i}) > 0 OR instr(t.id, @w${i}) > 0 OR instr(switchyard_fold(coalesce(t.assignee, '')), @w${i}) > 0)`,
    );
    params[`w${i}`] = word.toLowerCase();
  });
  if (search.assignee !== undefined) {
    conditions.push('t.assignee IS @assignee');
    params.assignee = search.assignee;
  }
  if (search.status) {
    conditions.push('t.status = @status');
    params.status = search.status;
  }
  if (search.skipReason) {
    conditions.push('t.skip_reason = @skipReason');
    params.skipReason = search.skipReason;
  }
  if (search.needsAttention) {
    conditions.push(
      `(t.status = 'blocked' OR t.failure_count > 0 OR t.skip_reason IN ('backoff', 'profile_broken')
        OR (t.status <> 'done' AND t.assignee IN (SELECT value FROM json_each(@broken))))`,
    );
    params.broken = JSON.stringify(search.brokenLanes);
  }
  if (search.onlyIds) {
    conditions.push('t.id IN (SELECT value FROM json_each(@onlyIds))');
    params.onlyIds = JSON.stringify(search.onlyIds);
  }
  const where = conditions.join(' AND ');
  return db.transaction(() => {
    const rows = db
      .prepare(
        `SELECT ${CARD_SELECT} FROM tasks_with_skips t WHERE ${where}
         ORDER BY t.status = 'done', t.priority DESC, t.created_at, t.id LIMIT @limit`,
      )
      .raw(true)
      .all({ ...params, limit: search.limit }) as unknown[][];
    const total = (
      db.prepare(`SELECT count(*) AS n FROM tasks_with_skips t WHERE ${where}`).get(params) as { n: number }
    ).n;
    return { tasks: rows.map(cardFromValues), total };
  })();
}
