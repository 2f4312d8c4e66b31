import type { LaneStatus } from '../../../shared/dispatch';
import type { CellCursor } from '../../../shared/contract';
import { BOARD_COLUMNS, type Card } from '../../../shared/domain';
import { compareLaneRows, type LaneRowKind } from '../../../shared/laneOrder';

/** A board row (docs/architecture.md §7): one per assignee, plus the Unassigned row. */
export type BoardColumn = (typeof BOARD_COLUMNS)[number];
export type LaneViewKind = LaneRowKind;

/** Tasks with no assignee live in this row; '' can never be a lane name (slugs are non-empty). */
export const UNASSIGNED_LANE = '';

export interface LaneView {
  /** Lane name, or UNASSIGNED_LANE. */
  key: string;
  kind: LaneViewKind;
  /** The core's view of the lane; null for Unassigned and for names only seen on tasks so far. */
  status: LaneStatus | null;
}

export const laneKeyOf = (assignee: string | null): string => assignee ?? UNASSIGNED_LANE;
export const assigneeOfLane = (key: string): string | null => (key === UNASSIGNED_LANE ? null : key);
/** What tests and e2e use in data-testid: "unassigned" for the Unassigned row. */
export const laneTestId = (key: string): string => (key === UNASSIGNED_LANE ? 'unassigned' : key);
export const laneLabel = (key: string): string => (key === UNASSIGNED_LANE ? 'Unassigned' : key);

export const LANE_KIND_LABELS: Record<LaneViewKind, string> = {
  profile: 'profile',
  terminal: 'terminal',
  profile_broken: 'broken',
  unassigned: 'unassigned',
};

/**
 * Lanes come from the snapshot plus every assignee seen on a task. A name without a lane status is
 * shown as a terminal lane, as the core would resolve it (docs/architecture.md §3.3: undeclared names are terminal).
 */
export function buildLaneViews(lanes: Record<string, LaneStatus>, assignees: Iterable<string>): LaneView[] {
  const views = new Map<string, LaneView>();
  for (const status of Object.values(lanes)) {
    views.set(status.name, { key: status.name, kind: status.kind, status });
  }
  for (const name of assignees) {
    if (!views.has(name)) views.set(name, { key: name, kind: 'terminal', status: null });
  }
  views.set(UNASSIGNED_LANE, { key: UNASSIGNED_LANE, kind: 'unassigned', status: null });
  // Board order (shared/laneOrder.ts): the core sends the first snapshot's cards in the same order.
  return [...views.values()].sort((a, b) =>
    compareLaneRows({ name: a.key, kind: a.kind }, { name: b.key, kind: b.kind }),
  );
}

/** Dispatcher order inside a cell: priority first, then age; done shows the latest first. */
export function compareTasksInColumn(a: Card, b: Card): number {
  if (a.status === 'done' && b.status === 'done') return compareDone(doneAtOf(a), a.id, doneAtOf(b), b.id);
  return compareOpen(a, b);
}

const doneAtOf = (card: Pick<Card, 'completedAt' | 'updatedAt'>): number =>
  card.completedAt ?? card.updatedAt;

/** Ids compare by code unit, as SQLite's BINARY collation does (the core pages cells in its order). */
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const compareDone = (aDoneAt: number, aId: string, bDoneAt: number, bId: string): number =>
  bDoneAt - aDoneAt || compareIds(aId, bId);

const compareOpen = (
  a: Pick<Card, 'priority' | 'createdAt' | 'id'>,
  b: Pick<Card, 'priority' | 'createdAt' | 'id'>,
): number => b.priority - a.priority || a.createdAt - b.createdAt || compareIds(a.id, b.id);

/** A lane × status cell, as the store keys cells it loaded only in part. */
export const cellKey = (lane: string, status: string): string => `${status}:${lane}`;
export const cellKeyOf = (card: Card): string => cellKey(laneKeyOf(card.assignee), card.status);

/** Where a cell's loaded part ends when this card is its last one. */
export const cursorOf = (card: Card): CellCursor => ({
  id: card.id,
  priority: card.priority,
  createdAt: card.createdAt,
  doneAt: doneAtOf(card),
});

/** Whether the card sorts after the cursor in its cell (so past the part the board loaded). */
export function isAfterCursor(card: Card, cursor: CellCursor): boolean {
  return card.status === 'done'
    ? compareDone(doneAtOf(card), card.id, cursor.doneAt, cursor.id) > 0
    : compareOpen(card, cursor) > 0;
}

/** Whether some cell of the lane has none of its cards loaded yet (the store's null cursor). */
export function hasUnloadedCell(cursors: Readonly<Record<string, CellCursor | null>>, lane: string): boolean {
  return BOARD_COLUMNS.some((column) => cursors[cellKey(lane, column)] === null);
}

export function isBoardColumn(status: string): status is BoardColumn {
  return (BOARD_COLUMNS as readonly string[]).includes(status);
}
