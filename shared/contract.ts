import { z } from 'zod';
import {
  assigneeSchema,
  boardSchema,
  bodySchema,
  cardSchema,
  commentSchema,
  prioritySchema,
  reasonSchema,
  runSchema,
  slugSchema,
  summarySchema,
  taskEventSchema,
  taskIdSchema,
  taskSchema,
  taskStatusSchema,
  titleSchema,
  workspaceSchema,
  commentBodySchema,
} from './domain';
import {
  dispatchResultSchema,
  dispatcherStateSchema,
  laneStatusSchema,
  workerStatusSchema,
} from './dispatch';

/**
 * The one contract between the UI and the core (ENGINEERING "Typed IPC"). IPC, the WebSocket of
 * web mode and the CLI's API all use it: every request and response has a schema here, every
 * payload is validated at the boundary, and types are inferred from these schemas only.
 */

const empty = z.object({}).strict();
const idRequest = z.object({ id: taskIdSchema }).strict();
const boardRequest = z.object({ board: slugSchema }).strict();

export const parentStateSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: taskStatusSchema,
  result: z.string().nullable(),
});

export const taskDetailSchema = z.object({
  task: taskSchema,
  parents: z.array(parentStateSchema),
  children: z.array(z.string()),
  comments: z.array(commentSchema),
  runs: z.array(runSchema),
  events: z.array(taskEventSchema),
});
export type TaskDetail = z.infer<typeof taskDetailSchema>;

/** Done cards a snapshot carries per lane (the most recently completed); `doneCards` pages the rest. */
export const DONE_CARDS_PER_LANE = 50;

/** Where a page of done cards ends: the last card's completion time (or update time) and id. */
export const doneCursorSchema = z.object({ completedAt: z.number(), id: taskIdSchema }).strict();
export type DoneCursor = z.infer<typeof doneCursorSchema>;

