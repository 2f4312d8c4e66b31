import { z } from 'zod';
import { addRecurrenceRequestSchema, recurrenceIdSchema, recurrenceSchema } from './recurrence';
import { TRANSCRIPT_FORMATS, transcriptEntrySchema } from './transcript';
import { PROFILE_MAX_BYTES } from './profile';
import { PROFILE_TEMPLATE_NAMES } from './constants';
import { createTaskInputSchema, editTaskFields } from './taskInput';
import { LANE_CARDS_MAX_LANES } from './cardPaging';
import { cellCountSchema } from './boardEvents';
import {
  assigneeSchema,
  boardNameSchema,
  boardSchema,
  cardSchema,
  commentSchema,
  reasonSchema,
  runSchema,
  skipReasonSchema,
  slugSchema,
  summarySchema,
  taskEventSchema,
  taskIdSchema,
  taskSchema,
  taskStatusSchema,
  commentBodySchema,
  followupTextSchema,
} from './domain';
import { dispatchResultSchema, dispatcherStateSchema, laneStatusSchema } from './dispatch';
import {
  afterMergeSchema,
  boardRepositorySchema,
  branchNameSchema,
  changeCardSchema,
  landResultSchema,
  mergeModeSchema,
  repositoryPathSchema,
  taskChangesSchema,
} from './repository';

/** A card's changes (docs/architecture.md §9): the stored summary and whether the task waits for a review. */
export const boardTaskChangesSchema = changeCardSchema;
export type BoardTaskChanges = z.infer<typeof boardTaskChangesSchema>;

/**
 * The one contract between the UI and the core (docs/architecture.md "Typed IPC"). IPC, the WebSocket of
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

// The snapshot's and the paging calls' limits (shared/cardPaging.ts, no zod: the page's store reads
// them without loading the contract).
export { CARDS_PER_CELL, SNAPSHOT_CARD_LANES, LANE_CARDS_MAX_LANES } from './cardPaging';

/**
 * Where a loaded part of a cell ends: the last card's place in the cell's order (done: `doneAt`
 * = completion, or update, time, newest first; other cells: priority, then `createdAt`; then id).
 */
export const cellCursorSchema = z
  .object({ id: taskIdSchema, priority: z.number().int(), createdAt: z.number(), doneAt: z.number() })
  .strict();
export type CellCursor = z.infer<typeof cellCursorSchema>;

