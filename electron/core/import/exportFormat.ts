import { z } from 'zod';

/**
 * The JSON of `switchyard export` (docs/export-format.md). `version` changes only when a reader of
 * an older version would misread a file; new optional fields keep the version.
 */

export const EXPORT_FORMAT = 'switchyard-export' as const;
export const EXPORT_VERSION = 1;

const ms = z.number().int();
const nullableMs = ms.nullable();

export const exportedBoardSchema = z.object({
  slug: z.string(),
  name: z.string(),
  created_at: ms,
  archived_at: nullableMs,
});

export const exportedTaskSchema = z.object({
  id: z.string(),
  board: z.string(),
  title: z.string(),
  body: z.string(),
  assignee: z.string().nullable(),
  status: z.string(),
  priority: z.number(),
  created_by: z.string().nullable(),
  created_at: ms,
  updated_at: ms,
  started_at: nullableMs,
  completed_at: nullableMs,
  workspace: z.string(),
  max_runtime_seconds: z.number().int().positive().nullable(),
  failure_count: z.number().int().min(0),
  next_attempt_at: nullableMs,
  current_run_id: z.number().int().nullable(),
  result: z.string().nullable(),
  last_error: z.string().nullable(),
  block_reason: z.string().nullable(),
  claim_owner: z.string().nullable(),
  claim_expires_at: nullableMs,
  last_heartbeat_at: nullableMs,
});

export const exportedLinkSchema = z.object({ parent_id: z.string(), child_id: z.string(), created_at: ms });

export const exportedCommentSchema = z.object({
  id: z.number().int().positive(),
  task_id: z.string(),
  author: z.string(),
  body: z.string(),
  created_at: ms,
});

export const exportedRunSchema = z.object({
  id: z.number().int().positive(),
  task_id: z.string(),
  lane: z.string(),
  started_at: ms,
  ended_at: nullableMs,
  outcome: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
});

export const exportedLaneSettingSchema = z.object({
  name: z.string(),
  paused: z.number().int(),
  max_concurrent: z.number().int().nullable(),
});

export const exportedProfileSchema = z.object({
  name: z.string(),
  /** profile.json as the user wrote it (parsed JSON). */
  profile: z.unknown(),
});

export const exportedRecurrenceSchema = z.object({
  id: z.string(),
  board: z.string(),
  lane: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  priority: z.number().int(),
  schedule: z.string(),
  time_zone: z.string(),
  skip_if_open: z.number().int(),
  paused: z.number().int(),
  created_at: ms,
  last_occurrence_at: nullableMs,
  last_task_id: z.string().nullable(),
});

/** Where an imported task or board came from (import-vibe-kanban), as stored. */
export const exportedTaskOriginSchema = z.object({
  task_id: z.string(),
  source: z.string().max(100),
  source_id: z.string().max(200),
  source_status: z.string().max(100).nullable(),
  labels: z.string().max(64 * 1024),
  branches: z.string().max(256 * 1024),
  imported_at: ms,
});

export const exportedBoardOriginSchema = z.object({
  board: z.string(),
  source: z.string().max(100),
  source_id: z.string().max(200),
  repository: z.string().max(4096).nullable(),
  imported_at: ms,
});

export const exportFileSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.number().int(),
  exportedAt: z.string(),
  /** PRAGMA user_version of the database it came from (informational). */
  schemaVersion: z.number().int(),
  /** The board exported, or null for the whole home. */
  board: z.string().nullable(),
  boards: z.array(exportedBoardSchema),
  tasks: z.array(exportedTaskSchema),
  links: z.array(exportedLinkSchema),
  comments: z.array(exportedCommentSchema),
  runs: z.array(exportedRunSchema),
  laneSettings: z.array(exportedLaneSettingSchema),
  /** lanes.json as parsed JSON, or null when the home has none. */
  lanesFile: z.unknown().nullable(),
  profiles: z.array(exportedProfileSchema),
  recurrences: z.array(exportedRecurrenceSchema).default([]),
  taskOrigins: z.array(exportedTaskOriginSchema).default([]),
  boardOrigins: z.array(exportedBoardOriginSchema).default([]),
});

export type ExportFile = z.infer<typeof exportFileSchema>;
export type ExportedTask = z.infer<typeof exportedTaskSchema>;
export type ExportedRecurrence = z.infer<typeof exportedRecurrenceSchema>;
