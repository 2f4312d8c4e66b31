import { z } from 'zod';
import {
  BODY_MAX_BYTES,
  COMMENT_MAX_BYTES,
  EVENT_KINDS,
  FOLLOWUP_MAX_BYTES,
  LANE_KINDS,
  REASON_MAX_CHARS,
  RUN_OUTCOMES,
  SKIP_REASONS,
  SLUG_PATTERN,
  SUMMARY_MAX_BYTES,
  TASK_ID_PATTERN,
  TASK_STATUSES,
  TITLE_MAX_CHARS,
} from './constants';

// The zod-free constants and types live in ./constants (the CLI's read paths load only those).
export * from './constants';

export const slugSchema = z
  .string()
  .regex(SLUG_PATTERN, 'must be 1–64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit');

/** Assignees are case-insensitive: accept any case, store lowercase (docs/architecture.md §2). */
export const assigneeSchema = z
  .string()
  .trim()
  .transform((name) => name.toLowerCase())
  .pipe(slugSchema);

export const taskIdSchema = z.string().regex(TASK_ID_PATTERN, 'a task id looks like t_1a2b3c4d');

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would hand back other text than was accepted. */
const wellFormed = (text: string): boolean => !/\p{Surrogate}/u.test(text);
const NOT_WELL_FORMED = 'text is not valid Unicode (it contains a lone surrogate)';

export const titleSchema = z
  .string()
  .trim()
  .min(1, 'title is required')
  .max(TITLE_MAX_CHARS, `title is longer than ${TITLE_MAX_CHARS} characters`)
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  .refine((title) => !/[\u0000-\u0008\u000b-\u001f]/.test(title), 'title contains control characters')
  .refine(wellFormed, NOT_WELL_FORMED);

export const bodySchema = z
  .string()
  .refine((body) => !body.includes('\u0000'), 'body contains a NUL character')
  .refine((body) => utf8Bytes(body) <= BODY_MAX_BYTES, `body is larger than ${BODY_MAX_BYTES / 1024} KiB`)
  .refine(wellFormed, NOT_WELL_FORMED);

export const commentBodySchema = z
  .string()
  .trim()
  .min(1, 'comment is empty')
  .refine(
    (body) => utf8Bytes(body) <= COMMENT_MAX_BYTES,
    `comment is larger than ${COMMENT_MAX_BYTES / 1024} KiB`,
  )
  .refine(wellFormed, NOT_WELL_FORMED);

/** docs/architecture.md §10: what a person (or MCP client) says to a task's agent in a follow-up. */
export const followupTextSchema = z
  .string()
  .trim()
  .min(1, 'the follow-up is empty')
  .refine(
    (text) => utf8Bytes(text) <= FOLLOWUP_MAX_BYTES,
    `the follow-up is larger than ${FOLLOWUP_MAX_BYTES / 1024} KiB`,
  )
  .refine((text) => !text.includes('\u0000'), 'the follow-up contains a NUL character')
  .refine(wellFormed, NOT_WELL_FORMED);

export const summarySchema = z
  .string()
  .refine(
    (text) => utf8Bytes(text) <= SUMMARY_MAX_BYTES,
    `summary is larger than ${SUMMARY_MAX_BYTES / 1024} KiB`,
  )
  .refine(wellFormed, NOT_WELL_FORMED);

export const reasonSchema = z
  .string()
  .trim()
  .min(1, 'a reason is required')
  .max(REASON_MAX_CHARS)
  .refine(wellFormed, NOT_WELL_FORMED);

export const prioritySchema = z
  .number()
  .int('priority must be a whole number')
  .min(-1_000_000)
  .max(1_000_000);

/**
 * scratch (a fresh folder per task), dir:<absolute path>, worktree:<absolute path of a git repo>,
 * or repo (a worktree of the board's or lane's repository, docs/architecture.md §9).
 */
export const workspaceSchema = z
  .string()
  .refine(
    (spec) => spec === 'scratch' || spec === 'repo' || /^(dir|worktree):\/./.test(spec),
    'workspace must be "scratch", "repo", "dir:/absolute/path" or "worktree:/absolute/repo/path"',
  )
  .refine((spec) => !spec.includes('\u0000'), 'workspace contains a NUL character');

export const taskStatusSchema = z.enum(TASK_STATUSES);
export const skipReasonSchema = z.enum(SKIP_REASONS);
export const laneKindSchema = z.enum(LANE_KINDS);
export const runOutcomeSchema = z.enum(RUN_OUTCOMES);
export const eventKindSchema = z.enum(EVENT_KINDS);

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
