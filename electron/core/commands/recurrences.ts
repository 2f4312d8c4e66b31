import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import {
  DEFAULT_BOARD,
  assigneeSchema,
  bodySchema,
  prioritySchema,
  slugSchema,
  titleSchema,
} from '../../../shared/domain';
import { RECURRENCE_ID_PATTERN, type Recurrence } from '../../../shared/recurrence';
import { describeRefusal } from '../../../shared/refusalText';
import * as boards from '../store/boards';
import { runInWriteTransaction, type Db } from '../store/db/open';
import * as store from '../store/recurrences';
import { SwitchyardError, invalidInput, notFound } from '../errors';
import { parseInput } from './parseInput';
import { createTask, type Actor } from './taskCommands';

/**
 * Recurring tasks (issue 16): a task template with a cron schedule in an explicit time zone makes a
 * task on its board and lane at each occurrence.
 *
 * - The cursor (`last_occurrence_at`) is the latest occurrence handled. Evaluating at `now` looks
 *   only at the latest occurrence in (cursor, now]: occurrences missed while the app was closed make
 *   ONE task, not a burst (the task's `created` event says how many were missed).
 * - "Skip if open": while the previous task it made is not done or archived, an occurrence is
 *   passed over (recorded as the last outcome) instead of piling up a second copy.
 * - The cursor moves in the same transaction that creates the task, by compare-and-swap, so two
 *   processes evaluating at once never make one occurrence twice.
 */

export type { Recurrence };

