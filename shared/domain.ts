import { z } from 'zod';
import {
  skipReasonSchema,
  taskIdSchema,
  taskStatusSchema,
  eventKindSchema,
  runOutcomeSchema,
} from './fieldSchemas';

// The zod-free constants and types live in ./constants (the CLI's read paths load only those).
export * from './constants';
export * from './fieldSchemas';

export const taskSchema = z.object({
  id: taskIdSchema,
  board: z.string(),
  title: z.string(),
  body: z.string(),
  assignee: z.string().nullable(),
  status: taskStatusSchema,
  priority: z.number().int(),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  workspace: z.string(),
  maxRuntimeSeconds: z.number().nullable(),
  skipReason: skipReasonSchema.nullable(),
  skipDetail: z.string().nullable(),
  failureCount: z.number().int(),
  nextAttemptAt: z.number().nullable(),
  currentRunId: z.number().int().nullable(),
  result: z.string().nullable(),
  lastError: z.string().nullable(),
  blockReason: z.string().nullable(),
  claimOwner: z.string().nullable(),
  claimExpiresAt: z.number().nullable(),
  lastHeartbeatAt: z.number().nullable(),
  /** docs/architecture.md §10: this task waits for a person's approval before it is spawned (its lane may ask too). */
  approvalRequired: z.boolean(),
  approvedBy: z.string().nullable(),
  approvedAt: z.number().nullable(),
});
export type Task = z.infer<typeof taskSchema>;

/**
 * A task as the board carries it: what cards, lanes, filters and moves read. A board can hold
 * 100,000 tasks, so snapshots and `tasks` events leave out the body, the result (both up to
 * 64 KiB) and the fields only the drawer shows; the drawer reads the whole task from `taskDetail`.
 */
export const cardSchema = taskSchema
  .omit({
    body: true,
    result: true,
    createdBy: true,
    workspace: true,
    maxRuntimeSeconds: true,
    currentRunId: true,
    claimExpiresAt: true,
    approvalRequired: true,
    approvedBy: true,
    approvedAt: true,
  })
  .extend({
    /**
     * Dependency progress, counted by the core: the board loads only part of a big board, so it
     * cannot count a card's parents itself. Archived parents are not counted.
     */
    parentsTotal: z.number().int().nonnegative(),
    parentsDone: z.number().int().nonnegative(),
  })
  .strict();
export type Card = z.infer<typeof cardSchema>;
export type DependencyCounts = Pick<Card, 'parentsTotal' | 'parentsDone'>;

const CARD_KEYS = Object.keys(cardSchema.shape) as (keyof Card)[];

/**
 * The card of a task (or a copy of a card): only the card's fields, so no body rides along. A
 * whole task carries no dependency counts: they come from `dependencies` (or are 0 until the
 * core's next card for the task).
 */
export function cardOf(task: Task | Card, dependencies?: DependencyCounts): Card {
  const source = task as Partial<Record<keyof Card, unknown>>;
  const card: Record<string, unknown> = {};
  for (const key of CARD_KEYS) card[key] = source[key];
  card.parentsTotal = dependencies?.parentsTotal ?? source.parentsTotal ?? 0;
  card.parentsDone = dependencies?.parentsDone ?? source.parentsDone ?? 0;
  return card as Card;
}

/** A card whose parents are not all done (it waits for them: docs/architecture.md §2). */
export const waitsForParents = (card: DependencyCounts): boolean => card.parentsDone < card.parentsTotal;

export const runSchema = z.object({
  id: z.number().int(),
  taskId: taskIdSchema,
  lane: z.string(),
  pid: z.number().int().nullable(),
  pidStartTime: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  outcome: runOutcomeSchema.nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
  logPath: z.string().nullable(),
  /** docs/architecture.md §10, structured runs: what the agent reported (null when it did not say). */
  tokensIn: z.number().int().nullable(),
  tokensOut: z.number().int().nullable(),
  costUsd: z.number().nullable(),
  /** The agent's own session id, to resume it with a follow-up. */
  agentSession: z.string().nullable(),
  /** The agent's last message (shown on the card instead of the raw last line). */
  lastMessage: z.string().nullable(),
  /** The follow-up text this run was started with, if it was one. */
  followup: z.string().nullable(),
  /** The agent session this run resumed for its follow-up (null: a fresh session). */
  resumedSession: z.string().nullable(),
});
export type Run = z.infer<typeof runSchema>;

export const commentSchema = z.object({
  id: z.number().int(),
  taskId: taskIdSchema,
  author: z.string(),
  body: z.string(),
  createdAt: z.number(),
});
export type Comment = z.infer<typeof commentSchema>;

export const taskEventSchema = z.object({
  id: z.number().int(),
  taskId: z.string().nullable(),
  runId: z.number().int().nullable(),
  board: z.string().nullable(),
  kind: eventKindSchema,
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;

export const boardSchema = z.object({
  slug: z.string(),
  name: z.string(),
  createdAt: z.number(),
  archivedAt: z.number().nullable(),
});
export type Board = z.infer<typeof boardSchema>;

export const taskLinkSchema = z.object({ parentId: taskIdSchema, childId: taskIdSchema });
export type TaskLink = z.infer<typeof taskLinkSchema>;
