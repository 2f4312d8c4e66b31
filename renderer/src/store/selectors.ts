import { BOARD_COLUMNS, type Card } from '../../../shared/domain';
import type { LaneStatus } from '../../../shared/dispatch';
import type { BoardState, TaskDelta } from './boardStore';
import { isFilterActive, taskMatcher, type TaskFilter } from './filter';
import {
  buildLaneViews,
  cellKey,
  compareTasksInColumn,
  isBoardColumn,
  laneKeyOf,
  type BoardColumn,
  type LaneView,
} from './laneModel';

/** Task ids of one lane, per column, already sorted and filtered. */
export type LaneCells = Readonly<Record<BoardColumn, readonly string[]>>;

export interface BoardIndex {
  lanes: readonly LaneView[];
  /** Lanes hidden because the filter matches nothing in them are not in `lanes`. */
  cells: ReadonlyMap<string, LaneCells>;
  /** Loaded cards per column (after filtering); `createColumnTotalsSelector` adds the unloaded. */
  columnTotals: Readonly<Record<BoardColumn, number>>;
  /** Tasks on the board, before filtering. */
  taskCount: number;
}

const EMPTY_IDS: readonly string[] = Object.freeze([]);

const emptyCells = (): Record<BoardColumn, string[]> =>
  Object.fromEntries(BOARD_COLUMNS.map((column) => [column, []])) as unknown as Record<BoardColumn, string[]>;

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** More changed tasks than this in one update: regrouping everything is as cheap. */
const INCREMENTAL_LIMIT = 500;

const cellOf = (task: Card | undefined): { lane: string; column: BoardColumn } | null =>
  task && isBoardColumn(task.status) ? { lane: laneKeyOf(task.assignee), column: task.status } : null;

/**
 * Ids whose task differs between `before` and `after` (added, removed or replaced), or null when
 * there are more than INCREMENTAL_LIMIT. The store's delta names them when it made `after` from
 * `before` (a batch of events); otherwise both objects are compared, which walks every task.
 */
function changedIds(
  before: Record<string, Card>,
  after: Record<string, Card>,
  delta: TaskDelta | null | undefined,
): string[] | null {
  const changed: string[] = [];
  if (delta && delta.from === before && delta.to === after) {
    const seen = new Set<string>();
    for (const id of delta.ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (before[id] !== after[id] && changed.push(id) > INCREMENTAL_LIMIT) return null;
    }
    return changed;
  }
  for (const id in after) {
    if (before[id] !== after[id] && changed.push(id) > INCREMENTAL_LIMIT) return null;
  }
  for (const id in before) if (!(id in after)) changed.push(id); // removed
  return changed.length > INCREMENTAL_LIMIT ? null : changed;
}

/**
 * The index after a change of tasks only (no filter, same lanes): only the cells a changed task
 * left or entered are re-sorted, so a status event costs in proportion to its cells, not to the
 * 10,000 tasks on the board (bench "board", 200 events/s). Null when a full rebuild is needed: too
 * many changes, or a change that could add or remove a lane row.
 */
function applyTaskChanges(
  previous: BoardIndex,
  before: Record<string, Card>,
  state: BoardState,
): BoardIndex | null {
  const after = state.tasks;
  const changed = changedIds(before, after, state.taskDelta);
  if (changed === null) return null;
  if (changed.length === 0) return previous;

  const columnTotals = { ...previous.columnTotals };
  let taskCount = previous.taskCount;
  /** lane key → columns to re-sort → ids that entered them */
  const dirty = new Map<string, Map<BoardColumn, string[]>>();
  const touch = (lane: string, column: BoardColumn): string[] => {
    let columns = dirty.get(lane);
    if (!columns) dirty.set(lane, (columns = new Map()));
    let entered = columns.get(column);
    if (!entered) columns.set(column, (entered = []));
    return entered;
  };
  for (const id of changed) {
    const from = cellOf(before[id]);
    const to = cellOf(after[id]);
    // A lane row exists for every lane status and every assignee seen on a task: a task entering
    // an unknown lane, or leaving a lane only known through its tasks, changes the rows.
    if (to && !previous.cells.has(to.lane)) return null;
    if (from && from.lane !== to?.lane && from.lane !== '' && !state.lanes[from.lane]) return null;
    if (from) {
      touch(from.lane, from.column);
      columnTotals[from.column]--;
      taskCount--;
    }
    if (to) {
      touch(to.lane, to.column).push(id);
      columnTotals[to.column]++;
      taskCount++;
    }
  }

  const cells = new Map(previous.cells);
  let cellsChanged = false;
  for (const [lane, columns] of dirty) {
    const old = previous.cells.get(lane);
    if (!old) return null;
    const next = { ...old } as Record<BoardColumn, readonly string[]>;
    let laneChanged = false;
    for (const [column, entered] of columns) {
      const members = new Set<string>();
      const tasks: Card[] = [];
      for (const id of [...old[column], ...entered]) {
        const task = after[id];
        if (!task || members.has(id)) continue;
        const where = cellOf(task);
        if (where?.lane !== lane || where.column !== column) continue;
        members.add(id);
        tasks.push(task);
      }
      const ids = tasks.length > 0 ? tasks.sort(compareTasksInColumn).map((task) => task.id) : EMPTY_IDS;
      if (!sameIds(old[column], ids)) {
        next[column] = ids;
        laneChanged = true;
      }
    }
    if (laneChanged) {
      cells.set(lane, next);
      cellsChanged = true;
    }
  }
  const sameTotals =
    taskCount === previous.taskCount &&
    BOARD_COLUMNS.every((column) => columnTotals[column] === previous.columnTotals[column]);
  if (!cellsChanged && sameTotals) return previous;
  return { lanes: previous.lanes, cells: cellsChanged ? cells : previous.cells, columnTotals, taskCount };
}

