import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  BoardEvent,
  CallName,
  CallRequest,
  CallResponse,
  CellCount,
  CellCursor,
  Snapshot,
} from '../../../shared/contract';
import { LANE_CARDS_MAX_LANES } from '../../../shared/cardPaging';
import {
  describeDispatcher,
  type DispatcherState,
  type LaneStatus,
  type WorkerStatus,
} from '../../../shared/dispatch';
import type { ChangeCard } from '../../../shared/repository';
import {
  BOARD_COLUMNS,
  cardOf,
  DEFAULT_BOARD,
  waitsForParents,
  type Board,
  type Card,
  type Task,
  type TaskStatus,
} from '../../../shared/domain';
import { checkMove } from '../../../shared/transitions';
import { errorMessage, type BoardApi } from '../api/boardApi';
import { afterNextPaint } from './afterNextPaint';
import { storeBoard } from './storedBoard';
import { EMPTY_FILTER, isFilterActive, type TaskFilter } from './filter';
import {
  assigneeOfLane,
  cellKey,
  cellKeyOf,
  compareTasksInColumn,
  cursorOf,
  hasUnloadedCell,
  isAfterCursor,
  laneKeyOf,
  laneLabel,
} from './laneModel';
import { appendAll } from '../../../shared/arrays';

/**
 * The renderer's state (zustand, normalized: one copy of each task, by id). Tasks are kept by id; the lane×status
 * index is derived by memoized selectors (selectors.ts), so an event touching one task only
 * re-renders the lane and card it belongs to.
 */

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';
export type ToastLevel = 'info' | 'warning' | 'error';

export interface Toast {
  id: number;
  level: ToastLevel;
  message: string;
  /** When set, the toast offers to open this card. */
  taskId: string | null;
  /** When set, the toast offers to undo what it reports (a move). */
  undo?: () => void;
}

export interface ConfirmRequest {
  message: string;
  confirmLabel: string;
  resolve: (confirmed: boolean) => void;
}

/** The core's answer to the board's filter over the whole board (when the board is loaded in part). */
export interface BoardSearch {
  /** The filter it answers (the store's `filter` object it was made for). */
  filter: TaskFilter;
  state: 'loading' | 'ready' | 'error';
  /** Matching cards the board has not loaded, kept up to date by events while the filter stays. */
  cards: Record<string, Card>;
  /** Matches on the whole board (may be more than were sent). */
  total: number;
}

export interface MoveOptions {
  /** Report the move in a toast with Undo (default); an undo itself is not undoable again. */
  undoable?: boolean;
  /** Skip the "stops its worker" confirmation (Undo of a drop that started one: that is the point). */
  confirmed?: boolean;
}

export interface MovePatch {
  status?: TaskStatus;
  /** null moves the task to Unassigned; undefined keeps its lane. */
  assignee?: string | null;
}

export type BoardView = 'board' | 'lanes';
export type DrawerTab = 'details' | 'changes';

/**
 * A `notice` event with this title and a taskId asks the window to open that card (a desktop
 * notification was clicked); it is not shown as a toast.
 */
export const OPEN_CARD_NOTICE_TITLE = 'open card';

export interface BoardState {
  board: string;
  loadState: LoadState;
  loadError: string | null;
  /** seq of the last event (or snapshot) applied; the next event must carry lastSeq + 1. */
  lastSeq: number;
  /**
   * How many snapshots were applied: a new one (resync, board switch) may leave out lanes loaded
   * before, and their rows ask for them again (LaneRow).
   */
  snapshots: number;
  /**
   * The board's loaded cards (tasks without bodies; the drawer reads the body from taskDetail).
   * Of each cell only a first part may be loaded (snapshot, then `loadMoreCards`): the store never
   * holds a card past its cell's cursor, so every cell is a gapless start of the core's cell.
   */
  tasks: Record<string, Card>;
  /**
   * Per cell (laneModel `cellKey`): where its loaded part ends; null when none of its cards is
   * loaded yet (a lane the first snapshot left out: `loadLaneCards`). Cells loaded whole have none.
   */
  cellCursors: Record<string, CellCursor | null>;
  /** Per cell: how many cards the core holds (from the snapshot and the `lanes` events). */
  cellTotals: Record<string, number>;
  /** The filter's matches on the whole board, while a filter is set on a board loaded in part. */
  search: BoardSearch | null;
  lanes: Record<string, LaneStatus>;
  workers: Record<string, WorkerStatus>;
  /**
   * docs/architecture.md §9: by task id, the change summary of every task of the board with a worktree (loaded
   * or not) and whether it needs review: the card chips, the filter and the lane view's counts.
   */
  changes: Record<string, ChangeCard>;
  dispatcher: DispatcherState | null;
  boards: Board[];
  problems: string[];
  /** Tasks whose move is on its way to the core: their state before the move, for a revert. */
  pendingMoves: Record<string, Card>;
  /**
   * The ids a batch of events changed from `from` to `to` (both `tasks` objects), so the index
   * can follow without comparing all 10,000 tasks. A hint only: ignored unless `to` is `tasks`
   * and `from` the tasks the index was made from; it may name ids that did not change.
   */
  taskDelta: TaskDelta | null;

