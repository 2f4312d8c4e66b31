import { z } from 'zod';
import { API_ERROR_CODES } from './constants';
import { boardSchema, cardSchema, skipReasonSchema, taskIdSchema, taskStatusSchema } from './domain';
import { dispatcherStateSchema, laneStatusSchema, workerStatusSchema } from './dispatch';
import { changeCardSchema } from './repository';

/**
 * What web mode's page validates before its first paint (shared/webProtocol.ts): a call's error,
 * the board's events and the cells' counts they carry. Part of the contract (shared/contract.ts
 * re-exports every one) in a module of its own, so that the page builds these schemas at load and
 * not the ~100 calls' schemas, which only the core checks (bench/RESULTS.md, row 7, engineer paint).
 */

/** How many cards one lane × status cell holds (assignee null: the Unassigned lane). */
export const cellCountSchema = z.object({
  assignee: z.string().nullable(),
  status: taskStatusSchema,
  count: z.number().int().nonnegative(),
});
export type CellCount = z.infer<typeof cellCountSchema>;

export const errorCodeSchema = z.enum(API_ERROR_CODES);
export type CallErrorCode = z.infer<typeof errorCodeSchema>;
export const callErrorSchema = z.object({ code: errorCodeSchema, message: z.string() });
export type CallError = z.infer<typeof callErrorSchema>;
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError };

export const boardEventSchema = z.discriminatedUnion('type', [
  /** Tasks that changed (as cards: no body); `removed` are ids that left the board (e.g. archived). */
  z.object({
    type: z.literal('tasks'),
    seq: z.number().int(),
    tasks: z.array(cardSchema),
    removed: z.array(z.string()),
  }),
  /**
   * Skip reasons a dispatcher tick changed (docs/architecture.md §4), without the rest of the cards: after a
   * resume that is every ready task of the board, and a board applies only those it has loaded.
   */
  z.object({
    type: z.literal('skips'),
    seq: z.number().int(),
    skips: z.array(
      z.object({
        id: taskIdSchema,
        skipReason: skipReasonSchema.nullable(),
        skipDetail: z.string().nullable(),
      }),
    ),
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
    /** Every non-empty cell's count (cells the board loaded only in part show these). */
    cells: z.array(cellCountSchema),
  }),
  z.object({ type: z.literal('boards'), seq: z.number().int(), boards: z.array(boardSchema) }),
  /**
   * docs/architecture.md §9: change summaries of a board's tasks that changed (while a worker runs, after it
   * finishes, after a merge, rebase, commit or discard, when base moves on): the card chips.
   */
  z.object({
    type: z.literal('changes'),
    seq: z.number().int(),
    board: z.string(),
    changes: z.array(changeCardSchema),
  }),
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
