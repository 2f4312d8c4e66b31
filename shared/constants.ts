/**
 * The domain's constants and the types derived from them: statuses, skip reasons, patterns, limits.
 * No zod here: `switchyard list` and the other read paths need these and nothing else, and loading
 * zod and building every schema costs a CLI start ~30 ms (performance issue 6). shared/domain.ts
 * re-exports all of it, so importing from there keeps working.
 */

/** docs/architecture.md §1: board slugs and (docs/architecture.md §2) assignee names share this rule. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const TASK_ID_PATTERN = /^t_[0-9a-f]{8}$/;

export const TITLE_MAX_CHARS = 500;
export const BODY_MAX_BYTES = 64 * 1024;
export const COMMENT_MAX_BYTES = 64 * 1024;
export const SUMMARY_MAX_BYTES = 64 * 1024;
export const REASON_MAX_CHARS = 2_000;
/** docs/architecture.md §10: a follow-up becomes (part of) one argument of the agent's argv, well under Linux's 128 KiB. */
export const FOLLOWUP_MAX_BYTES = 32 * 1024;
export const PRIORITY_MIN = -1_000_000;
export const PRIORITY_MAX = 1_000_000;
export const DEFAULT_BOARD = 'default';

/**
 * Every error code a caller can see, listed once. The core raises the first group (SwitchyardError,
 * electron/core/errors.ts); the API adds `validation` (a request its schema refused), `unauthorized`
 * and `internal` (a bug or a lost connection). The contract's errorCodeSchema is built from these.
 */
export const CORE_ERROR_CODES = [
  'invalid_input',
  'not_found',
  'illegal_move',
  'conflict',
  'forbidden',
  'database_busy',
  'database_too_new',
  'database_unavailable',
] as const;
export const API_ERROR_CODES = [...CORE_ERROR_CODES, 'validation', 'unauthorized', 'internal'] as const;

/**
 * How a dispatcher's claim owner starts ("dispatcher:<owner>"): such a running task holds one of
 * the dispatcher's worker slots (SPEC §3's global limit); a terminal's claim (`switchyard claim`,
 * owned by its actor) holds none.
 */
export const DISPATCHER_CLAIM_PREFIX = 'dispatcher:';

export const TASK_STATUSES = ['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** The columns the board shows; archived tasks are hidden from it. */
export const BOARD_COLUMNS = ['triage', 'todo', 'ready', 'running', 'blocked', 'done'] as const;

/** docs/architecture.md §4.6, in the order the dispatcher tests them: the first that holds is the task's reason. */
export const SKIP_REASONS = [
  'unassigned',
  'terminal_lane',
  'profile_broken',
  'dispatcher_paused',
  'lane_paused',
  // docs/architecture.md §10: after lane_paused, in this order; neither counts as stuck.
  'awaiting_approval',
  'budget_exhausted',
  'backoff',
  'lane_at_capacity',
  'global_at_capacity',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const LANE_KINDS = ['profile', 'profile_broken', 'terminal'] as const;
export type LaneKind = (typeof LANE_KINDS)[number];

export const RUN_OUTCOMES = [
  'completed',
  'blocked',
  'crashed',
  'timed_out',
  'spawn_failed',
  'gave_up',
  'reclaimed',
  'stopped',
  /** The worker ended while no dispatcher ran and left no exit status: not a failure (issue 20). */
  'lost',
  /** docs/architecture.md §10: the agent exited with one of its profile's retryExitCodes (a rate limit): not a failure. */
  'rate_limited',
] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const EVENT_KINDS = [
  'created',
  'promoted',
  'claimed',
  'spawned',
  'heartbeat',
  'completed',
  'blocked',
  'unblocked',
  'crashed',
  'timed_out',
  'spawn_failed',
  'gave_up',
  'reclaimed',
  'assigned',
  'moved',
  'edited',
  'commented',
  'linked',
  'unlinked',
  'archived',
  'stopped',
  'adopted',
  'lost',
  'rate_limited',
  'approved',
  /** docs/architecture.md §10: a done or blocked task was sent back to its agent with a follow-up. */
  'followup',
  // docs/architecture.md §9: a task's changes landed, were rebased, committed or thrown away, or its review was waived.
  'merged',
  'rebased',
  'committed',
  'discarded',
  'review_waived',
  /**
   * docs/architecture.md §9: a task's worktree folder was removed (after a merge, a discard, an
   * archive, a prune). Its card changes ("removed"), and a recompute that ran while git removed the
   * folder (and failed) is made good by the one this event starts.
   */
  'worktree_removed',
  /**
   * The dispatcher stored new skip reasons (docs/architecture.md §4.6) for the tasks in
   * `payload.taskIds` (comma-separated; `payload.count` of them): one row per tick that changed any
   * (at most SKIPS_PER_EVENT ids each), not one per task, so every reader of the log (another
   * process's board too) hears of them.
   */
  'skips_changed',
  /**
   * docs/architecture.md §9: the changes tracker computed new card figures (files, +/−, needs
   * review) for the tasks in `payload.taskIds` (comma-separated), stored beside each task; one row
   * per recompute that changed what a card shows, so a board served by another process follows.
   */
  'changes_computed',
  /**
   * docs/architecture.md "How a change travels": the board `board` was created, archived,
   * restored or replaced by `switchyard import` (`payload.change`: created | archived | restored |
   * imported), by any process (the CLI beside an open board); no task.
   */
  'board_changed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Event kinds that never change a task's status (so never a count, nor a child's dependency counts). */
export const STATUS_KEEPING_EVENT_KINDS: ReadonlySet<string> = new Set<EventKind>([
  'heartbeat',
  'edited',
  'commented',
  'assigned',
  'adopted',
  'approved',
  'committed',
  'worktree_removed',
  'skips_changed',
  'changes_computed',
  'board_changed',
]);

/** Readable names for skip reasons, used by the CLI and the cards. */
export const SKIP_REASON_LABELS: Record<SkipReason, string> = {
  unassigned: 'unassigned',
  terminal_lane: 'terminal lane',
  profile_broken: 'broken profile',
  dispatcher_paused: 'dispatcher paused',
  lane_paused: 'lane paused',
  awaiting_approval: 'awaiting approval',
  budget_exhausted: 'budget exhausted',
  backoff: 'backoff',
  lane_at_capacity: 'lane at capacity',
  global_at_capacity: 'global limit reached',
};

/** docs/profiles.md: the ready-made profiles (`switchyard profiles create NAME --from …`, the Lanes view). */
export const PROFILE_TEMPLATE_NAMES = ['shell', 'claude', 'codex', 'hermes'] as const;
export type ProfileTemplateName = (typeof PROFILE_TEMPLATE_NAMES)[number];

/** docs/architecture.md §9: how a task's branch lands on its base branch, and what happens to its worktree then. */
export const MERGE_MODES = ['ff', 'merge', 'squash'] as const;
export type MergeMode = (typeof MERGE_MODES)[number];
export const AFTER_MERGE = ['keep', 'remove'] as const;
export type AfterMerge = (typeof AFTER_MERGE)[number];
