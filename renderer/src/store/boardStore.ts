import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BoardEvent, CallName, CallRequest, CallResponse, Snapshot } from '../../../shared/contract';
import type { DispatcherState, LaneStatus, WorkerStatus } from '../../../shared/dispatch';
import { cardOf, DEFAULT_BOARD, type Board, type Card, type TaskStatus } from '../../../shared/domain';
import { checkMove } from '../../../shared/transitions';
import type { BoardApi } from '../api/boardApi';
import { EMPTY_FILTER, type TaskFilter } from './filter';
import { compareTasksInColumn, laneKeyOf, laneLabel, UNASSIGNED_LANE } from './laneModel';

/**
 * The renderer's state (ENGINEERING: zustand, normalized). Tasks are kept by id; the lane×status
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
}

export interface ConfirmRequest {
  message: string;
  confirmLabel: string;
  resolve: (confirmed: boolean) => void;
}

export interface TaskLinkPair {
  parentId: string;
  childId: string;
}

export interface MovePatch {
  status?: TaskStatus;
  /** null moves the task to Unassigned; undefined keeps its lane. */
  assignee?: string | null;
}

export type BoardView = 'board' | 'lanes';

/**
 * A `notice` event with this title and a taskId asks the window to open that card (a desktop
 * notification was clicked); it is not shown as a toast.
 */
export const OPEN_CARD_NOTICE_TITLE = 'open card';

const BOARD_STORAGE_KEY = 'switchyard.board';

export interface BoardState {
  board: string;
  loadState: LoadState;
  loadError: string | null;
  /** seq of the last event (or snapshot) applied; the next event must carry lastSeq + 1. */
  lastSeq: number;
  /** The board's cards (tasks without bodies; the drawer reads the body from taskDetail). */
  tasks: Record<string, Card>;
  /**
   * Per lane key: done tasks the core has and the store does not (older than the loaded ones).
   * The snapshot carries only the newest done cards per lane; `loadMoreDone` pages the rest.
   */
  olderDone: Record<string, number>;
  links: TaskLinkPair[];
  lanes: Record<string, LaneStatus>;
  workers: Record<string, WorkerStatus>;
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
  toasts: Toast[];
  confirm: ConfirmRequest | null;
  createOpen: boolean;
  settingsOpen: boolean;
  firstRunDismissed: boolean;

