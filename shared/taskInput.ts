import { z } from 'zod';
import { DEFAULT_BOARD } from './constants';
import {
  assigneeSchema,
  bodySchema,
  prioritySchema,
  slugSchema,
  taskIdSchema,
  taskStatusSchema,
  titleSchema,
  workspaceSchema,
} from './fieldSchemas';

// What a new task and a task edit may carry: the one definition, used by the API requests
// (shared/contract.ts re-exports it) and by the core's commands (electron/core/commands/taskCommands.ts,
// which the CLI and MCP call). A module of its own so `switchyard create` validates its input without
// building every schema of the contract (performance issue 17, target 4).

/** A task's worker runs for at most a week (longer is surely a mistake in seconds vs minutes). */
export const MAX_RUNTIME_SECONDS = 7 * 24 * 3600;
export const maxRuntimeSecondsSchema = z
  .number()
  .int('must be a whole number of seconds')
  .positive('must be at least 1 second')
  .max(MAX_RUNTIME_SECONDS, `must be at most ${MAX_RUNTIME_SECONDS} seconds (7 days)`);

/** A task starts in any column but running: it runs only once claimed. */
export const creatableStatusSchema = taskStatusSchema.exclude(['running'], {
  error: 'a task cannot be created running; it must be claimed',
});

export const createTaskInputSchema = z.object({
  title: titleSchema,
  body: bodySchema.default(''),
  assignee: assigneeSchema.nullable().default(null),
  priority: prioritySchema.default(0),
  board: slugSchema.default(DEFAULT_BOARD),
  status: creatableStatusSchema.optional(),
  parents: z.array(taskIdSchema).max(100).default([]),
  /** Left out: the board's repository when it has one (docs/architecture.md §9), else a scratch folder. */
  workspace: workspaceSchema.optional(),
  maxRuntimeSeconds: maxRuntimeSecondsSchema.nullable().default(null),
  /** docs/architecture.md §10: the task waits for a person's approval before it is spawned. */
  requireApproval: z.boolean().default(false),
});
export type CreateTaskInput = z.input<typeof createTaskInputSchema>;

/** The fields an edit may change (at least one: see editTaskInputSchema). */
export const editTaskFields = {
  title: titleSchema.optional(),
  body: bodySchema.optional(),
  priority: prioritySchema.optional(),
  workspace: workspaceSchema.optional(),
  maxRuntimeSeconds: maxRuntimeSecondsSchema.nullable().optional(),
};
export const editTaskInputSchema = z
  .object(editTaskFields)
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), 'nothing to change');
export type EditTaskInput = z.input<typeof editTaskInputSchema>;
