import { z } from 'zod';
import { assigneeSchema, bodySchema, prioritySchema, slugSchema, titleSchema } from './fieldSchemas';

/**
 * Recurring tasks over the contract (issue 16). The schedule's cron syntax and the time zone are
 * checked by the core (cron-parser and the system's zone list), not here: the renderer carries
 * neither.
 */

export const recurrenceSchema = z.object({
  id: z.string(),
  board: z.string(),
  lane: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  priority: z.number().int(),
  schedule: z.string(),
  timeZone: z.string(),
  skipIfOpen: z.boolean(),
  paused: z.boolean(),
  createdAt: z.number(),
  lastOccurrenceAt: z.number().nullable(),
  lastTaskId: z.string().nullable(),
  lastOutcome: z.string().nullable(),
  nextRunAt: z.number().nullable(),
});
export type Recurrence = z.infer<typeof recurrenceSchema>;

export const RECURRENCE_ID_PATTERN = /^r_[0-9a-f]{8}$/;

export const recurrenceIdSchema = z
  .string()
  .regex(RECURRENCE_ID_PATTERN, 'a recurrence id looks like r_1a2b3c4d');

export const addRecurrenceRequestSchema = z
  .object({
    board: slugSchema,
    title: titleSchema,
    body: bodySchema.default(''),
    lane: assigneeSchema.nullable().default(null),
    priority: prioritySchema.default(0),
    schedule: z.string().trim().min(1, 'a schedule is required').max(200),
    timeZone: z.string().trim().min(1, 'a time zone is required').max(100),
    skipIfOpen: z.boolean().default(false),
  })
  .strict();