export const snapshotSchema = z.object({
  /** The event-stream position this snapshot reflects; later events have a higher seq. */
  seq: z.number().int(),
  board: z.string(),
  boards: z.array(boardSchema),
  /**
   * The first CARDS_PER_CELL cards (tasks without bodies) of every cell of the first
   * SNAPSHOT_CARD_LANES lane rows that hold cards, in the cell's order; the other lanes' cells are
   * only counted (`cells`). Archived tasks are not on the board.
   */
  tasks: z.array(cardSchema),
  /** Every non-empty cell and its count, read together with `tasks`. */
  cells: z.array(cellCountSchema),
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

/** One page of a cell's cards in the cell's order; `remaining` come after it. */
export const cellCardsPageSchema = z.object({
  tasks: z.array(cardSchema),
  remaining: z.number().int().nonnegative(),
});
export type CellCardsPage = z.infer<typeof cellCardsPageSchema>;

/** The first CARDS_PER_CELL cards of every cell of some lanes, and those cells' counts. */
export const laneCardsSchema = z.object({
  tasks: z.array(cardSchema),
  cells: z.array(cellCountSchema),
});
export type LaneCards = z.infer<typeof laneCardsSchema>;

/** Cards matching the board's filter anywhere on the board; `total` may exceed what was sent. */
export const cardSearchResultSchema = z.object({
  tasks: z.array(cardSchema),
  total: z.number().int().nonnegative(),
});
export type CardSearchResult = z.infer<typeof cardSearchResultSchema>;

// Inputs: what a new task and a task edit may carry (shared/taskInput.ts, the one definition, used
// by the API requests below and by the core's commands without loading the whole contract).
export {
  MAX_RUNTIME_SECONDS,
  maxRuntimeSecondsSchema,
  creatableStatusSchema,
  createTaskInputSchema,
  editTaskInputSchema,
  type CreateTaskInput,
  type EditTaskInput,
} from './taskInput';

export const moveResultSchema = z.object({ task: taskSchema, stoppedWorker: z.boolean() });

/** profile.json as the Lanes view's editor reads it; `version` names the content it was read at. */
export const profileTextSchema = z.object({ name: z.string(), text: z.string(), version: z.string() });
export type ProfileText = z.infer<typeof profileTextSchema>;
const profileVersionSchema = z.string().min(1).max(64);
/** A saved, copied or new profile and its lane as the lane view shows it now. */
const savedProfileSchema = profileTextSchema.extend({ lane: laneStatusSchema });

export const contract = {
  // Queries ----------------------------------------------------------------------------------
  snapshot: { request: boardRequest, response: snapshotSchema },
  listBoards: { request: empty, response: z.array(boardSchema) },
  taskDetail: { request: idRequest, response: taskDetailSchema },
  /** The cards of one lane × status cell after `after` (the board's "N more"), in the cell's order. */
  cellCards: {
    request: z
      .object({
        board: slugSchema,
        /** The lane exactly as the cards name it (not normalised: it only has to match). */
        assignee: z.string().min(1).max(200).nullable(),
        status: taskStatusSchema.exclude(['archived']),
        after: cellCursorSchema.optional(),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    response: cellCardsPageSchema,
  },
  /** A lane's first cards as the snapshot would carry them: lanes the first snapshot left out. */
  laneCards: {
    request: z
      .object({
        board: slugSchema,
        /** Lanes exactly as the cards name them; null: the Unassigned lane. */
        lanes: z.array(z.string().min(1).max(200).nullable()).min(1).max(LANE_CARDS_MAX_LANES),
      })
      .strict(),
    response: laneCardsSchema,
  },
  /** The board's filter applied by the core, over cards the board has not loaded too. */
  searchCards: {
    request: z
      .object({
        board: slugSchema,
        text: z.string().max(500).default(''),
        /** A lane (null: Unassigned); left out for every lane. */
        assignee: z.string().min(1).max(200).nullable().optional(),
        status: taskStatusSchema.exclude(['archived']).optional(),
        skipReason: skipReasonSchema.optional(),
        needsAttention: z.boolean().default(false),
        /** docs/architecture.md §9: only done tasks whose changes wait for a review. */
        needsReview: z.boolean().default(false),
        limit: z.number().int().min(1).max(2000).default(500),
      })
      .strict(),
    response: cardSearchResultSchema,
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
  /** docs/architecture.md §10: a structured run's transcript (the last entries), read from its log. */
  runTranscript: {
    request: z.object({ id: taskIdSchema, runId: z.number().int().positive().optional() }).strict(),
    response: z.object({
      runId: z.number().int().nullable(),
      format: z.enum(TRANSCRIPT_FORMATS).nullable(),
      entries: z.array(transcriptEntrySchema),
      omitted: z.number().int().nonnegative(),
    }),
  },
  // Commands ---------------------------------------------------------------------------------
  createTask: {
    // The board is named: a window always knows which board it shows.
    request: createTaskInputSchema.extend({ board: slugSchema }).strict(),
    response: taskSchema,
  },
  editTask: {
    request: z.object({ id: taskIdSchema, ...editTaskFields }).strict(),
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
  /** docs/architecture.md §10: let a task that waits for approval start; recorded with who approved. */
  approveTask: { request: idRequest, response: taskSchema },
  /**
   * docs/architecture.md §10: a done or blocked task goes back to ready with a follow-up for its agent (resuming the
   * agent's own session when its profile can).
   */
  followupTask: {
    request: z.object({ id: taskIdSchema, text: followupTextSchema }).strict(),
    response: taskSchema,
  },
  /** docs/architecture.md §10: a lane's approval rule and daily budget (lanes.json); null removes the budget. */
  setLaneAgentSettings: {
    request: z
      .object({
        lane: assigneeSchema,
        requireApproval: z.boolean().optional(),
        budgetUsdPerDay: z.number().positive().max(1_000_000).nullable().optional(),
      })
      .strict(),
    response: laneStatusSchema,
  },
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
    request: z.object({ slug: slugSchema, name: boardNameSchema.optional() }).strict(),
    response: boardSchema,
  },
  archiveBoard: { request: z.object({ slug: slugSchema }).strict(), response: boardSchema },
  createProfile: {
    request: z.object({ name: assigneeSchema, template: z.enum(PROFILE_TEMPLATE_NAMES) }).strict(),
    response: laneStatusSchema,
  },
  /** docs/profiles.md, edited from the Lanes view: the same files on disk as by hand. */
  profileFile: { request: z.object({ name: assigneeSchema }).strict(), response: profileTextSchema },
  /**
   * Writes profile.json (checked with the loader's schema, shared/profile.ts). `version` is the one
   * read (null: a new profile); a file changed on disk since is refused with 'conflict'.
   */
  saveProfile: {
    request: z
      .object({
        name: assigneeSchema,
        text: z
          .string()
          .refine(
            (text) => new TextEncoder().encode(text).length <= PROFILE_MAX_BYTES,
            `profile.json may be at most ${PROFILE_MAX_BYTES / 1024} KiB`,
          ),
        version: profileVersionSchema.nullable(),
      })
      .strict(),
    response: savedProfileSchema,
  },
  duplicateProfile: {
    request: z.object({ name: assigneeSchema, newName: assigneeSchema }).strict(),
    response: savedProfileSchema,
  },
  /** Moves the profile's folder to profiles/.trash/ (refused if profile.json changed since `version`). */
  deleteProfile: {
    request: z.object({ name: assigneeSchema, version: profileVersionSchema }).strict(),
    response: z.object({ name: z.string(), movedTo: z.string() }),
  },
  /** Recurring tasks (issue 16): a board's templates with their next run. */
  listRecurrences: { request: boardRequest, response: z.array(recurrenceSchema) },
  addRecurrence: { request: addRecurrenceRequestSchema, response: recurrenceSchema },
  setRecurrencePaused: {
    request: z.object({ id: recurrenceIdSchema, paused: z.boolean() }).strict(),
    response: recurrenceSchema,
  },
  removeRecurrence: { request: z.object({ id: recurrenceIdSchema }).strict(), response: recurrenceSchema },
  // Repositories, changes and review (docs/architecture.md §9) ---------------------------------------------------
  /** A task's changes against its base, with the unified diff; null when it has no worktree. */
  taskChanges: { request: idRequest, response: taskChangesSchema.nullable() },
  /** Every task of a board with a worktree: its last computed change summary (the card chips). */
  boardChanges: { request: boardRequest, response: z.array(boardTaskChangesSchema) },
  landTask: {
    request: z
      .object({
        id: taskIdSchema,
        action: z.enum(['merge', 'rebase', 'commit', 'push', 'discard']),
        /** merge: override the board's merge mode. */
        mode: mergeModeSchema.optional(),
        /** commit: the message (default: the task's title and summary). */
        message: z.string().trim().min(1).max(10_000).optional(),
      })
      .strict(),
    response: landResultSchema,
  },
  /** Back to ready with a comment the next run's prompt includes. */
  sendBackTask: {
    request: z.object({ id: taskIdSchema, comment: commentBodySchema }).strict(),
    response: taskSchema,
  },
  waiveReview: { request: idRequest, response: taskSchema },
  boardRepository: { request: boardRequest, response: boardRepositorySchema.nullable() },
  setBoardRepository: {
    request: z
      .object({
        board: slugSchema,
        /** null: the board stops using a repository. */
        repo: repositoryPathSchema.nullable().optional(),
        base: branchNameSchema.optional(),
        mergeMode: mergeModeSchema.optional(),
        afterMerge: afterMergeSchema.optional(),
      })
      .strict(),
    response: boardRepositorySchema.nullable(),
  },
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallRequest<N extends CallName> = z.input<Contract[N]['request']>;
export type CallResponse<N extends CallName> = z.infer<Contract[N]['response']>;
export const CALL_NAMES = Object.keys(contract) as CallName[];

// The call results' errors, the cells' counts and the board's events: their own module
// (shared/boardEvents.ts), which the page loads before its first paint without the calls above.
export {
  boardEventSchema,
  callErrorSchema,
  cellCountSchema,
  errorCodeSchema,
  type BoardEvent,
  type CallError,
  type CallErrorCode,
  type CallResult,
  type CellCount,
} from './boardEvents';
