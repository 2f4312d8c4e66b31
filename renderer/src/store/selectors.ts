import { BOARD_COLUMNS, type Card } from '../../../shared/domain';
import type { LaneStatus } from '../../../shared/dispatch';
import type { BoardState } from './boardStore';
import { taskMatcher, type TaskFilter } from './filter';
import {
  buildLaneViews,
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
  /** Cards per column; unfiltered, done also counts the older done tasks not loaded (olderDone). */
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

/**
 * The lane×status index, recomputed only when tasks, lanes or the filter change, with structural
 * sharing: a lane whose ids did not change keeps the same LaneCells object, so its React row (and
 * every card in it) skips rendering. One instance per store.
 */
export function createIndexSelector(): (state: BoardState) => BoardIndex {
  let lastTasks: Record<string, Card> | null = null;
  let lastLanes: Record<string, LaneStatus> | null = null;
  let lastFilter: TaskFilter | null = null;
  let lastOlderDone: BoardState['olderDone'] | null = null;
  let last: BoardIndex | null = null;

  return (state) => {
    if (
      last &&
      state.tasks === lastTasks &&
      state.lanes === lastLanes &&
      state.filter === lastFilter &&
      state.olderDone === lastOlderDone
    ) {
      return last;
    }
    const matches = taskMatcher(state.filter, state.lanes);
    const grouped = new Map<string, Record<BoardColumn, Card[]>>();
    const assignees = new Set<string>();
    const columnTotals = Object.fromEntries(BOARD_COLUMNS.map((column) => [column, 0])) as Record<
      BoardColumn,
      number
    >;
    let taskCount = 0;
    for (const task of Object.values(state.tasks)) {
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
    // Done tasks the snapshot left out still count; a filter can only count what is loaded.
    if (!filtering) for (const count of Object.values(state.olderDone)) columnTotals.done += count;
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
    lastTasks = state.tasks;
    lastLanes = state.lanes;
    lastFilter = state.filter;
    lastOlderDone = state.olderDone;
    last = {
      lanes: sameLanes && last ? last.lanes : lanes,
      cells,
      columnTotals,
      taskCount,
    };
    return last;
  };
}

/** parent ids per child, memoized on the links array. */
export function createParentsSelector(): (state: BoardState) => ReadonlyMap<string, readonly string[]> {
  let lastLinks: BoardState['links'] | null = null;
  let last: Map<string, string[]> = new Map();
  return (state) => {
    if (state.links === lastLinks) return last;
    const parents = new Map<string, string[]>();
    for (const link of state.links) {
      const list = parents.get(link.childId);
      if (list) list.push(link.parentId);
      else parents.set(link.childId, [link.parentId]);
    }
    lastLinks = state.links;
    last = parents;
    return last;
  };
}

/** "done/total" of a task's parents, or null without parents; a string so selectors stay stable. */
export function dependencyProgress(
  state: BoardState,
  parentsOf: ReadonlyMap<string, readonly string[]>,
  taskId: string,
): string | null {
  const parents = parentsOf.get(taskId);
  if (!parents || parents.length === 0) return null;
  let done = 0;
  for (const id of parents) if ((state.tasks[id]?.status ?? 'done') === 'done') done++;
  return `${done}/${parents.length}`;
}