  // UI state ----------------------------------------------------------------------------------
  view: BoardView;
  filter: TaskFilter;
  collapsedLanes: Record<string, boolean>;
  openTaskId: string | null;
  /** The drawer tab the card was opened on (the card menu's "Send back…" opens Changes). */
  openTaskTab: DrawerTab;
  toasts: Toast[];
  confirm: ConfirmRequest | null;
  createOpen: boolean;
  settingsOpen: boolean;
  firstRunDismissed: boolean;

  // Actions -----------------------------------------------------------------------------------
  load(board?: string): Promise<void>;
  resync(): Promise<void>;
  /** Applies one event now (after any queued ones), in one store update. */
  applyEvent(event: BoardEvent): void;
  /**
   * The live stream's way in: events are queued and applied together, in order and in one store
   * update (so one render), once per frame (`nextFrame`; a burst is spread over frames, at most
   * FLUSH_CARD_LIMIT cards each). At 200 events/s the board otherwise spends each message on a
   * store update, its selectors and a React render, falls behind and drains slowly. An answer to
   * a call is applied only after all the events that arrived before it.
   */
  queueEvent(event: BoardEvent): void;
  /** Applies the queued events now. */
  flushEvents(): void;
  /** Fetches up to `limit` more cards of a cell loaded in part, the next in its order ("N more"). */
  loadMoreCards(lane: string, status: TaskStatus, limit?: number): Promise<void>;
  /**
   * Fetches the first cards of a lane whose cells are not loaded yet (its row came near the
   * screen); the lanes asked for in one turn go in one call.
   */
  loadLaneCards(lane: string): void;
  /** Optimistic move: applied at once, confirmed by the core's answer, reverted with a toast on refusal. */
  moveTask(id: string, patch: MovePatch, options?: MoveOptions): Promise<boolean>;
  /** Runs a command; on failure shows the core's message in a toast and resolves to null. */
  run<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N> | null>;
  /** Stores tasks the core returned from a command, without waiting for the event stream. */
  upsertTasks(tasks: Task[]): void;
  upsertLane(lane: LaneStatus): void;
  setDispatcher(state: DispatcherState): void;
  replaceLanes(lanes: LaneStatus[]): void;
  pushToast(level: ToastLevel, message: string, taskId?: string | null, undo?: () => void): void;
  dismissToast(id: number): void;
  askConfirm(message: string, confirmLabel?: string): Promise<boolean>;
  answerConfirm(confirmed: boolean): void;
  openTask(id: string | null, tab?: DrawerTab): void;
  setView(view: BoardView): void;
  setFilter(patch: Partial<TaskFilter>): void;
  toggleLaneCollapsed(lane: string): void;
  setCreateOpen(open: boolean): void;
  setSettingsOpen(open: boolean): void;
  dismissFirstRun(): void;
}

export type BoardStore = StoreApi<BoardState>;

export interface TaskDelta {
  from: Record<string, Card>;
  to: Record<string, Card>;
  ids: readonly string[];
}

export interface BoardStoreOptions {
  /** Remember the chosen board across reloads (off in tests). */
  persistBoard?: boolean;
  /** Calls `flush` once, soon (queued events); by default once per frame (`nextFrame`). */
  scheduleFlush?: (flush: () => void) => void;
  /** Resolves once the snapshot's render is on screen; by default `afterNextPaint`. */
  afterPaint?: () => Promise<void>;
}

/**
 * Cards applied per frame at most (unless one event holds more): the React work of a frame stays
 * short, and 24 a frame still outpaces 200 events/s at 10 frames/s.
 */
const FLUSH_CARD_LIMIT = 24;

/** A hidden page gets no animation frames: queued events are applied after this long anyway. */
const FLUSH_TIMER_MS = 100;

/**
 * `flush` once per frame: in a task of its own just after the next frame starts (a timer set from
 * requestAnimationFrame), so the events' store update and React render do not lengthen the
 * frame's rendering task; after FLUSH_TIMER_MS when no frame comes (hidden page).
 */
export function nextFrame(flush: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    flush();
  };
  const timer = setTimeout(once, FLUSH_TIMER_MS);
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(once, 0));
}

const byName = <T extends { name: string }>(items: T[]): Record<string, T> =>
  Object.fromEntries(items.map((item) => [item.name, item]));

const byTaskId = (workers: WorkerStatus[]): Record<string, WorkerStatus> =>
  Object.fromEntries(workers.map((worker) => [worker.taskId, worker]));

/** A card the board shows: loaded, or found by the core for the filter (`search`). */
export function cardById(state: Pick<BoardState, 'tasks' | 'search'>, id: string): Card | undefined {
  return state.tasks[id] ?? state.search?.cards[id];
}