const recurrenceFromRow = (row: store.RecurrenceRow): Recurrence => ({
  id: row.id,
  board: row.board,
  lane: row.lane,
  title: row.title,
  body: row.body,
  priority: row.priority,
  schedule: row.schedule,
  timeZone: row.time_zone,
  skipIfOpen: row.skip_if_open === 1,
  paused: row.paused === 1,
  createdAt: row.created_at,
  lastOccurrenceAt: row.last_occurrence_at,
  lastTaskId: row.last_task_id,
  lastOutcome: row.last_outcome,
  nextRunAt: row.next_run_at,
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The machine's own zone, for callers that do not name one (it is then stored explicitly). */
export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export const scheduleSchema = z
  .string()
  .trim()
  .min(1, 'a schedule is required')
  .max(200)
  .superRefine((schedule, context) => {
    try {
      CronExpressionParser.parse(schedule, { tz: 'UTC' });
    } catch (error) {
      context.addIssue({ code: 'custom', message: `schedule "${schedule}": ${(error as Error).message}` });
    }
  });

export const timeZoneSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(isTimeZone, 'not a time zone this system knows (use an IANA name such as Europe/Paris or UTC)');

export const addRecurrenceInputSchema = z.object({
  title: titleSchema,
  body: bodySchema.default(''),
  board: slugSchema.default(DEFAULT_BOARD),
  lane: assigneeSchema.nullable().default(null),
  priority: prioritySchema.default(0),
  schedule: scheduleSchema,
  timeZone: timeZoneSchema,
  skipIfOpen: z.boolean().default(false),
});
export type AddRecurrenceInput = z.input<typeof addRecurrenceInputSchema>;

/** The first occurrence strictly after `after`. */
export function occurrenceAfter(schedule: string, timeZone: string, after: number): number | null {
  try {
    return CronExpressionParser.parse(schedule, { currentDate: new Date(after), tz: timeZone })
      .next()
      .getTime();
  } catch {
    return null; // a schedule with no further occurrence (a fixed year in the past)
  }
}

/** The latest occurrence at or before `at`. */
export function occurrenceAtOrBefore(schedule: string, timeZone: string, at: number): number | null {
  try {
    return CronExpressionParser.parse(schedule, { currentDate: new Date(at + 1), tz: timeZone })
      .prev()
      .getTime();
  } catch {
    return null;
  }
}

function newRecurrenceId(db: Db): string {
  for (;;) {
    const id = `r_${randomBytes(4).toString('hex')}`;
    if (!store.recurrenceIdExists(db, id)) return id;
  }
}

function requireRecurrence(db: Db, id: string): store.RecurrenceRow {
  const row = RECURRENCE_ID_PATTERN.test(id) ? store.findRecurrence(db, id) : undefined;
  if (!row) throw notFound(`no recurrence ${id} (see \`switchyard recur list\`)`);
  return row;
}

export function addRecurrence(db: Db, input: AddRecurrenceInput, now = Date.now()): Recurrence {
  const valid = parseInput(addRecurrenceInputSchema, input);
  return runInWriteTransaction(db, () => {
    const board = boards.findBoard(db, valid.board);
    if (!board) throw notFound(`no board "${valid.board}" (see \`switchyard boards\`)`);
    if (board.archivedAt !== null) throw invalidInput(`board "${valid.board}" is archived`);
    const id = newRecurrenceId(db);
    store.insertRecurrence(db, {
      id,
      board: valid.board,
      lane: valid.lane,
      title: valid.title,
      body: valid.body,
      priority: valid.priority,
      schedule: valid.schedule,
      time_zone: valid.timeZone,
      skip_if_open: valid.skipIfOpen ? 1 : 0,
      paused: 0,
      created_at: now,
      // Occurrences before it was added are not "missed": the cursor starts now.
      last_occurrence_at: now,
      last_task_id: null,
      last_outcome: null,
      next_run_at: occurrenceAfter(valid.schedule, valid.timeZone, now),
    });
    return recurrenceFromRow(store.findRecurrence(db, id) as store.RecurrenceRow);
  });
}

export function listRecurrences(db: Db, filter: { board?: string; lane?: string } = {}): Recurrence[] {
  return store.listRecurrences(db, filter).map(recurrenceFromRow);
}

export function getRecurrence(db: Db, id: string): Recurrence {
  return recurrenceFromRow(requireRecurrence(db, id));
}

/**
 * Pausing stops new tasks; resuming starts from now (occurrences while paused are not caught up:
 * the user asked for none).
 */
export function setRecurrencePaused(db: Db, id: string, paused: boolean, now = Date.now()): Recurrence {
  return runInWriteTransaction(db, () => {
    const row = requireRecurrence(db, id);
    if ((row.paused === 1) === paused) return recurrenceFromRow(row);
    if (paused) store.setRecurrencePaused(db, id, true, null);
    else {
      const from = Math.max(now, row.last_occurrence_at ?? 0);
      store.resumeRecurrence(db, id, from, occurrenceAfter(row.schedule, row.time_zone, from));
    }
    return recurrenceFromRow(store.findRecurrence(db, id) as store.RecurrenceRow);
  });
}

export function removeRecurrence(db: Db, id: string): Recurrence {
  return runInWriteTransaction(db, () => {
    const row = requireRecurrence(db, id);
    store.deleteRecurrence(db, id);
    return recurrenceFromRow(row);
  });
}

export interface RecurrenceRunResult {
  /** Tasks made, one per recurrence that was due. */
  created: { recurrenceId: string; taskId: string; occurrence: number; missed: number }[];
  /** Occurrences passed over because the previous task was still open, or the task was refused. */
  skipped: { recurrenceId: string; occurrence: number; reason: string }[];
}

const OPEN_COUNTED_AS_DONE = new Set(['done', 'archived']);

/** How many occurrences fell in (after, until], counted up to a cap (for the catch-up note only). */
function occurrencesBetween(
  schedule: string,
  timeZone: string,
  after: number,
  until: number,
  cap = 1000,
): number {
  let count = 0;
  try {
    const iterator = CronExpressionParser.parse(schedule, {
      currentDate: new Date(after),
      endDate: new Date(until + 1),
      tz: timeZone,
    });
    while (count < cap && iterator.hasNext()) {
      iterator.next();
      count++;
    }
  } catch {
    // endDate reached
  }
  return count;
}

/**
 * Makes the tasks of every recurrence due by `now`. The engine calls it on its own timer (not in
 * the dispatcher tick); tests call it with a faked `now`.
 */
export function runDueRecurrences(db: Db, now = Date.now()): RecurrenceRunResult {
  const result: RecurrenceRunResult = { created: [], skipped: [] };
  for (const due of store.dueRecurrences(db, now)) {
    runInWriteTransaction(db, () => {
      const row = store.findRecurrence(db, due.id);
      if (!row || row.paused === 1 || row.next_run_at === null || row.next_run_at > now) return;
      const cursor = row.last_occurrence_at ?? row.created_at;
      const occurrence = occurrenceAtOrBefore(row.schedule, row.time_zone, now);
      const nextRunAt = occurrenceAfter(row.schedule, row.time_zone, now);
      if (occurrence === null || occurrence <= cursor) {
        // Nothing new (the clock moved back, or the schedule changed): just look ahead again.
        store.setRecurrenceNextRun(db, row.id, nextRunAt);
        return;
      }
      const previousStatus = row.last_task_id === null ? undefined : store.taskStatusOf(db, row.last_task_id);
      const previousOpen = previousStatus !== undefined && !OPEN_COUNTED_AS_DONE.has(previousStatus);
      if (row.skip_if_open === 1 && previousOpen) {
        const reason = `skipped: previous task ${row.last_task_id} still ${previousStatus}`;
        if (
          store.advanceRecurrence(db, row.id, row.last_occurrence_at, {
            lastOccurrenceAt: occurrence,
            nextRunAt,
            lastOutcome: reason,
          })
        )
          result.skipped.push({ recurrenceId: row.id, occurrence, reason });
        return;
      }
      const missed = occurrencesBetween(row.schedule, row.time_zone, cursor, occurrence) - 1;
      if (
        !store.advanceRecurrence(db, row.id, row.last_occurrence_at, {
          lastOccurrenceAt: occurrence,
          nextRunAt,
          lastOutcome:
            missed > 0
              ? `created (${missed} missed occurrence${missed === 1 ? '' : 's'} folded in)`
              : 'created',
        })
      )
        return;
      try {
        const task = createTask(
          db,
          { title: row.title, body: row.body, board: row.board, assignee: row.lane, priority: row.priority },
          recurrenceActor(row.id),
        );
        store.setRecurrenceLastTask(db, row.id, task.id);
        result.created.push({
          recurrenceId: row.id,
          taskId: task.id,
          occurrence,
          missed: Math.max(0, missed),
        });
      } catch (error) {
        // The board was archived, say: the occurrence is passed over with the reason, never retried in a loop.
        const reason = `not created: ${error instanceof SwitchyardError ? error.message : (error as Error).message}`;
        store.advanceRecurrence(db, row.id, occurrence, {
          lastOccurrenceAt: occurrence,
          nextRunAt,
          lastOutcome: reason,
        });
        result.skipped.push({ recurrenceId: row.id, occurrence, reason });
      }
    });
  }
  return result;
}

export const recurrenceActor = (id: string): Actor => ({ name: `recurrence:${id}` });

export type RestoreOutcome = 'imported' | 'same' | 'conflict' | { problem: string };

/** `switchyard import`: a recurrence from an export, validated as `recur add` would, id kept. */
export function restoreRecurrence(db: Db, row: store.RecurrenceExportRow, now = Date.now()): RestoreOutcome {
  if (!RECURRENCE_ID_PATTERN.test(row.id)) return { problem: 'id is not of the form r_1a2b3c4d' };
  const valid = addRecurrenceInputSchema.safeParse({
    title: row.title,
    body: row.body,
    board: row.board,
    lane: row.lane,
    priority: row.priority,
    schedule: row.schedule,
    timeZone: row.time_zone,
    skipIfOpen: row.skip_if_open === 1,
  });
  if (!valid.success) return { problem: describeRefusal(valid.error) };
  const existing = store.findRecurrence(db, row.id);
  if (existing) {
    const { next_run_at: _next, last_outcome: _outcome, ...comparable } = existing;
    return isDeepStrictEqual(comparable, row) ? 'same' : 'conflict';
  }
  if (!boards.findBoard(db, row.board)) return { problem: `board "${row.board}" is not in this home` };
  store.insertRecurrence(db, {
    ...row,
    last_outcome: null,
    next_run_at:
      row.paused === 1
        ? null
        : occurrenceAfter(
            row.schedule,
            row.time_zone,
            Math.max(now, row.last_occurrence_at ?? row.created_at),
          ),
  });
  return 'imported';
}
