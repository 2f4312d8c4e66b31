import type { LaneKind } from './constants';

/**
 * The order of the board's lane rows (docs/architecture.md §7), shared by the board (laneModel.ts
 * `buildLaneViews`) and the core, which sends the cards of the first rows with the first snapshot
 * (`lanesShownFirst`). No Node, no DOM.
 */

/** A lane row's kind: a lane's, or the Unassigned row (tasks without an assignee). */
export type LaneRowKind = LaneKind | 'unassigned';

/** Profiles, terminal lanes, broken profiles, then Unassigned. */
const ROW_KIND_ORDER: Record<LaneRowKind, number> = {
  profile: 0,
  terminal: 1,
  profile_broken: 2,
  unassigned: 3,
};

let names: Intl.Collator | null = null;

/**
 * Names compare in the default locale with numbers read as numbers ("agent-2" before "agent-10",
 * as people number their lanes), through one collator: on a board of 300 lanes `localeCompare`
 * made a collator per comparison (60 ms of the first render, profiled). The first collator of a
 * process loads the locale's collation data (13–46 ms in a fresh Chromium page), so the page's
 * boot script makes this one while the board's code downloads (renderer/src/boot.ts).
 */
export function laneNameCollator(): Intl.Collator {
  names ??= new Intl.Collator(undefined, { numeric: true });
  return names;
}

/** Board order of two rows: by kind, then by name. */
export function compareLaneRows(
  a: { name: string; kind: LaneRowKind },
  b: { name: string; kind: LaneRowKind },
): number {
  return ROW_KIND_ORDER[a.kind] - ROW_KIND_ORDER[b.kind] || laneNameCollator().compare(a.name, b.name);
}

/**
 * The first `count` lane rows in board order that hold any card (assignee null: Unassigned), from
 * the board's lanes and its non-empty cells. A lane with cells but no lane status is a terminal
 * lane (an undeclared name), as the board shows it. The board's first screen shows these rows.
 */
export function lanesShownFirst(
  lanes: readonly { name: string; kind: LaneKind }[],
  cells: readonly { assignee: string | null; count: number }[],
  count: number,
): (string | null)[] {
  const withCards = new Set<string | null>();
  for (const cell of cells) if (cell.count > 0) withCards.add(cell.assignee);
  const kinds = new Map<string, LaneKind>(lanes.map((lane) => [lane.name, lane.kind]));
  const rows = [...withCards].map((assignee) => ({
    assignee,
    name: assignee ?? '',
    kind: assignee === null ? ('unassigned' as const) : (kinds.get(assignee) ?? 'terminal'),
  }));
  return rows
    .sort(compareLaneRows)
    .slice(0, count)
    .map((row) => row.assignee);
}