/** True when every parent of the task is done (the core counts them; archived ones do not count). */
export function parentsDoneOf(state: Pick<BoardState, 'tasks' | 'search'>, taskId: string): boolean {
  const card = cardById(state, taskId);
  return !card || !waitsForParents(card);
}

/**
 * Whether putting `card` in lane × column makes the dispatcher start it at once (issue 15: a drop
 * onto a profile lane starts an agent, and the hint and the toast must say so): ready, a profile
 * lane that is not paused and has room, its parents done, a dispatcher that runs and has room.
 */
export function startsWorkerNow(
  state: Pick<BoardState, 'tasks' | 'search' | 'lanes' | 'dispatcher'>,
  card: Card,
  lane: string,
  column: TaskStatus,
): boolean {
  if (column !== 'ready' || !lane) return false;
  if (card.status === 'ready' && laneKeyOf(card.assignee) === lane) return false; // no move
  const status = state.lanes[lane];
  const dispatcher = state.dispatcher;
  if (
    !status ||
    status.kind !== 'profile' ||
    status.paused ||
    status.workerSlotsInUse >= status.maxConcurrent
  )
    return false;
  // Started by whichever dispatcher runs (here or elsewhere); never under --no-dispatch alone.
  if (!dispatcher || !describeDispatcher(dispatcher).on) return false;
  if (dispatcher.workerSlotsInUse >= dispatcher.globalMaxConcurrent) return false;
  return parentsDoneOf(state, card.id);
}

/** Cards fetched per "more" when the caller does not say. */
export const CELL_FETCH = 100;

/** Matches the core sends for a filter at most. */
export const SEARCH_LIMIT = 500;

/** A filter is sent to the core after typing pauses this long. */
const SEARCH_DELAY_MS = 200;

const totalsOf = (cells: readonly CellCount[]): Record<string, number> => {
  const totals: Record<string, number> = {};
  for (const cell of cells) totals[cellKey(laneKeyOf(cell.assignee), cell.status)] = cell.count;
  return totals;
};

/** What the store holds of one board, before its snapshot (a board switch starts from it). */
const emptyBoardData = (): Pick<
  BoardState,
  'tasks' | 'cellCursors' | 'cellTotals' | 'search' | 'lanes' | 'workers' | 'changes'
> => ({ tasks: {}, cellCursors: {}, cellTotals: {}, search: null, lanes: {}, workers: {}, changes: {} });

/**
 * The board's change cards after an answer of boardChanges: the answer replaces what was held,
 * except cards an event brought meanwhile that were computed later than the answer's.
 */
function mergeChangeCards(
  held: Record<string, ChangeCard>,
  answer: readonly ChangeCard[],
): Record<string, ChangeCard> {
  const merged: Record<string, ChangeCard> = {};
  for (const card of answer) {
    const newer = held[card.taskId];
    const newerAt = newer?.summary?.computedAt ?? -1;
    merged[card.taskId] = newer && newerAt > (card.summary?.computedAt ?? -1) ? newer : card;
  }
  return merged;
}

/** The cards among `cards` whose skip reason these changes alter, as changed copies. */
function skipChanges(
  cards: Record<string, Card>,
  skips: readonly { id: string; skipReason: Card['skipReason']; skipDetail: string | null }[],
): Card[] {
  const changed: Card[] = [];
  for (const skip of skips) {
    const card = cards[skip.id];
    if (!card || (card.skipReason === skip.skipReason && card.skipDetail === skip.skipDetail)) continue;
    changed.push({ ...card, skipReason: skip.skipReason, skipDetail: skip.skipDetail });
  }
  return changed;
}

/**
 * Cursors of the cells `cards` carry only in part, each at its last card there, and null for the
 * counted cells (`totals`) of which they carry no card.
 */
function cursorsOf(
  cards: readonly Card[],
  totals: Record<string, number>,
): Record<string, CellCursor | null> {
  const loaded = new Map<string, Card[]>();
  for (const card of cards) {
    const key = cellKeyOf(card);
    const list = loaded.get(key);
    if (list) list.push(card);
    else loaded.set(key, [card]);
  }
  const cursors: Record<string, CellCursor | null> = {};
  for (const key in totals) {
    const list = loaded.get(key);
    if ((totals[key] ?? 0) <= (list?.length ?? 0)) continue;
    if (!list) {
      cursors[key] = null;
      continue;
    }
    let last = list[0] as Card;
    for (const card of list) if (compareTasksInColumn(card, last) > 0) last = card;
    cursors[key] = cursorOf(last);
  }
  return cursors;
}

/** Whether `card` belongs to the part of its cell the store does not hold (past the cursor). */
function pastLoadedPart(card: Card, cursors: BoardState['cellCursors']): boolean {
  const key = cellKeyOf(card);
  if (!(key in cursors)) return false;
  const cursor = cursors[key];
  return cursor === null || cursor === undefined || isAfterCursor(card, cursor);
}