  // Actions -----------------------------------------------------------------------------------
  load(board?: string): Promise<void>;
  resync(): Promise<void>;
  /**
   * Re-reads the lane statuses (running/capacity, kind, queue, failures). The core sends no lane
   * events of its own, so the store asks after the task, worker and dispatcher events that change
   * them (throttled), and the app asks now and then for profile files changed on disk.
   */
  refreshLanes(): Promise<void>;
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
  /** Fetches up to `limit` more done cards of a lane, older than the ones loaded (the "N more"). */
  loadMoreDone(lane: string, limit?: number): Promise<void>;
  /** Optimistic move: applied at once, confirmed by the core's answer, reverted with a toast on refusal. */
  moveTask(id: string, patch: MovePatch): Promise<boolean>;
  /** Runs a command; on failure shows the core's message in a toast and resolves to null. */
  run<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N> | null>;
  /** Stores tasks the core returned from a command, without waiting for the event stream. */
  upsertTasks(tasks: Card[]): void;
  upsertLane(lane: LaneStatus): void;
  setDispatcher(state: DispatcherState): void;
  replaceLanes(lanes: LaneStatus[]): void;
  pushToast(level: ToastLevel, message: string, taskId?: string | null): void;
  dismissToast(id: number): void;
  askConfirm(message: string, confirmLabel?: string): Promise<boolean>;
  answerConfirm(confirmed: boolean): void;
  openTask(id: string | null): void;
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

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function readStoredBoard(): string | null {
  try {
    return globalThis.localStorage?.getItem(BOARD_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage can be disabled; the default board is a fine fallback
  }
}

function storeBoard(board: string): void {
  try {
    globalThis.localStorage?.setItem(BOARD_STORAGE_KEY, board);
  } catch {
    // not fatal: the board choice just is not remembered
  }
}

export function initialBoard(): string {
  return readStoredBoard() ?? DEFAULT_BOARD;
}

/** True when every parent of the task is done; unknown parents (e.g. archived) count as done. */
export function parentsDoneOf(state: Pick<BoardState, 'tasks' | 'links'>, taskId: string): boolean {
  return state.links.every(
    (link) => link.childId !== taskId || (state.tasks[link.parentId]?.status ?? 'done') === 'done',
  );
}

/** Done cards fetched per "more" when the caller does not say. */
export const DONE_PAGE = 120;

/** The loaded done card of a lane that sorts last (the oldest completion), or undefined. */
function oldestDoneOf(tasks: Record<string, Card>, lane: string): Card | undefined {
  let oldest: Card | undefined;
  for (const task of Object.values(tasks)) {
    if (task.status !== 'done' || laneKeyOf(task.assignee) !== lane) continue;
    if (!oldest || compareTasksInColumn(task, oldest) > 0) oldest = task;
  }
  return oldest;
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

    function makeToast(level: ToastLevel, message: string, taskId: string | null): Toast {
      return { id: nextToastId++, level, message, taskId };
    }

    function applySnapshot(snapshot: Snapshot): void {
      const tasks: Record<string, Card> = {};
      for (const task of snapshot.tasks) if (task.status !== 'archived') tasks[task.id] = task;
      const olderDone: Record<string, number> = {};
      for (const { assignee, count } of snapshot.olderDone) olderDone[laneKeyOf(assignee)] = count;
      set({
        board: snapshot.board,
        loadState: 'ready',
        loadError: null,
        lastSeq: snapshot.seq,
        tasks,
        olderDone,
        links: snapshot.links,
        lanes: byName(snapshot.lanes),
        workers: byTaskId(snapshot.dispatcher.workers),
        dispatcher: snapshot.dispatcher,
        boards: snapshot.boards,
        problems: snapshot.problems,
        pendingMoves: {},
      });
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

    /** Applies changed and removed tasks to `tasks`, a copy the caller owns. */
    function patchTasks(
      tasks: Record<string, Card>,
      board: string,
      olderDone: BoardState['olderDone'],
      changed: Card[],
      removed: string[],
    ): void {
      const oldestDone = new Map<string, Card | undefined>();
      for (const task of changed) {
        if (task.board !== board) continue; // the stream carries every board's changes
        if (task.status === 'archived') delete tasks[task.id];
        else if (isHiddenDone(task, tasks, olderDone, oldestDone)) continue;
        else tasks[task.id] = task;
      }
      for (const id of removed) delete tasks[id];
    }

    function applyTasksEvent(changed: Card[], removed: string[]): void {
      const state = get();
      const tasks = { ...state.tasks };
      patchTasks(tasks, state.board, state.olderDone, changed, removed);
      set({ tasks, workers: pruneWorkers(state.workers, tasks) });
    }

    /**
     * A done card the store does not hold, older than the lane's oldest loaded one while older ones
     * are still on the core: it is one of those (counted in olderDone) and stays there until paged
     * in, so the count and the paging cursor stay right.
     */
    function isHiddenDone(
      task: Card,
      tasks: Record<string, Card>,
      olderDone: BoardState['olderDone'],
      cache: Map<string, Card | undefined>,
    ): boolean {
      if (task.status !== 'done' || tasks[task.id]) return false;
      const lane = laneKeyOf(task.assignee);
      if (!olderDone[lane]) return false;
      if (!cache.has(lane)) cache.set(lane, oldestDoneOf(tasks, lane));
      const oldest = cache.get(lane);
      return oldest !== undefined && compareTasksInColumn(task, oldest) > 0;
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
            patchTasks(ownTasks, base.board, base.olderDone, event.tasks, event.removed);
            for (const task of event.tasks) touched.push(task.id);
            touched.push(...event.removed);
            next.tasks = ownTasks;
            next.workers = pruneWorkers(cur('workers'), ownTasks);
            break;
          case 'links':
            next.links = event.links;
            break;
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
            if (event.board === base.board) next.lanes = byName(event.lanes);
            break;
          case 'boards':
            next.boards = event.boards;
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
      tasks: {},
      olderDone: {},
      links: [],
      lanes: {},
      workers: {},
      dispatcher: null,
      boards: [],
      problems: [],
      pendingMoves: {},
      taskDelta: null,
      view: 'board',
      filter: EMPTY_FILTER,
      collapsedLanes: {},
      openTaskId: null,
      toasts: [],
      confirm: null,
      createOpen: false,
      settingsOpen: false,
      firstRunDismissed: false,

      async load(board = get().board) {
        if (options.persistBoard) storeBoard(board);
        set({
          openTaskId: null,
          tasks: {},
          olderDone: {},
          links: [],
          lanes: {},
          workers: {},
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

      async refreshLanes() {
        const board = get().board;
        if (get().loadState !== 'ready') return;
        try {
          const lanes = await call('laneStatuses', { board });
          if (get().board !== board) return;
          set({ lanes: byName(lanes) });
        } catch {
          // Not worth a toast: the lanes keep their last figures and the next event asks again;
          // a dropped connection shows up in the next real command and in the snapshot resync.
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

      async loadMoreDone(lane, limit = DONE_PAGE) {
        const { board, loadState } = get();
        if (loadState !== 'ready' || !get().olderDone[lane]) return;
        const oldest = oldestDoneOf(get().tasks, lane);
        const before = oldest
          ? { completedAt: oldest.completedAt ?? oldest.updatedAt, id: oldest.id }
          : undefined;
        const seq = get().lastSeq;
        const page = await get().run('doneCards', {
          board,
          assignee: lane === UNASSIGNED_LANE ? null : lane,
          limit,
          ...(before ? { before } : {}),
        });
        // A new snapshot (board switch, resync) replaced what this page continues: drop it.
        if (!page || get().board !== board || get().lastSeq < seq) return;
        const tasks = { ...get().tasks };
        // Cards the events already brought are newer than the page's copy.
        for (const task of page.tasks) tasks[task.id] ??= task;
        set({ tasks, olderDone: { ...get().olderDone, [lane]: page.remaining } });
      },

      async moveTask(id, patch) {
        const before = get().tasks[id];
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
          if (verdict.stopsWorker) {
            const confirmed = await get().askConfirm(
              `“${before.title}” is running. Moving it to ${status} stops its worker. Continue?`,
              'Stop and move',
            );
            if (!confirmed) return false;
          }
        }

        const optimistic: Card = { ...before, status, assignee, skipReason: null, skipDetail: null };
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
          settle(result.task.status === 'archived' ? null : result.task);
          if (result.task.status === 'archived') applyTasksEvent([], [id]);
          if (result.stoppedWorker) get().pushToast('info', `Stopped the worker of ${id}`, id);
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
        // Commands answer with whole tasks; the board keeps cards (no body) like the snapshot's.
        applyTasksEvent(tasks.map(cardOf), []);
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

      pushToast(level, message, taskId = null) {
        set({ toasts: [...get().toasts.slice(-4), makeToast(level, message, taskId)] });
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

      openTask(id) {
        set({ openTaskId: id });
      },
      setView(view) {
        set({ view });
      },
      setFilter(patch) {
        set({ filter: { ...get().filter, ...patch } });
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
