import { z } from 'zod';
import {
  BODY_MAX_BYTES,
  COMMENT_MAX_BYTES,
  EVENT_KINDS,
  FOLLOWUP_MAX_BYTES,
  LANE_KINDS,
  PRIORITY_MAX,
  PRIORITY_MIN,
  REASON_MAX_CHARS,
  RUN_OUTCOMES,
  SKIP_REASONS,
  SLUG_PATTERN,
  SUMMARY_MAX_BYTES,
  TASK_ID_PATTERN,
  TASK_STATUSES,
  TITLE_MAX_CHARS,
} from './constants';
import {
  fitsBodyLimit,
  hasNoControlCharacters,
  hasNoNul,
  isWellFormed,
  isWorkspaceSpec,
  toLowerCase,
  utf8Bytes,
} from './fieldRules';

// The schemas of single fields: what a command's input may carry (shared/domain.ts re-exports them).
// A module of its own so that `switchyard create`, which checks its input against these, does not
// build the record schemas of shared/domain.ts (task, card, run, comment, event: over a hundred zod
// objects) on every start (performance issue 17, target 4c).

export const slugSchema = z
  .string()
  .regex(SLUG_PATTERN, 'must be 1–64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit');

/** A board's display name (the slug names it when none is given). */
export const boardNameSchema = z
  .string()
  .trim()
  .min(1, 'the name is empty; leave it out to use the slug')
  .max(200, 'at most 200 characters');

/** Assignees are case-insensitive: accept any case, store lowercase (docs/architecture.md §2). */
export const assigneeSchema = z.string().trim().transform(toLowerCase).pipe(slugSchema);

export const taskIdSchema = z.string().regex(TASK_ID_PATTERN, 'a task id looks like t_1a2b3c4d');

const NOT_WELL_FORMED = 'text is not valid Unicode (it contains a lone surrogate)';

export const titleSchema = z
  .string()
  .trim()
  .min(1, 'title is required')
  .max(TITLE_MAX_CHARS, `title is longer than ${TITLE_MAX_CHARS} characters`)
  .refine(hasNoControlCharacters, 'title contains control characters')
  .refine(isWellFormed, NOT_WELL_FORMED);

export const bodySchema = z
  .string()
  .refine(hasNoNul, 'body contains a NUL character')
  .refine(fitsBodyLimit, `body is larger than ${BODY_MAX_BYTES / 1024} KiB`)
  .refine(isWellFormed, NOT_WELL_FORMED);

export const commentBodySchema = z
  .string()
  .trim()
  .min(1, 'comment is empty')
  .refine(
    (body) => utf8Bytes(body) <= COMMENT_MAX_BYTES,
    `comment is larger than ${COMMENT_MAX_BYTES / 1024} KiB`,
  )
  .refine(isWellFormed, NOT_WELL_FORMED);

/** docs/architecture.md §10: what a person (or MCP client) says to a task's agent in a follow-up. */
export const followupTextSchema = z
  .string()
  .trim()
  .min(1, 'the follow-up is empty')
  .refine(
    (text) => utf8Bytes(text) <= FOLLOWUP_MAX_BYTES,
    `the follow-up is larger than ${FOLLOWUP_MAX_BYTES / 1024} KiB`,
  )
  .refine(hasNoNul, 'the follow-up contains a NUL character')
  .refine(isWellFormed, NOT_WELL_FORMED);

export const summarySchema = z
  .string()
  .refine(
    (text) => utf8Bytes(text) <= SUMMARY_MAX_BYTES,
    `summary is larger than ${SUMMARY_MAX_BYTES / 1024} KiB`,
  )
  .refine(isWellFormed, NOT_WELL_FORMED);

export const reasonSchema = z
  .string()
  .trim()
  .min(1, 'a reason is required')
  .max(REASON_MAX_CHARS)
  .refine(isWellFormed, NOT_WELL_FORMED);

// The range comes first and stops the checks there: 1e20 is whole but no safe integer, so zod's
// whole-number rule would refuse it too and the user would be told the wrong thing.
const outOfRange = { message: `priority must be from ${PRIORITY_MIN} to ${PRIORITY_MAX}`, abort: true };
export const prioritySchema = z
  .number()
  .min(PRIORITY_MIN, outOfRange)
  .max(PRIORITY_MAX, outOfRange)
  .int('priority must be a whole number');

/** Where a task's worker runs (shared/fieldRules.ts isWorkspaceSpec). */
export const workspaceSchema = z
  .string()
  .refine(
    isWorkspaceSpec,
    'workspace must be "scratch", "repo", "dir:/absolute/path" or "worktree:/absolute/repo/path"',
  )
  .refine(hasNoNul, 'workspace contains a NUL character');

export const taskStatusSchema = z.enum(TASK_STATUSES);
export const skipReasonSchema = z.enum(SKIP_REASONS);
export const laneKindSchema = z.enum(LANE_KINDS);
export const runOutcomeSchema = z.enum(RUN_OUTCOMES);
export const eventKindSchema = z.enum(EVENT_KINDS);
