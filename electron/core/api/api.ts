import fs from 'node:fs';
import type { z } from 'zod';
import {
  CALL_NAMES,
  contract,
  type BoardEvent,
  type CallError,
  type CallName,
  type CallResponse,
  type CallResult,
  type Contract,
  CARDS_PER_CELL,
  SNAPSHOT_CARD_LANES,
} from '../../../shared/contract';
import { lanesShownFirst } from '../../../shared/laneOrder';
import { describeRefusal } from '../../../shared/refusalText';
import type { LaneStatus } from '../../../shared/dispatch';
import { STATUS_KEEPING_EVENT_KINDS } from '../../../shared/constants';
import type { Card, TaskEvent } from '../../../shared/domain';
import type { ChangeCard } from '../../../shared/repository';
import {
  boardCards,
  cardsByIds,
  contentVersion,
  readBoardCards,
  skipsByIds,
  type BoardCards,
  cellCardsPage,
  cellCounts,
  cellCountsOfLanes,
  searchCards,
} from '../store/boardCards';
import * as boards from '../store/boards';
import * as repositories from '../store/repositories';
import * as changes from '../workers/changes';
import * as land from '../workers/land';
import { configureBoardRepository } from '../workers/repository';
import * as commands from '../commands/taskCommands';
import * as recurrences from '../commands/recurrences';
import * as links from '../store/links';
import { describeDatabaseFault } from '../store/db/databaseErrors';
import { runInWriteTransaction, waitForWriteLock } from '../store/db/open';
import type { EngineHandle } from '../dispatch/engineHandle';
import { Listeners, type EngineChange } from '../dispatch/engineChanges';
import { SwitchyardError, invalidInput, notFound } from '../errors';
import { changesComputedIds, eventsOf, skipsChangedIds } from '../store/events';
import { readTranscript } from '../workers/transcriptFile';
import * as runs from '../store/runs';
import * as profileFiles from '../config/profileFiles';

/**
 * Implements the contract (shared/contract.ts) on top of the core, for every transport: Electron
 * IPC, the WebSocket of web mode, tests. Requests are validated here, at the boundary, before
 * anything touches the database; results and errors travel as `CallResult` so they survive IPC.
 */

/** A request after its schema has parsed it (defaults filled in, assignees lower-cased …). */
type ParsedRequest<N extends CallName> = z.output<Contract[N]['request']>;
type Handler<N extends CallName> = (request: ParsedRequest<N>) => CallResponse<N> | Promise<CallResponse<N>>;
/** One handler per contract entry: a call without a handler does not compile. */
type Handlers = { [N in CallName]: Handler<N> };

export interface Api {
  /** Runs one call; never throws — failures come back as `{ ok: false, error }`. */
  call<N extends CallName>(name: N, request: unknown): Promise<CallResult<CallResponse<N>>>;
  /** For transports that receive the name as data (IPC, WebSocket): unknown names are refused. */
  callByName(name: unknown, request: unknown): Promise<CallResult<unknown>>;
  /** Follows the event stream (every event has a higher `seq` than the one before). */
  subscribe(listener: (event: BoardEvent) => void): () => void;
  /** The seq of the last event sent; a snapshot reports it so a client can spot gaps. */
  currentSeq(): number;
  /**
   * Reads a board's cards ahead while a window or page is still loading (a few cells at a time,
   * so requests keep being served): the board's first snapshot takes them when nothing has
   * changed since, instead of reading them then (half a second on a 100,000-task board).
   */
  prefetchSnapshot(board: string): void;
  /** Detaches from the engine. */
  close(): void;
}

export interface ApiOptions {
  /** Tests: check every response against its schema too (a mismatch becomes an 'internal' error). */
  validateResponses?: boolean;
  /** Where unexpected errors are reported (they reach the caller as 'internal'). */
  logError?: (message: string, error: unknown) => void;
}

