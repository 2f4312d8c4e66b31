/**
 * How the board's cards come in parts (docs/architecture.md §7): what the first snapshot carries and
 * what one paging call may ask. Numbers only, no zod: the page's store reads them without loading
 * the contract (shared/contract.ts, which re-exports them).
 */

/**
 * Cards a snapshot carries per lane × status cell (the first in the cell's order); `cellCards`
 * pages the rest. A 100,000-task board would otherwise send every card at start.
 */
export const CARDS_PER_CELL = 12;

/**
 * Lane rows whose cards the first snapshot carries (the first rows in board order that hold cards,
 * shared/laneOrder.ts): about two screens of a tall window. The board pages the other lanes in with
 * `laneCards` as their rows come near the screen; a 300-lane board would otherwise parse and
 * validate 14,000 cards before its first paint.
 */
export const SNAPSHOT_CARD_LANES = 8;

/** Lanes one `laneCards` call may ask for. */
export const LANE_CARDS_MAX_LANES = 50;