export const snapshotSchema = z.object({
  /** The event-stream position this snapshot reflects; later events have a higher seq. */
  seq: z.number().int(),
  board: z.string(),
  boards: z.array(boardSchema),
  /**
   * The board's cards (tasks without bodies): every task not done, and per lane only the
   * DONE_CARDS_PER_LANE most recently completed done tasks. Archived tasks are not on the board.
   */
  tasks: z.array(cardSchema),
  /** Per lane (assignee, null = unassigned): done tasks older than the ones in `tasks`. */
  olderDone: z.array(z.object({ assignee: z.string().nullable(), count: z.number().int().positive() })),
  /** parent → child links among the snapshot's tasks, for dependency progress on cards. */
  links: z.array(z.object({ parentId: z.string(), childId: z.string() })),
  lanes: z.array(laneStatusSchema),
  dispatcher: dispatcherStateSchema,
  problems: z.array(z.string()),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

export const logTailSchema = z.object({
  taskId: z.string(),
  runId: z.number().int().nullable(),
  text: z.string(),
  /** Byte offset of the end of `text` in the log file, to ask for what comes after. */
  offset: z.number().int(),
  truncated: z.boolean(),
});
export type LogTail = z.infer<typeof logTailSchema>;

/** One page of a lane's done cards, newest completion first; `remaining` are older still. */
export const doneCardsPageSchema = z.object({
  tasks: z.array(cardSchema),
  remaining: z.number().int().nonnegative(),
});
export type DoneCardsPage = z.infer<typeof doneCardsPageSchema>;

export const moveResultSchema = z.object({ task: taskSchema, stoppedWorker: z.boolean() });

export const contract = {
  // Queries ----------------------------------------------------------------------------------
  snapshot: { request: boardRequest, response: snapshotSchema },
  listBoards: { request: empty, response: z.array(boardSchema) },
  taskDetail: { request: idRequest, response: taskDetailSchema },
  /** Done cards of one lane completed before `before` (the board's "N more"), newest first. */
  doneCards: {
    request: z
      .object({
        board: slugSchema,
        /** The lane exactly as the cards name it (not normalised: it only has to match). */
        assignee: z.string().min(1).max(200).nullable(),
        before: doneCursorSchema.optional(),
        limit: z.number().int().min(1).max(500).default(DONE_CARDS_PER_LANE),
      })
      .strict(),
    response: doneCardsPageSchema,
  },
  laneStatuses: { request: boardRequest, response: z.array(laneStatusSchema) },
  dispatcherState: { request: empty, response: dispatcherStateSchema },
  dryRunDispatch: { request: empty, response: dispatchResultSchema },
  tailLog: {
    request: z
      .object({
        id: taskIdSchema,
        runId: z.number().int().positive().optional(),
        afterOffset: z.number().int().min(0).optional(),
        maxBytes: z
          .number()
          .int()
          .positive()
          .max(1024 * 1024)
          .default(64 * 1024),
      })
      .strict(),
    response: logTailSchema,
  },
  // Commands ---------------------------------------------------------------------------------
  createTask: {
    request: z
      .object({
        board: slugSchema,
        title: titleSchema,
        body: bodySchema.default(''),
        assignee: assigneeSchema.nullable().default(null),
        priority: prioritySchema.default(0),
        status: z.enum(['triage', 'todo', 'ready', 'blocked']).optional(),
        parents: z.array(taskIdSchema).max(100).default([]),
        workspace: workspaceSchema.default('scratch'),
        maxRuntimeSeconds: z.number().int().positive().nullable().default(null),
      })
      .strict(),
    response: taskSchema,
  },
  editTask: {
    request: z
      .object({
        id: taskIdSchema,
        title: titleSchema.optional(),
        body: bodySchema.optional(),
        priority: prioritySchema.optional(),
        workspace: workspaceSchema.optional(),
        maxRuntimeSeconds: z.number().int().positive().nullable().optional(),
      })
      .strict(),
    response: taskSchema,
  },
  /** A drag: a new status and/or a new lane, applied together or not at all. */
  moveTask: {
    request: z
      .object({
        id: taskIdSchema,
        status: taskStatusSchema.optional(),
        assignee: assigneeSchema.nullable().optional(),
      })
      .strict(),
    response: moveResultSchema,
  },
  linkTasks: {
    request: z.object({ parentId: taskIdSchema, childId: taskIdSchema }).strict(),
    response: taskSchema,
  },
  unlinkTasks: {
    request: z.object({ parentId: taskIdSchema, childId: taskIdSchema }).strict(),
    response: taskSchema,
  },
  addComment: {
    request: z.object({ id: taskIdSchema, body: commentBodySchema }).strict(),
    response: z.number().int(),
  },
  completeTask: {
    request: z.object({ id: taskIdSchema, summary: summarySchema.optional() }).strict(),
    response: taskSchema,
  },
  blockTask: { request: z.object({ id: taskIdSchema, reason: reasonSchema }).strict(), response: taskSchema },
  unblockTask: { request: idRequest, response: taskSchema },
  archiveTask: { request: idRequest, response: taskSchema },
  /** Stop a running task's worker; the task is blocked so it does not start again at once. */
  stopTask: { request: idRequest, response: taskSchema },
  /** Try now: clears backoff (ready) or unblocks (blocked). */
  retryTask: { request: idRequest, response: taskSchema },
  setLanePaused: {
    request: z.object({ lane: assigneeSchema, paused: z.boolean() }).strict(),
    response: laneStatusSchema,
  },
  setLaneConcurrency: {
    request: z.object({ lane: assigneeSchema, maxConcurrent: z.number().int().min(1).max(64) }).strict(),
    response: laneStatusSchema,
  },
  setDispatcherEnabled: {
    request: z.object({ enabled: z.boolean() }).strict(),
    response: dispatcherStateSchema,
  },
  createBoard: {
    request: z.object({ slug: slugSchema, name: z.string().trim().min(1).max(200).optional() }).strict(),
    response: boardSchema,
  },
  archiveBoard: { request: z.object({ slug: slugSchema }).strict(), response: boardSchema },
  createProfile: {
    request: z
      .object({ name: assigneeSchema, template: z.enum(['shell', 'claude', 'codex', 'hermes']) })
      .strict(),
    response: laneStatusSchema,
  },
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallRequest<N extends CallName> = z.input<Contract[N]['request']>;
export type CallResponse<N extends CallName> = z.infer<Contract[N]['response']>;
export const CALL_NAMES = Object.keys(contract) as CallName[];

export const errorCodeSchema = z.enum([
  'invalid_input',
  'not_found',
  'illegal_move',
  'conflict',
  'forbidden',
  'database_busy',
  'database_too_new',
  'database_unavailable',
  'validation',
  'unauthorized',
  'internal',
]);
export type CallErrorCode = z.infer<typeof errorCodeSchema>;
export const callErrorSchema = z.object({ code: errorCodeSchema, message: z.string() });
export type CallError = z.infer<typeof callErrorSchema>;
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError };

// Events ---------------------------------------------------------------------------------------

export const boardEventSchema = z.discriminatedUnion('type', [
  /** Tasks that changed (as cards: no body); `removed` are ids that left the board (e.g. archived). */
  z.object({
    type: z.literal('tasks'),
    seq: z.number().int(),
    tasks: z.array(cardSchema),
    removed: z.array(z.string()),
  }),
  z.object({
    type: z.literal('links'),
    seq: z.number().int(),
    links: z.array(z.object({ parentId: z.string(), childId: z.string() })),
  }),
  /** Live worker status, coalesced to ≤ 10 updates a second per task. */
  z.object({ type: z.literal('workers'), seq: z.number().int(), workers: z.array(workerStatusSchema) }),
  z.object({ type: z.literal('dispatcher'), seq: z.number().int(), state: dispatcherStateSchema }),
  /** Every lane of one board, recomputed (coalesced) after ticks, task changes and lane settings. */
  z.object({
    type: z.literal('lanes'),
    seq: z.number().int(),
    board: z.string(),
    lanes: z.array(laneStatusSchema),
  }),
  z.object({ type: z.literal('boards'), seq: z.number().int(), boards: z.array(boardSchema) }),
  /** Something a person should hear about (done, blocked, gave up, stuck). */
  z.object({
    type: z.literal('notice'),
    seq: z.number().int(),
    level: z.enum(['info', 'warning', 'error']),
    title: z.string(),
    message: z.string(),
    taskId: z.string().nullable(),
  }),
]);
export type BoardEvent = z.infer<typeof boardEventSchema>;