function errorResult(error: unknown, logError: ApiOptions['logError']): { ok: false; error: CallError } {
  if (error instanceof SwitchyardError)
    return { ok: false, error: { code: error.code, message: error.message } };
  logError?.('unexpected error in an API call', error);
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, error: { code: 'internal', message: `internal error: ${message}` } };
}

const callNameSet = new Set<string>(CALL_NAMES);

/** Calls that never write: they need not wait for the write lock (anything else does, to be safe). */
const READ_CALLS: ReadonlySet<CallName> = new Set<CallName>([
  'snapshot',
  'listBoards',
  'taskDetail',
  'cellCards',
  'laneCards',
  'searchCards',
  'laneStatuses',
  'dispatcherState',
  'dryRunDispatch',
  'tailLog',
  'runTranscript',
  'listRecurrences',
  'boardChanges',
  'boardRepository',
]);

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && callNameSet.has(name);
}

export function createApi(engine: EngineHandle, options: ApiOptions = {}): Api {
  const { db, actor } = engine;
  const logError = options.logError ?? ((message, error) => console.error(`switchyard: ${message}:`, error));
  // The engine's error policy for the board's listeners too: a transport that throws is reported
  // through logError and the others still get the event.
  const listeners = new Listeners<BoardEvent>(logError, 'board events');
  let seq = 0;

  function emit(event: DistributiveOmit<BoardEvent, 'seq'>): void {
    if (!listeners.listened) return;
    listeners.emit(
      { ...event, seq: ++seq } as BoardEvent,
      (numbered) => `"${numbered.type}" (seq ${numbered.seq})`,
    );
  }

  /** After a write: let the dispatcher look at once (a task may have become ready). */
  function changed<T>(value: T): T {
    engine.wake();
    return value;
  }

  /**
   * A lane as the lane view shows it, on the first board that lists it. Called after a change that
   * makes the lane listed everywhere (a stored pause or limit, a new profile).
   */
  function laneStatus(name: string): LaneStatus {
    for (const board of boards.listBoards(db)) {
      const lane = engine.laneStatuses(board.slug).find((candidate) => candidate.name === name);
      if (lane) return lane;
    }
    throw new SwitchyardError('not_found', `no lane "${name}" on any board`);
  }

  function emitBoards(): void {
    emit({ type: 'boards', boards: boards.listBoards(db, true) });
  }

  /** Cards read ahead for a board's first snapshot (prefetchSnapshot), valid while nothing changed. */
  interface ReadAhead {
    board: string;
    /** The event seq and database contents the cards were read at. */
    seq: number;
    version: string;
    /** Resolves when the read is over: the cards, or null when it was given up. */
    cards: Promise<BoardCards | null>;
    /** The board's lane figures, read first (they pick the lanes read); null once a lane changed since. */
    lanes: LaneStatus[] | null;
    cancelled: boolean;
  }
  let readAhead: ReadAhead | null = null;

  /** The lanes whose cards a first snapshot carries: the board's first rows (shared/laneOrder.ts). */
  function firstSnapshotLanes(board: string, lanes: readonly LaneStatus[]): Set<string | null> {
    return new Set(lanesShownFirst(lanes, cellCounts(db, board), SNAPSHOT_CARD_LANES));
  }

  function prefetchSnapshot(board: string): void {
    if (readAhead || !boards.findBoard(db, board)) return;
    // The lane figures first: they decide which lanes' cards the snapshot carries.
    const lanes = engine.laneStatuses(board);
    const reader = readBoardCards(
      db,
      board,
      CARDS_PER_CELL,
      PREFETCH_CELLS_PER_STEP,
      firstSnapshotLanes(board, lanes),
    );
    const ahead: ReadAhead = {
      board,
      seq,
      version: contentVersion(db),
      cards: Promise.resolve(null),
      lanes,
      cancelled: false,
    };
    ahead.cards = new Promise((resolve) => {
      const step = () => {
        try {
          if (ahead.cancelled) return resolve(null);
          const next = reader.next();
          if (!next.done) return void setImmediate(step);
          // Read over several turns: only whole if nothing was written meanwhile.
          resolve(contentVersion(db) === ahead.version ? next.value : null);
        } catch (error) {
          // A damaged database is the engine's to say, once (issue 18), not a stack per reader.
          if (!engine.databaseFailed?.(error)) logError('reading the board ahead', error);
          resolve(null);
        }
      };
      setImmediate(step);
    });
    readAhead = ahead;
  }

  /** What was read ahead for this board if it is still the board's (used once). */
  async function takeReadAhead(
    board: string,
  ): Promise<{ cards: BoardCards; lanes: LaneStatus[] | null } | null> {
    const ahead = readAhead;
    if (!ahead || ahead.board !== board) {
      if (ahead) ahead.cancelled = true;
      readAhead = null;
      return null;
    }
    const cards = await ahead.cards;
    readAhead = null;
    // Still the board's, and no event was sent since (a client that subscribed meanwhile saw none).
    return cards && ahead.seq === seq && ahead.version === contentVersion(db)
      ? { cards, lanes: ahead.lanes }
      : null;
  }

  const handlers: Handlers = {
    snapshot: async ({ board }) => {
      const found = boards.findBoard(db, board);
      if (!found) throw notFound(`no board "${board}"`);
      const ahead = await takeReadAhead(board);
      // Read the seq first: anything that happens while we read arrives later with a higher seq.
      const at = seq;
      const lanes = ahead?.lanes ?? engine.laneStatuses(board);
      // Cards without bodies, only of the board's first lanes and only the first ones of each cell
      // (the rest: `laneCards`, `cellCards`); every cell counted.
      const { cards, cells } =
        ahead?.cards ?? boardCards(db, board, CARDS_PER_CELL, firstSnapshotLanes(board, lanes));
      return {
        seq: at,
        board,
        boards: boards.listBoards(db, true),
        tasks: cards,
        cells,
        lanes,
        dispatcher: engine.dispatcherState(),
        problems: engine.problems(),
      };
    },
    laneCards: ({ board, lanes }) => {
      if (!boards.findBoard(db, board)) throw notFound(`no board "${board}"`);
      const asked = new Set(lanes);
      const { cards, cells } = boardCards(db, board, CARDS_PER_CELL, asked);
      return { tasks: cards, cells: cells.filter((cell) => asked.has(cell.assignee)) };
    },
    cellCards: ({ board, assignee, status, after, limit }) => {
      if (!boards.findBoard(db, board)) throw notFound(`no board "${board}"`);
      return cellCardsPage(db, { board, assignee, status, after, limit });
    },
    searchCards: (request) => {
      if (!boards.findBoard(db, request.board)) throw notFound(`no board "${request.board}"`);
      const brokenLanes = request.needsAttention
        ? engine
            .laneStatuses(request.board)
            .filter((lane) => lane.kind === 'profile_broken')
            .map((lane) => lane.name)
        : [];
      return searchCards(db, {
        board: request.board,
        words: request.text.trim().split(/\s+/).filter(Boolean),
        assignee: request.assignee,
        status: request.status,
        skipReason: request.skipReason,
        needsAttention: request.needsAttention,
        brokenLanes,
        onlyIds: request.needsReview
          ? changes
              .boardChangeCards(db, request.board)
              .filter((card) => card.needsReview)
              .map((card) => card.taskId)
          : undefined,
        limit: request.limit,
      });
    },
    listBoards: () => boards.listBoards(db, true),
    taskDetail: ({ id }) => ({ ...commands.showTask(db, id), events: eventsOf(db, id) }),
    laneStatuses: ({ board }) => engine.laneStatuses(board),
    dispatcherState: () => engine.dispatcherState(),
    dryRunDispatch: () => engine.dryRun(),
    tailLog: (request) => tailLog(engine, request),
    runTranscript: async ({ id, runId }) => {
      const task = commands.getTask(db, id);
      const taskRuns = runs.runsOf(db, task.id).filter((run) => run.logPath !== null);
      const run =
        runId === undefined ? taskRuns.at(-1) : taskRuns.find((candidate) => candidate.id === runId);
      if (runId !== undefined && !run) throw notFound(`${task.id} has no run ${runId} with a log`);
      if (!run) return { runId: null, format: null, entries: [], omitted: 0 };
      return { runId: run.id, ...(await readTranscript(run.logPath as string)) };
    },
    createTask: (request) => changed(commands.createTask(db, request, actor)),
    editTask: ({ id, ...patch }) => commands.editTask(db, id, patch, actor),
    moveTask: ({ id, status, assignee }) => {
      if (status === undefined && assignee === undefined)
        throw invalidInput('move needs a status, an assignee or both');
      // docs/architecture.md §7: a drag that changes status and lane is applied together or not at all.
      const result = runInWriteTransaction(db, () => {
        let stoppedWorker = false;
        if (status !== undefined) stoppedWorker = commands.moveTask(db, id, status, actor).stoppedWorker;
        if (assignee !== undefined) commands.assignTask(db, id, assignee, actor);
        return { task: commands.getTask(db, id), stoppedWorker };
      });
      if (result.stoppedWorker) {
        // The claim is released in the transaction; the process itself goes now (docs/architecture.md §2).
        engine.stopWorker(id).catch((error: unknown) => logError(`stopping the worker of ${id}`, error));
      }
      return changed(result);
    },
    linkTasks: ({ parentId, childId }) => changed(commands.linkTasks(db, parentId, childId, actor)),
    unlinkTasks: ({ parentId, childId }) => changed(commands.unlinkTasks(db, parentId, childId, actor)),
    addComment: ({ id, body }) => commands.addComment(db, id, body, actor),
    completeTask: ({ id, summary }) => changed(commands.completeTask(db, id, summary, actor)),
    blockTask: ({ id, reason }) => changed(commands.blockTask(db, id, reason, actor)),
    unblockTask: ({ id }) => changed(commands.unblockTask(db, id, actor)),
    archiveTask: ({ id }) => changed(commands.archiveTask(db, id, actor)),
    stopTask: async ({ id }) => {
      const task = commands.getTask(db, id);
      if (task.status !== 'running')
        throw new SwitchyardError('illegal_move', `${task.id} is ${task.status}, not running`);
      await engine.stopWorker(task.id);
      // Blocked, so the dispatcher does not start it again at once; a person unblocks it.
      const after = commands.getTask(db, task.id);
      if (after.status !== 'running') return after;
      return changed(commands.blockTask(db, task.id, `stopped by ${actor.name}`, actor));
    },
    retryTask: ({ id }) => changed(commands.retryTask(db, id, actor)),
    approveTask: ({ id }) => changed(commands.approveTask(db, id, actor)),
    followupTask: ({ id, text }) => changed(commands.followupTask(db, id, text, actor)),
    setLaneAgentSettings: ({ lane, ...settings }) => {
      engine.setLaneAgentSettings(lane, settings);
      return changed(laneStatus(lane));
    },
    setLanePaused: ({ lane, paused }) => {
      engine.setLanePaused(lane, paused);
      return changed(laneStatus(lane));
    },
    setLaneConcurrency: ({ lane, maxConcurrent }) => {
      engine.setLaneConcurrency(lane, maxConcurrent);
      return changed(laneStatus(lane));
    },
    setDispatcherEnabled: ({ enabled }) => {
      // The engine pushes the new state to every listener (this API's board event among them).
      engine.setDispatcherEnabled(enabled);
      return engine.dispatcherState();
    },
    createBoard: ({ slug, name }) => {
      // Announced by its board_changed row of the log (onTaskEvents), like a board made elsewhere.
      return commands.createBoard(db, slug, name);
    },
    archiveBoard: ({ slug }) => {
      return commands.archiveBoard(db, slug);
    },
    taskChanges: async ({ id }) => {
      commands.getTask(db, id);
      return repositories.taskWorktree(db, id) ? changes.taskChanges(db, id) : null;
    },
    boardChanges: ({ board }) => {
      if (!boards.findBoard(db, board)) throw notFound(`no board "${board}"`);
      return changes.boardChangeCards(db, board);
    },
    landTask: async ({ id, action, mode, message }) => {
      const { paths } = engine;
      const result =
        action === 'merge'
          ? await land.mergeTask(db, paths, id, actor, { mode })
          : action === 'rebase'
            ? await land.rebaseTask(db, id, actor)
            : action === 'commit'
              ? await land.commitTaskChanges(db, id, message)
              : action === 'push'
                ? await land.pushTask(db, id)
                : await land.discardTask(db, paths, id, actor);
      return changed(result);
    },
    sendBackTask: ({ id, comment }) => changed(land.sendBackTask(db, id, comment, actor)),
    waiveReview: ({ id }) => changed(land.waiveReview(db, id, actor)),
    boardRepository: ({ board }) => {
      if (!boards.findBoard(db, board)) throw notFound(`no board "${board}"`);
      return repositories.boardRepository(db, board);
    },
    setBoardRepository: ({ board, repo, base, mergeMode, afterMerge }) =>
      configureBoardRepository(db, board, { repo, base, mergeMode, afterMerge }),
    createProfile: ({ name, template }) => changed(laneStatus(engine.createProfile(name, template))),
    profileFile: ({ name }) => profileFiles.readProfileText(engine.paths, name),
    saveProfile: ({ name, text, version }) => {
      const saved = profileFiles.saveProfileText(engine.paths, name, text, version);
      engine.profilesChanged();
      return changed({ ...saved, lane: laneStatus(saved.name) });
    },
    duplicateProfile: ({ name, newName }) => {
      const copy = profileFiles.duplicateProfile(engine.paths, name, newName);
      engine.profilesChanged();
      return changed({ ...copy, lane: laneStatus(copy.name) });
    },
    deleteProfile: ({ name, version }) => {
      // Its workers would go on without a profile to judge their exit by: stop them first.
      const running = new Set(
        boards
          .listBoards(db)
          .flatMap(
            (board) => engine.laneStatuses(board.slug).find((lane) => lane.name === name)?.workers ?? [],
          )
          .map((worker) => worker.runId),
      ).size;
      if (running > 0)
        throw new SwitchyardError(
          'conflict',
          `lane ${name} has ${running} worker${running === 1 ? '' : 's'} running; stop ${running === 1 ? 'it' : 'them'} (or let ${running === 1 ? 'it' : 'them'} finish) before deleting the profile`,
        );
      const movedTo = profileFiles.deleteProfile(engine.paths, name, version);
      engine.profilesChanged();
      return changed({ name, movedTo });
    },
    listRecurrences: ({ board }) => recurrences.listRecurrences(db, { board }),
    addRecurrence: (request) => changed(recurrences.addRecurrence(db, request)),
    setRecurrencePaused: ({ id, paused }) => changed(recurrences.setRecurrencePaused(db, id, paused)),
    removeRecurrence: ({ id }) => changed(recurrences.removeRecurrence(db, id)),
  };

  async function run<N extends CallName>(name: N, rawRequest: unknown): Promise<CallResult<CallResponse<N>>> {
    const schema = contract[name].request as unknown as z.ZodType<ParsedRequest<N>>;
    const parsed = schema.safeParse(rawRequest ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'validation', message: describeRefusal(parsed.error) },
      };
    }
    // A damaged database under the running engine: every call says so (the board shows it) and
    // nothing more touches the file, except the state call that carries the fault itself.
    const fault = engine.databaseFault?.() ?? null;
    if (fault && name !== 'dispatcherState') {
      return { ok: false, error: { code: 'database_unavailable', message: fault } };
    }
    try {
      // Issue 18: a write waits for another process's write lock on a timer, so reads, the board
      // and the HTTP server keep answering meanwhile.
      if (!READ_CALLS.has(name)) await waitForWriteLock(db);
      const handler = handlers[name] as Handler<N>;
      const value = await handler(parsed.data);
      if (options.validateResponses) {
        const checked = (contract[name].response as z.ZodType).safeParse(value);
        if (!checked.success) throw new Error(`${name} response: ${describeRefusal(checked.error)}`);
      }
      return { ok: true, value };
    } catch (error) {
      // A full disk or a damaged file is the user's to fix: say so, rather than "internal error".
      engine.databaseFailed?.(error);
      return errorResult(describeDatabaseFault(error, db.name) ?? error, logError);
    }
  }

  // The engine's changes → board events. Rows are re-read by id: the event log says what
  // changed, the tasks table says what it looks like now (several changes to one task become one row).
  function onTaskEvents(events: TaskEvent[]): void {
    const eventIds = [
      ...new Set(events.map((event) => event.taskId).filter((id): id is string => id !== null)),
    ];
    // A card's dependency counts follow its parents' status: a parent whose status may have
    // changed resends its children (not on heartbeats, edits and comments).
    const statusChanged = new Set(
      events
        .filter((event) => event.taskId !== null && !STATUS_KEEPING_EVENT_KINDS.has(event.kind))
        .map((event) => event.taskId as string),
    );
    const ids = [...new Set([...eventIds, ...links.childIdsOfAny(db, [...statusChanged])])];
    const found = new Map(cardsByIds(db, ids).map((card) => [card.id, card]));
    const changedTasks: Card[] = [];
    const removed: string[] = [];
    for (const id of ids) {
      const card = found.get(id);
      if (!card || card.status === 'archived') removed.push(id);
      else changedTasks.push(card);
    }
    if (changedTasks.length > 0 || removed.length > 0) emit({ type: 'tasks', tasks: changedTasks, removed });
    // docs/architecture.md §4.6: new skip reasons travel alone (every ready task changes after a
    // resume), not as whole cards.
    const skipChanged = [...new Set(events.flatMap(skipsChangedIds))];
    if (skipChanged.length > 0) {
      const skips = skipsByIds(db, skipChanged);
      if (skips.length > 0) emit({ type: 'skips', skips });
    }
    // docs/architecture.md §9: new card figures computed by the changes tracker (any process's).
    const computed = [...new Set(events.flatMap(changesComputedIds))];
    if (computed.length > 0) changeCardsChanged(computed);
    // A board created, archived or restored by any process: the picker's list, whole (it is short).
    if (events.some((event) => event.kind === 'board_changed')) emitBoards();
  }

  // Lane figures (running/capacity, queues by skip reason, kinds, failures) summarise many tasks:
  // any change may move them, and they are recomputed per board at most once per LANES_EVENT_MS
  // (a throttle on the one path, not a path of its own).
  let lanesTimer: NodeJS.Timeout | undefined;
  function lanesChanged(): void {
    if (lanesTimer) return;
    lanesTimer = setTimeout(() => {
      lanesTimer = undefined;
      if (!listeners.listened) return;
      try {
        for (const board of boards.listBoards(db)) {
          const lanes = engine.laneStatuses(board.slug);
          emit({ type: 'lanes', board: board.slug, lanes, cells: cellCountsOfLanes(db, board.slug, lanes) });
        }
      } catch (error) {
        if (!engine.databaseFailed?.(error)) logError('computing lane statuses', error);
      }
    }, LANES_EVENT_MS);
    lanesTimer.unref?.();
  }

  /** docs/architecture.md §9: the card chips of tasks whose changes were computed anew, per board. */
  function changeCardsChanged(taskIds: string[]): void {
    if (!listeners.listened) return;
    const byBoard = new Map<string, ChangeCard[]>();
    for (const id of taskIds) {
      const found = changes.taskChangeCard(db, id);
      if (!found) continue;
      const list = byBoard.get(found.board) ?? [];
      list.push(found.card);
      byBoard.set(found.board, list);
    }
    for (const [board, cards] of byBoard) emit({ type: 'changes', board, changes: cards });
  }

  function onEngineChange(change: EngineChange): void {
    switch (change.type) {
      case 'events':
        if (!listeners.listened || change.events.length === 0) return;
        onTaskEvents(change.events);
        lanesChanged();
        return;
      case 'lanes':
        if (readAhead) readAhead.lanes = null;
        if (listeners.listened) lanesChanged();
        return;
      case 'workers':
        emit({ type: 'workers', workers: change.workers });
        return;
      case 'dispatcher':
        emit({ type: 'dispatcher', state: change.state });
        return;
      case 'notice':
        emit({ type: 'notice', ...change.notice });
        return;
      case 'tick':
      case 'fault':
        // A tick's changes are rows of the log (events above); a fault comes with its state.
        return;
    }
  }

  const detach = engine.subscribe(onEngineChange);

  return {
    call: run,
    callByName: (name, request) => {
      if (!isCallName(name)) {
        return Promise.resolve({
          ok: false,
          error: {
            code: 'validation',
            message: `unknown call ${typeof name === 'string' ? JSON.stringify(name).slice(0, 80) : `(a ${typeof name})`}`,
          },
        });
      }
      return run(name, request);
    },
    subscribe: (listener) => listeners.subscribe(listener),
    currentSeq: () => seq,
    prefetchSnapshot,
    close() {
      if (readAhead) readAhead.cancelled = true;
      readAhead = null;
      detach();
      listeners.clear();
      if (lanesTimer) clearTimeout(lanesTimer);
      lanesTimer = undefined;
    },
  };
}