/** Same lane names with the same kinds: the rows of the board are the same. */
function sameLaneRows(a: Record<string, LaneStatus>, b: Record<string, LaneStatus>): boolean {
  if (a === b) return true;
  let count = 0;
  for (const name in b) {
    count++;
    if (a[name]?.kind !== b[name]?.kind) return false;
  }
  return count === Object.keys(a).length;
}

/**
 * The lane×status index, recomputed only when tasks, lanes or the filter change, with structural
 * sharing: a lane whose ids did not change keeps the same LaneCells object, so its React row (and
 * every card in it) skips rendering. A change of tasks alone is applied incrementally
 * (applyTaskChanges). One instance per store.
 */
export function createIndexSelector(): (state: BoardState) => BoardIndex {
  let lastTasks: Record<string, Card> | null = null;
  let lastLanes: Record<string, LaneStatus> | null = null;
  let lastFilter: TaskFilter | null = null;
  let lastSearch: BoardState['search'] | null = null;
  let lastChanges: BoardState['changes'] | null = null;
  let last: BoardIndex | null = null;

  return (state) => {
    if (
      last &&
      state.tasks === lastTasks &&
      state.lanes === lastLanes &&
      state.filter === lastFilter &&
      state.search === lastSearch &&
      // Change cards matter to the index only through the "needs review" filter.
      (!state.filter.needsReview || state.changes === lastChanges)
    ) {
      return last;
    }
    // Lane figures change several times a second (running counts, queues) without changing the
    // rows: then, without a filter (which may look at lanes), the cells depend on the tasks only.
    const incremental =
      last &&
      lastTasks &&
      lastLanes &&
      state.filter === lastFilter &&
      state.search === lastSearch &&
      !isFilterActive(state.filter) &&
      sameLaneRows(lastLanes, state.lanes)
        ? applyTaskChanges(last, lastTasks, state)
        : null;
    lastTasks = state.tasks;
    lastLanes = state.lanes;
    lastFilter = state.filter;
    lastSearch = state.search;
    lastChanges = state.changes;
    last = incremental ?? buildIndex(state, last);
    return last;
  };
}

/** The whole index from scratch, sharing unchanged lanes with the previous one. */
function buildIndex(state: BoardState, last: BoardIndex | null): BoardIndex {
  const matches = taskMatcher(state.filter, state.lanes, state.changes);
  const grouped = new Map<string, Record<BoardColumn, Card[]>>();
  const assignees = new Set<string>();
  const columnTotals = Object.fromEntries(BOARD_COLUMNS.map((column) => [column, 0])) as Record<
    BoardColumn,
    number
  >;
  let taskCount = 0;
  // Filtering a board loaded in part: the core's matches among the cards not loaded count too.
  const searched = matches && state.search ? Object.values(state.search.cards) : [];
  const unloaded = searched.filter((task) => !(task.id in state.tasks));
  for (const task of unloaded.length > 0
    ? [...Object.values(state.tasks), ...unloaded]
    : Object.values(state.tasks)) {
    if (!isBoardColumn(task.status)) continue;
    taskCount++;
    if (task.assignee) assignees.add(task.assignee);
    if (matches && !matches(task)) continue;
    const key = laneKeyOf(task.assignee);
    let lane = grouped.get(key);
    if (!lane) {
      lane = emptyCells() as unknown as Record<BoardColumn, Card[]>;
      grouped.set(key, lane);
    }
    lane[task.status].push(task);
    columnTotals[task.status]++;
  }

  const filtering = matches !== null;
  const allLanes = buildLaneViews(state.lanes, assignees);
  const lanes = filtering
    ? allLanes.filter((lane) => grouped.has(lane.key) || lane.key === state.filter.lane)
    : allLanes;

  const cells = new Map<string, LaneCells>();
  for (const lane of lanes) {
    const group = grouped.get(lane.key);
    const previous = last?.cells.get(lane.key);
    let changed = !previous;
    const next = {} as Record<BoardColumn, readonly string[]>;
    for (const column of BOARD_COLUMNS) {
      const tasks = group?.[column];
      const ids = tasks && tasks.length > 0 ? tasks.sort(compareTasksInColumn).map((t) => t.id) : EMPTY_IDS;
      const before = previous?.[column];
      if (before && sameIds(before, ids)) next[column] = before;
      else {
        next[column] = ids;
        changed = true;
      }
    }
    cells.set(lane.key, changed || !previous ? next : previous);
  }

  const sameLanes =
    last !== null &&
    last.lanes.length === lanes.length &&
    last.lanes.every((lane, i) => lane.key === lanes[i]?.key && lane.kind === lanes[i]?.kind);
  return {
    lanes: sameLanes && last ? last.lanes : lanes,
    cells,
    columnTotals,
    taskCount,
  };
}