export function createBoardStore(api: BoardApi, options: BoardStoreOptions = {}): BoardStore {
  let nextToastId = 1;
  /** Events that arrive while a snapshot is on its way; applied after it when newer. */
  let buffered: BoardEvent[] = [];
  let loadGeneration = 0;
  /** Live events waiting for the next flush (queueEvent), in arrival order. */
  let queued: BoardEvent[] = [];
  let flushScheduled = false;
  const scheduleFlush = options.scheduleFlush ?? nextFrame;
  const afterPaint = options.afterPaint ?? afterNextPaint;

  return createStore<BoardState>()((set, get) => {
    /** True while a gap resync is fetching; events are buffered meanwhile. */
    let resyncing = false;
    const isResyncing = (): boolean => get().loadState === 'loading' || resyncing;

    /**
     * A call to the core. Its answer is handled after the events that arrived before it, as if
     * each message were applied on arrival: a queued older event cannot overwrite a newer answer.
     */
    async function call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
      try {
        return await api.call(name, request);
      } finally {
        applyBatch([]);
      }
    }

    /** Flushes the queue a frame at a time, at most FLUSH_CARD_LIMIT cards each. */
    function scheduleQueued(): void {
      if (flushScheduled || queued.length === 0) return;
      flushScheduled = true;
      scheduleFlush(() => {
        flushScheduled = false;
        applyBatch([], FLUSH_CARD_LIMIT);
        scheduleQueued();
      });
    }

    function makeToast(level: ToastLevel, message: string, taskId: string | null, undo?: () => void): Toast {
      return undo
        ? { id: nextToastId++, level, message, taskId, undo }
        : { id: nextToastId++, level, message, taskId };
    }

    /** Lanes asked for (loadLaneCards) and not answered yet; those of the next call. */
    let laneLoads = new Set<string>();
    let lanesToLoad: string[] = [];

    /**
     * The first cards of the lanes asked for since the last call, in one call. Only cells still
     * without any loaded card take them: a cell "more" or an event loaded meanwhile keeps its own.
     */
    async function fetchLaneCards(): Promise<void> {
      const lanes = lanesToLoad.splice(0, LANE_CARDS_MAX_LANES);
      if (lanesToLoad.length > 0) queueMicrotask(() => void fetchLaneCards());
      if (lanes.length === 0) return;
      const asked = laneLoads;
      const { board } = get();
      const generation = loadGeneration;
      let answer: CallResponse<'laneCards'> | null = null;
      try {
        answer = await call('laneCards', { board, lanes: lanes.map(assigneeOfLane) });
      } catch {
        answer = null; // the lane stays as it is; its row asks again when it comes near again
      }
      for (const lane of lanes) asked.delete(lane);
      if (!answer || generation !== loadGeneration) return;
      const state = get();
      const counts = new Map<string, number>();
      for (const cell of answer.cells) counts.set(cellKey(laneKeyOf(cell.assignee), cell.status), cell.count);
      const unloaded = new Set<string>();
      for (const lane of lanes) {
        for (const column of BOARD_COLUMNS) {
          const key = cellKey(lane, column);
          if (state.cellCursors[key] === null) unloaded.add(key);
        }
      }
      const tasks = { ...state.tasks };
      const ids: string[] = [];
      const pages = new Map<string, Card[]>();
      for (const task of answer.tasks) {
        const key = cellKeyOf(task);
        if (!unloaded.has(key) || state.pendingMoves[task.id]) continue;
        tasks[task.id] = task;
        ids.push(task.id);
        const page = pages.get(key);
        if (page) page.push(task);
        else pages.set(key, [task]);
      }
      const cellCursors = { ...state.cellCursors };
      const cellTotals = { ...state.cellTotals };
      for (const key of unloaded) {
        const total = counts.get(key) ?? 0;
        const page = pages.get(key) ?? [];
        // The page is the cell's start, in its order: its last card is where the loaded part ends.
        const last = page.at(-1);
        if (total > page.length && last) cellCursors[key] = cursorOf(last);
        else if (total > page.length)
          continue; // still counted, nothing sent: stays unloaded
        else delete cellCursors[key];
        cellTotals[key] = total;
      }
      set({ tasks, cellCursors, cellTotals, taskDelta: { from: state.tasks, to: tasks, ids } });
      scheduleSearch();
    }

    function applySnapshot(snapshot: Snapshot): void {
      const tasks: Record<string, Card> = {};
      for (const task of snapshot.tasks) if (task.status !== 'archived') tasks[task.id] = task;
      const cellTotals = totalsOf(snapshot.cells);
      keptInView = new Set();
      laneLoads = new Set();
      lanesToLoad = [];
      set({
        board: snapshot.board,
        loadState: 'ready',
        loadError: null,
        lastSeq: snapshot.seq,
        snapshots: get().snapshots + 1,
        tasks,
        cellCursors: cursorsOf(Object.values(tasks), cellTotals),
        cellTotals,
        search: null,
        lanes: byName(snapshot.lanes),
        workers: byTaskId(snapshot.dispatcher.workers),
        dispatcher: snapshot.dispatcher,
        boards: snapshot.boards,
        problems: snapshot.problems,
        pendingMoves: {},
      });
      scheduleSearch();
    }

    async function fetchSnapshot(board: string, showLoading: boolean): Promise<void> {
      const generation = ++loadGeneration;
      if (showLoading) set({ loadState: 'loading', loadError: null, board });
      try {
        const snapshot = await call('snapshot', { board });
        if (generation !== loadGeneration) return; // a newer load won
        applySnapshot(snapshot);
        resyncing = false;
        const pending = buffered;
        buffered = [];
        // Replay only what continues the snapshot; a hole here means the snapshot is the newest
        // truth we can get, and the next live event will trigger another resync if needed.
        const replay: BoardEvent[] = [];
        let seq = snapshot.seq;
        for (const event of pending) {
          if (event.seq <= seq) continue;
          if (event.seq !== seq + 1) break;
          replay.push(event);
          seq = event.seq;
        }
        applyBatch(replay);
        // The change chips are asked once the snapshot's board is on screen. `serve` runs its
        // engine's cold first tick at the page's next call after the snapshot (server.ts
        // `BoardOpening`): asked alongside the snapshot, that tick's ~0.4 s of CPU ran while the
        // page rendered and painted on "large" (bench/RESULTS.md, row 7, engineer paint).
        await afterPaint();
        if (generation !== loadGeneration) return;
        const cards = await call('boardChanges', { board }).catch(() => null);
        if (cards && generation === loadGeneration) set({ changes: mergeChangeCards(get().changes, cards) });
      } catch (error) {
        if (generation !== loadGeneration) return;
        buffered = [];
        set({ loadState: 'error', loadError: errorMessage(error) });
      }
    }

    /** Worker rows only make sense for running tasks; drop the ones whose task left running. */
    function pruneWorkers(workers: Record<string, WorkerStatus>, tasks: Record<string, Card>) {
      let pruned: Record<string, WorkerStatus> | null = null;
      for (const taskId of Object.keys(workers)) {
        const task = tasks[taskId];
        if (task && task.status !== 'running') {
          pruned ??= { ...workers };
          delete pruned[taskId];
        }
      }
      return pruned ?? workers;
    }

    /**
     * Cards this window moved or changed: they stay on the board wherever they land, also past a
     * cell's cursor (someone who drops a card in a long cell expects to see it there). A card
     * loaded past the cursor is harmless: the cursor still says up to where the cell is whole, and
     * paging on brings the cards in between. Reset with every snapshot.
     */
    let keptInView = new Set<string>();

    /**
     * Applies changed and removed tasks to `tasks`, a copy the caller owns. A card that now sorts
     * past its cell's cursor leaves the store (unless this window put it there: keptInView): it is
     * in the part of the cell not loaded (counted in `cellTotals`), and "more" brings it back.
     */
    function patchTasks(
      tasks: Record<string, Card>,
      board: string,
      cursors: BoardState['cellCursors'],
      changed: Card[],
      removed: string[],
    ): void {
      for (const task of changed) {
        if (task.board !== board) continue; // the stream carries every board's changes
        const pastCursor = pastLoadedPart(task, cursors) && !keptInView.has(task.id);
        if (task.status === 'archived' || pastCursor) delete tasks[task.id];
        else tasks[task.id] = task;
      }
      for (const id of removed) delete tasks[id];
    }

    /** The search's cards after these changes (the same object when none of them is a match). */
    function patchSearch(search: BoardSearch | null, changed: Card[], removed: string[]): BoardSearch | null {
      if (!search || search.state !== 'ready') return search;
      let cards: Record<string, Card> | null = null;
      for (const task of changed) {
        if (!(task.id in search.cards)) continue;
        cards ??= { ...search.cards };
        if (task.status === 'archived') delete cards[task.id];
        else cards[task.id] = task;
      }
      for (const id of removed) {
        if (!(id in search.cards)) continue;
        cards ??= { ...search.cards };
        delete cards[id];
      }
      return cards ? { ...search, cards } : search;
    }

    function applyTasksEvent(changed: Card[], removed: string[]): void {
      const state = get();
      const tasks = { ...state.tasks };
      patchTasks(tasks, state.board, state.cellCursors, changed, removed);
      set({
        tasks,
        workers: pruneWorkers(state.workers, tasks),
        search: patchSearch(state.search, changed, removed),
      });
    }

    let searchTimer: ReturnType<typeof setTimeout> | undefined;

    /**
     * The board's filter over cards it has not loaded: with a filter set on a board loaded in part
     * (any cell with a cursor), the core is asked for the matches, after SEARCH_DELAY_MS of quiet.
     */
    function scheduleSearch(): void {
      clearTimeout(searchTimer);
      const { filter, cellCursors, search } = get();
      if (!isFilterActive(filter) || Object.keys(cellCursors).length === 0) {
        if (search) set({ search: null });
        return;
      }
      if (search?.filter === filter) return;
      set({ search: { filter, state: 'loading', cards: {}, total: 0 } });
      searchTimer = setTimeout(() => void runSearch(filter), SEARCH_DELAY_MS);
    }

    async function runSearch(filter: TaskFilter): Promise<void> {
      const board = get().board;
      const request: CallRequest<'searchCards'> = {
        board,
        text: filter.text.trim(),
        needsAttention: filter.needsAttention,
        limit: SEARCH_LIMIT,
      };
      if (filter.needsReview) request.needsReview = true;
      if (filter.lane !== null) request.assignee = assigneeOfLane(filter.lane);
      if (filter.status !== null && filter.status !== 'archived') request.status = filter.status;
      if (filter.skipReason !== null) request.skipReason = filter.skipReason;
      let result: CallResponse<'searchCards'> | null = null;
      try {
        result = await call('searchCards', request);
      } catch {
        result = null;
      }
      const current = get();
      if (current.filter !== filter || current.board !== board || current.search?.filter !== filter) return;
      if (!result) {
        set({ search: { filter, state: 'error', cards: {}, total: 0 } });
        return;
      }
      const cards: Record<string, Card> = {};
      for (const card of result.tasks) if (!(card.id in current.tasks)) cards[card.id] = card;
      set({ search: { filter, state: 'ready', cards, total: result.total } });
    }

    /**
     * Applies queued events (the first ones up to `cardLimit` cards), then `events`, in seq order
     * and in one store update: the state is worked on in `next` (tasks copied once per batch) and
     * stored with a single `set`, so the selectors and React run once however many events came.
     * Gaps, buffering while a snapshot is on its way and stale events are handled per event
     * exactly as if each came alone.
     */
    function applyBatch(events: BoardEvent[], cardLimit = Number.POSITIVE_INFINITY): void {
      let batch = events;
      if (queued.length > 0) {
        let take = queued.length;
        if (cardLimit !== Number.POSITIVE_INFINITY) {
          let cards = 0;
          take = 0;
          while (take < queued.length && (take === 0 || cards < cardLimit)) {
            const event = queued[take++] as BoardEvent;
            if (event.type === 'tasks') cards += event.tasks.length + event.removed.length;
            else if (event.type === 'skips') cards += 1; // a lookup each; only loaded cards change
          }
        }
        const head = take === queued.length ? queued : queued.slice(0, take);
        queued = take === queued.length ? [] : queued.slice(take);
        batch = events.length > 0 ? [...head, ...events] : head;
      }
      if (batch.length === 0) return;
      const base = get();
      const next: Partial<BoardState> = {};
      const cur = <K extends keyof BoardState>(key: K): BoardState[K] =>
        (key in next ? next[key] : base[key]) as BoardState[K];
      let ownTasks: Record<string, Card> | null = null;
      const touched: string[] = [];
      let gap = false;
      for (const event of batch) {
        if (gap || isResyncing()) {
          buffered.push(event);
          continue;
        }
        const lastSeq = cur('lastSeq');
        if (event.seq <= lastSeq) continue; // already part of the snapshot we hold
        if (event.seq !== lastSeq + 1) {
          // A gap: events were lost (reload, sleep, dropped socket). Only a snapshot is trustworthy.
          buffered.push(event);
          gap = true;
          continue;
        }
        next.lastSeq = event.seq;
        switch (event.type) {
          case 'tasks':
            ownTasks ??= { ...base.tasks };
            patchTasks(ownTasks, base.board, base.cellCursors, event.tasks, event.removed);
            next.search = patchSearch(cur('search'), event.tasks, event.removed);
            for (const task of event.tasks) touched.push(task.id);
            appendAll(touched, event.removed);
            next.tasks = ownTasks;
            next.workers = pruneWorkers(cur('workers'), ownTasks);
            break;
          case 'skips': {
            const changed = skipChanges(ownTasks ?? base.tasks, event.skips);
            if (changed.length > 0) {
              ownTasks ??= { ...base.tasks };
              for (const card of changed) {
                ownTasks[card.id] = card;
                touched.push(card.id);
              }
              next.tasks = ownTasks;
            }
            const search = cur('search');
            if (search?.state === 'ready') {
              const found = skipChanges(search.cards, event.skips);
              if (found.length > 0) {
                const cards = { ...search.cards };
                for (const card of found) cards[card.id] = card;
                next.search = { ...search, cards };
              }
            }
            break;
          }
          case 'workers': {
            const workers = { ...cur('workers') };
            for (const worker of event.workers) workers[worker.taskId] = worker;
            next.workers = pruneWorkers(workers, cur('tasks'));
            break;
          }
          case 'dispatcher':
            next.dispatcher = event.state;
            next.workers = pruneWorkers(byTaskId(event.state.workers), cur('tasks'));
            break;
          case 'lanes':
            // Every lane of that board: lanes no longer in the list are gone.
            if (event.board === base.board) {
              next.lanes = byName(event.lanes);
              next.cellTotals = totalsOf(event.cells);
            }
            break;
          case 'boards':
            next.boards = event.boards;
            break;
          case 'changes':
            if (event.board === base.board) {
              const changes = { ...cur('changes') };
              for (const card of event.changes) changes[card.taskId] = card;
              next.changes = changes;
            }
            break;
          case 'notice':
            if (event.taskId && event.title.trim().toLowerCase() === OPEN_CARD_NOTICE_TITLE) {
              next.openTaskId = event.taskId;
            } else {
              const text = event.message ? `${event.title}: ${event.message}` : event.title;
              next.toasts = [...cur('toasts').slice(-4), makeToast(event.level, text, event.taskId)];
            }
            break;
        }
      }
      if (ownTasks) next.taskDelta = { from: base.tasks, to: ownTasks, ids: touched };
      if (Object.keys(next).length > 0) set(next);
      if (gap) void get().resync();
    }

    return {
      board: DEFAULT_BOARD,
      loadState: 'idle',
      loadError: null,
      lastSeq: 0,
      snapshots: 0,
      ...emptyBoardData(),
      dispatcher: null,
      boards: [],
      problems: [],
      pendingMoves: {},
      taskDelta: null,
      view: 'board',
      filter: EMPTY_FILTER,
      collapsedLanes: {},
      openTaskId: null,
      openTaskTab: 'details',
      toasts: [],
      confirm: null,
      createOpen: false,
      settingsOpen: false,
      firstRunDismissed: false,

      async load(board = get().board) {
        if (options.persistBoard) storeBoard(board);
        set({
          openTaskId: null,
          ...emptyBoardData(),
          filter: EMPTY_FILTER,
        });
        await fetchSnapshot(board, true);
      },

      async resync() {
        if (resyncing) return;
        resyncing = true;
        try {
          await fetchSnapshot(get().board, false);
        } finally {
          resyncing = false;
        }
      },

      applyEvent(event) {
        applyBatch([event]);
      },

      queueEvent(event) {
        queued.push(event);
        scheduleQueued();
      },

      flushEvents() {
        applyBatch([]);
      },

      async loadMoreCards(lane, status, limit = CELL_FETCH) {
        const { board, loadState } = get();
        const key = cellKey(lane, status);
        const cursors = get().cellCursors;
        if (loadState !== 'ready' || !(key in cursors) || status === 'archived') return;
        // null: none of the cell is loaded yet, the page starts at its first card.
        const after = cursors[key] ?? null;
        const generation = loadGeneration;
        const request: CallRequest<'cellCards'> = { board, assignee: assigneeOfLane(lane), status, limit };
        if (after) request.after = after;
        const page = await get().run('cellCards', request);
        // A new snapshot (board switch, resync) or another page moved the cell on: drop this one.
        if (!page || generation !== loadGeneration || get().cellCursors[key] !== after) return;
        const state = get();
        const tasks = { ...state.tasks };
        // The page was read after every event applied so far: its cards are the newest, except
        // a move of ours on its way to the core.
        for (const task of page.tasks) if (!state.pendingMoves[task.id]) tasks[task.id] = task;
        const cellCursors = { ...state.cellCursors };
        const last = page.tasks.at(-1);
        if (page.remaining > 0 && last) cellCursors[key] = cursorOf(last);
        else delete cellCursors[key];
        let loaded = 0;
        for (const task of Object.values(tasks)) if (cellKeyOf(task) === key) loaded++;
        set({
          tasks,
          cellCursors,
          cellTotals: { ...state.cellTotals, [key]: loaded + page.remaining },
          taskDelta: { from: state.tasks, to: tasks, ids: page.tasks.map((task) => task.id) },
        });
        scheduleSearch();
      },

      loadLaneCards(lane) {
        const { loadState, cellCursors } = get();
        if (loadState !== 'ready' || laneLoads.has(lane) || !hasUnloadedCell(cellCursors, lane)) return;
        laneLoads.add(lane);
        lanesToLoad.push(lane);
        if (lanesToLoad.length === 1) queueMicrotask(() => void fetchLaneCards());
      },

      async moveTask(id, patch, options = {}) {
        const before = cardById(get(), id);
        if (!before) return false;
        const status = patch.status ?? before.status;
        const assignee = patch.assignee === undefined ? before.assignee : patch.assignee;
        const request: CallRequest<'moveTask'> = { id };
        if (status !== before.status) request.status = status;
        if (assignee !== before.assignee) request.assignee = assignee;
        if (request.status === undefined && request.assignee === undefined) return false;

        if (request.status !== undefined) {
          const verdict = checkMove(before.status, status, { parentsDone: parentsDoneOf(get(), id) });
          if (!verdict.allowed) {
            get().pushToast('warning', `Can't move ${before.id}: ${verdict.reason}`, id);
            return false;
          }
          if (verdict.stopsWorker && !options.confirmed) {
            const confirmed = await get().askConfirm(
              `“${before.title}” is running. Moving it to ${status} stops its worker. Continue?`,
              'Stop and move',
            );
            if (!confirmed) return false;
          }
        }

        // Said before the move, from the same facts as the drop hint (selectors.startsWorkerNow).
        const starts = startsWorkerNow(get(), before, laneKeyOf(assignee), status);
        const optimistic: Card = { ...before, status, assignee, skipReason: null, skipDetail: null };
        keptInView.add(id);
        set({
          tasks: { ...get().tasks, [id]: optimistic },
          pendingMoves: { ...get().pendingMoves, [id]: before },
        });
        const settle = (task: Card | null) => {
          const pendingMoves = { ...get().pendingMoves };
          delete pendingMoves[id];
          const current = get().tasks[id];
          // Only touch the card if nothing newer (an event) replaced our optimistic copy meanwhile.
          if (current === optimistic && task) set({ tasks: { ...get().tasks, [id]: task }, pendingMoves });
          else set({ pendingMoves });
        };
        try {
          const result = await call('moveTask', request);
          // The answer is a whole task: the board keeps its card, dependency counts as they were.
          settle(result.task.status === 'archived' ? null : cardOf(result.task, before));
          if (result.task.status === 'archived') applyTasksEvent([], [id]);
          if (result.stoppedWorker) get().pushToast('info', `Stopped the worker of ${id}`, id);
          if (options.undoable !== false) {
            const where = `${laneLabel(laneKeyOf(assignee))} · ${status}`;
            const back: MovePatch = { status: before.status, assignee: before.assignee };
            get().pushToast(
              'info',
              `Moved “${before.title}” to ${where}${starts ? ` — ${assignee} starts it now` : ''}`,
              id,
              // Undo puts it back where it was; a worker the move started is stopped on the way.
              () => void get().moveTask(id, back, { undoable: false, confirmed: true }),
            );
          }
          return true;
        } catch (error) {
          settle(before);
          const where = request.assignee !== undefined ? ` to ${laneLabel(laneKeyOf(assignee))}` : '';
          get().pushToast('error', `Move of ${id}${where} refused: ${errorMessage(error)}`, id);
          return false;
        }
      },

      async run(name, request) {
        try {
          return await call(name, request);
        } catch (error) {
          get().pushToast('error', errorMessage(error));
          return null;
        }
      },

      upsertTasks(tasks) {
        // Commands answer with whole tasks; the board keeps cards (no body) like the snapshot's,
        // with the dependency counts it has (the core's event for the task brings exact ones).
        const known = get().tasks;
        for (const task of tasks) if (task.id in known) keptInView.add(task.id);
        applyTasksEvent(
          tasks.map((task) => cardOf(task, known[task.id])),
          [],
        );
      },

      upsertLane(lane) {
        set({ lanes: { ...get().lanes, [lane.name]: lane } });
      },

      replaceLanes(lanes) {
        set({ lanes: byName(lanes) });
      },

      setDispatcher(state) {
        set({ dispatcher: state, workers: pruneWorkers(byTaskId(state.workers), get().tasks) });
      },

      pushToast(level, message, taskId = null, undo) {
        set({ toasts: [...get().toasts.slice(-4), makeToast(level, message, taskId, undo)] });
      },

      dismissToast(id) {
        set({ toasts: get().toasts.filter((toast) => toast.id !== id) });
      },

      askConfirm(message, confirmLabel = 'OK') {
        get().confirm?.resolve(false);
        return new Promise<boolean>((resolve) => set({ confirm: { message, confirmLabel, resolve } }));
      },

      answerConfirm(confirmed) {
        const request = get().confirm;
        set({ confirm: null });
        request?.resolve(confirmed);
      },

      openTask(id, tab = 'details') {
        set({ openTaskId: id, openTaskTab: tab });
      },
      setView(view) {
        set({ view });
      },
      setFilter(patch) {
        const filter = get().filter;
        // The same filter again (the search box echoes a filter set elsewhere) changes nothing:
        // a new object would re-index the board and ask the core again.
        if (Object.entries(patch).every(([key, value]) => filter[key as keyof TaskFilter] === value)) return;
        set({ filter: { ...filter, ...patch } });
        scheduleSearch();
      },
      toggleLaneCollapsed(lane) {
        const collapsedLanes = { ...get().collapsedLanes };
        if (collapsedLanes[lane]) delete collapsedLanes[lane];
        else collapsedLanes[lane] = true;
        set({ collapsedLanes });
      },
      setCreateOpen(open) {
        set({ createOpen: open });
      },
      setSettingsOpen(open) {
        set({ settingsOpen: open });
      },
      dismissFirstRun() {
        set({ firstRunDismissed: true });
      },
    };
  });
}