/**
 * Cells read per turn of the event loop when reading a board ahead: `serve` reads while the browser
 * asks for the page and its code, and each request waits for the step in progress. 20 cells took
 * 50-85 ms on "large" with the database cold (the page's request waited behind it); 5 take ~5-25.
 */
const PREFETCH_CELLS_PER_STEP = 5;

/** How often at most lane figures are pushed (they summarise many tasks; a person reads them). */
const LANES_EVENT_MS = 200;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The end of a run's log (or the part after `afterOffset`), at most `maxBytes`. */
function tailLog(engine: EngineHandle, request: ParsedRequest<'tailLog'>): CallResponse<'tailLog'> {
  const task = commands.getTask(engine.db, request.id);
  const taskRuns = runs.runsOf(engine.db, task.id);
  const run =
    request.runId !== undefined
      ? taskRuns.find((candidate) => candidate.id === request.runId)
      : (taskRuns.find((candidate) => candidate.id === task.currentRunId) ?? taskRuns.at(-1));
  if (request.runId !== undefined && !run) throw notFound(`${task.id} has no run ${request.runId}`);
  const empty = { taskId: task.id, runId: run?.id ?? null, text: '', offset: 0, truncated: false };
  if (!run?.logPath) return empty;
  let handle: number;
  try {
    handle = fs.openSync(run.logPath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw error;
  }
  try {
    const size = fs.fstatSync(handle).size;
    const from =
      request.afterOffset !== undefined
        ? Math.min(request.afterOffset, size)
        : Math.max(0, size - request.maxBytes);
    const length = Math.min(request.maxBytes, size - from);
    const buffer = Buffer.alloc(length);
    const read = length > 0 ? fs.readSync(handle, buffer, 0, length, from) : 0;
    const truncated = request.afterOffset !== undefined ? from + read < size : from > 0;
    return {
      taskId: task.id,
      runId: run.id,
      text: buffer.subarray(0, read).toString('utf8'),
      offset: from + read,
      truncated,
    };
  } finally {
    fs.closeSync(handle);
  }
}