/**
 * Cards per column on the board: the index's loaded ones plus, unfiltered, those of cells loaded
 * only in part that the core counts past the loaded part. Memoized on its inputs.
 */
export function createColumnTotalsSelector(
  selectIndex: (state: BoardState) => BoardIndex,
): (state: BoardState) => Readonly<Record<BoardColumn, number>> {
  let lastIndex: BoardIndex | null = null;
  let lastCursors: BoardState['cellCursors'] | null = null;
  let lastTotals: BoardState['cellTotals'] | null = null;
  let last: Readonly<Record<BoardColumn, number>> | null = null;
  return (state) => {
    const index = selectIndex(state);
    if (last && index === lastIndex && state.cellCursors === lastCursors && state.cellTotals === lastTotals) {
      return last;
    }
    lastIndex = index;
    lastCursors = state.cellCursors;
    lastTotals = state.cellTotals;
    if (isFilterActive(state.filter)) return (last = index.columnTotals);
    const totals = { ...index.columnTotals };
    for (const key in state.cellCursors) {
      const at = key.indexOf(':');
      const column = key.slice(0, at);
      if (!isBoardColumn(column)) continue;
      const loaded = index.cells.get(key.slice(at + 1))?.[column].length ?? 0;
      totals[column] += Math.max(0, (state.cellTotals[key] ?? 0) - loaded);
    }
    const same = last !== null && BOARD_COLUMNS.every((column) => last?.[column] === totals[column]);
    return (last = same && last ? last : totals);
  };
}

/**
 * How many tasks of the shown board are in `column`, over all its lanes and whatever the filter,
 * from the core's cell counts (kept ≤ 200 ms behind): the toolbar's "N ready". The dispatcher's
 * own `ready` counts every board (the tray's figure).
 */
export function boardColumnCount(cellTotals: BoardState['cellTotals'], column: BoardColumn): number {
  const prefix = cellKey('', column);
  let count = 0;
  for (const key in cellTotals) if (key.startsWith(prefix)) count += cellTotals[key] ?? 0;
  return count;
}

/**
 * Cards in a cell as the board should count them: the loaded ones, or unfiltered the core's count
 * when the cell is loaded only in part (never fewer than are loaded: counts lag by ≤ 200 ms).
 */
export function cellTotal(state: BoardState, lane: string, column: BoardColumn, loaded: number): number {
  const key = cellKey(lane, column);
  if (!(key in state.cellCursors) || isFilterActive(state.filter)) return loaded;
  return Math.max(loaded, state.cellTotals[key] ?? 0);
}

/** The most cards any column of the lane holds, as the board counts them (`cellTotal`). */
export function laneTallestCell(state: BoardState, lane: string, cells: LaneCells): number {
  let most = 0;
  for (const column of BOARD_COLUMNS)
    most = Math.max(most, cellTotal(state, lane, column, cells[column].length));
  return most;
}

/** "done/total" of a card's parents, or null without parents; a string so selectors stay stable. */
export function dependencyProgress(card: Card | undefined): string | null {
  if (!card || card.parentsTotal === 0) return null;
  return `${card.parentsDone}/${card.parentsTotal}`;
}

/**
 * docs/architecture.md §3: a ready task of a lane nobody declared and no profile is named after is shown "with a
 * hint that no profile of that name exists" (a typo shows up): the core's hint for that lane.
 */
export function undeclaredLaneHint(state: BoardState, card: Card | undefined): string | undefined {
  if (card?.skipReason !== 'terminal_lane' || !card.assignee) return undefined;
  const lane = state.lanes[card.assignee];
  return lane && lane.kind === 'terminal' && !lane.declared && lane.problem ? lane.problem : undefined;
}
