import {
  EVENT_KINDS,
  RUN_OUTCOMES,
  SLUG_PATTERN,
  type EventKind,
  type RunOutcome,
  type TaskStatus,
} from '../../../shared/domain';
import { checkLink, statusAfterLink } from '../../../shared/transitions';
import * as boards from '../store/boards';
import { childIdsOf } from '../store/links';
import { taskStatusOf, updateTask } from '../store/tasks';
import { runInWriteTransaction, withBulkWriteSettings, type Db } from '../store/db/open';
import { SwitchyardError } from '../errors';
import { appendEvents, type NewEvent } from '../store/events';
import { insertComment } from '../store/comments';
import {
  openHermesStream,
  type HermesComment,
  type HermesEvent,
  type HermesRun,
  type HermesStream,
  type HermesTask,
  type HermesTaskRows,
} from '../store/hermesSource';
import { insertLink } from '../store/links';
import { readMetaValues, writeMetaValues } from '../store/meta';
import { insertImportedRun } from '../store/runs';
import { newTaskId } from '../store/taskIds';
import { existingTaskIds, taskTotal } from '../store/tasks';
import { buildDeferredTaskIndexes, deferTaskIndexes } from '../store/db/deferredIndexes';
import { insertImportedTasks, type ImportedTaskRow } from '../store/importedTasks';
import {
  ImportNotes,
  importedBody,
  importedCommentBody,
  importedLane,
  importedMaxRuntime,
  importedPriority,
  importedSummary,
  importedTitle,
} from './importValidation';

/**
 * `switchyard import-hermes PATH/kanban.db` (docs/architecture.md §6): brings a Hermes Agent kanban board over —
 * tasks, links, comments, runs and events, assignees as lanes — into one Switchyard board.
 *
 * Idempotent: every imported task is remembered in `meta` (`hermes-import:<board>:<hermes id>`), so
 * importing the same file again adds nothing and reports 0 new. A task is imported with its
 * comments, runs and events in one transaction, so an interrupted import never leaves half a task.
 * The Hermes file is opened read-only and never changed. Older Hermes databases lack some columns;
 * every column but id/title is optional.
 */

export interface HermesImportReport {
  source: string;
  board: string;
  tasks: { seen: number; imported: number; alreadyImported: number };
  links: number;
  comments: number;
  runs: number;
  events: number;
  /** Lanes (lowercased Hermes assignees) the imported tasks landed in, with counts. */
  lanes: Record<string, number>;
  /** Imported status → count (after mapping: a `running` Hermes task arrives `ready`). */
  statuses: Record<string, number>;
  /** Things that did not map one to one, each said once per kind with a count. */
  notes: string[];
  /**
   * docs/architecture.md §9: the Hermes worktree workspaces of the tasks imported now; `adoptForeignWorktrees`
   * (import/importedWork.ts) maps each that still exists onto the task's worktree record.
   */
  worktreeWorkspaces: { taskId: string; path: string }[];
}

const TASK_ID = /^t_[0-9a-f]{8}$/;
const SWITCHYARD_STATUSES: readonly TaskStatus[] = ['triage', 'todo', 'ready', 'blocked', 'done', 'archived'];

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : String(value);

const integer = (value: unknown): number | null => {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? Math.trunc(number) : null;
};

/** Hermes stores unix seconds; anything already past 10^12 is taken to be milliseconds. */
const millis = (value: unknown): number | null => {
  const number = integer(value);
  if (number === null) return null;
  return number > 1e12 ? number : number * 1000;
};

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

type Notes = ImportNotes;

function mapStatus(status: string | null, notes: Notes): { status: TaskStatus; blockReason: string | null } {
  const value = (status ?? '').toLowerCase();
  if ((SWITCHYARD_STATUSES as readonly string[]).includes(value))
    return { status: value as TaskStatus, blockReason: value === 'blocked' ? 'blocked on Hermes' : null };
  if (value === 'running') {
    notes.add('running on Hermes → ready (no live worker here)');
    return { status: 'ready', blockReason: null };
  }
  if (value === 'scheduled') {
    notes.add('scheduled on Hermes → todo');
    return { status: 'todo', blockReason: null };
  }
  if (value === 'review') {
    notes.add('review on Hermes → blocked with reason "in review on Hermes"');
    return { status: 'blocked', blockReason: 'in review on Hermes' };
  }
  notes.add(`unknown Hermes status "${value}" → triage`);
  return { status: 'triage', blockReason: null };
}

/**
 * Every value from the file goes through the same checks as every import (importValidation.ts),
 * which are the CLI's own schemas; what fails is fixed or dropped, and the report says which
 * (issue 18: a hostile kanban.db). A title that cannot be saved gets a placeholder here, since a
 * Hermes task is worth keeping for its comments and runs.
 */
function hermesTitle(raw: string | null, notes: Notes): string {
  const title = importedTitle(raw, notes);
  if (title.ok) return title.value;
  notes.add('empty or invalid title → "(untitled Hermes task)"');
  return '(untitled Hermes task)';
}

/**
 * A workspace named in the file is a folder some other machine or person chose: an imported task
 * never starts in a folder the user did not configure here (`dir:/` would run an agent at the
 * root). It gets a scratch folder; `switchyard edit --workspace` sets a real one.
 */
function importedWorkspace(row: HermesTask, notes: Notes, worktree: (path: string) => void): string {
  const where = text(row.workspace_path);
  const kind = text(row.workspace_kind);
  if (kind === 'worktree' && where) {
    // Mapped after the import (git runs then, off the transaction): only a real worktree of a
    // repository with a work tree, on its own branch, becomes the task's; it is never moved or removed.
    worktree(where);
    return 'scratch';
  }
  if (where || (kind && kind !== 'scratch'))
    notes.add('workspace from the file not used → scratch (set one with `switchyard edit`)');
  return 'scratch';
}

/** Hermes times are unix seconds; one before 2000 or more than a day ahead is not believed. */
const EARLIEST_TIME = Date.UTC(2000, 0, 1);
function importedTime(raw: unknown, what: string, now: number, notes: Notes): number | null {
  const value = millis(raw);
  if (value === null) return null;
  if (value >= EARLIEST_TIME && value <= now + 24 * 3600_000) return value;
  notes.add(`${what} outside 2000…now → ${what === 'creation time' ? 'the import time' : 'dropped'}`);
  return null;
}

function mapOutcome(outcome: string | null): RunOutcome | null {
  return outcome !== null && (RUN_OUTCOMES as readonly string[]).includes(outcome)
    ? (outcome as RunOutcome)
    : null;
}

const metaKey = (board: string, hermesId: string) => `hermes-import:${board}:${hermesId}`;

/**
 * Tasks read and inserted together, and batches per write transaction (2,000 tasks, ~0.1–0.2 s of
 * holding the write lock on a quiet machine). A transaction never holds half a task.
 */
const TASKS_PER_BATCH = 500;
const BATCHES_PER_TRANSACTION = 4;

export interface HermesImportOptions {
  board?: string;
  ready?: boolean;
  /** Called after each committed batch of tasks, and once more before the links. */
  onProgress?: (progress: { tasksDone: number; tasksTotal: number }) => void;
}

export function importHermesBoard(
  db: Db,
  file: string,
  options: HermesImportOptions = {},
): HermesImportReport {
  const board = options.board ?? 'default';
  if (!SLUG_PATTERN.test(board)) throw new SwitchyardError('invalid_input', `invalid board slug "${board}"`);
  const source = openHermesStream(file);
  try {
    // Statement journals in memory and fewer checkpoints (withBulkWriteSettings says why).
    return withBulkWriteSettings(db, () => importStream(db, source, { file, board }, options));
  } finally {
    source.close();
  }
}

function importStream(
  db: Db,
  source: HermesStream,
  { file, board }: { file: string; board: string },
  options: HermesImportOptions,
): HermesImportReport {
  const notes = new ImportNotes();
  const report: HermesImportReport = {
    source: file,
    board,
    tasks: { seen: 0, imported: 0, alreadyImported: 0 },
    links: 0,
    comments: 0,
    runs: 0,
    events: 0,
    lanes: {},
    statuses: {},
    notes: [],
    worktreeWorkspaces: [],
  };
  // A file that brings more tasks than the database holds has the spread-out task indexes built
  // once after its rows (store/db/deferredIndexes.ts; a marker there lets the next open build them
  // if this process dies first). A smaller one into a large board updates them as it goes: building
  // them again would cost more than it saves, and other connections' queries would run without them.
  const deferred = runInWriteTransaction(db, () => {
    if (!boards.findBoard(db, board)) boards.insertBoard(db, board, board, Date.now());
    return source.taskCount > taskTotal(db) && deferTaskIndexes(db);
  });
  try {
    importRows(db, source, board, options, { notes, report });
  } finally {
    if (deferred) runInWriteTransaction(db, () => buildDeferredTaskIndexes(db));
  }
  report.notes = notes.list();
  return report;
}

function importRows(
  db: Db,
  source: HermesStream,
  board: string,
  options: HermesImportOptions,
  { notes, report }: { notes: Notes; report: HermesImportReport },
): void {
  const idOf = new Map<string, string>();
  /** Status of each task imported now (the links below read them without a query per link). */
  const statusOf = new Map<string, TaskStatus>();
  // A task is imported with its comments, runs and events in the transaction of its batch, so an
  // interrupted import never leaves half a task (and a task already imported is never doubled).
  // The batch's new tasks are inserted first, together (insertImportedTasks: the count tables are
  // added to once per batch), then each one's comments, runs, events and mapping.
  const importBatch = (rows: readonly HermesTaskRows[]): void => {
    const fresh: { rows: HermesTaskRows; hermesId: string; task: ImportedTaskRow }[] = [];
    /** Ids handed out in this batch but not written yet, and the Hermes ids they map. */
    const pending = new Set<string>();
    const freshIds = new Map<string, string>();
    // The batch's mappings and the tasks they (and the Hermes ids) name, read in two statements
    // instead of up to three per task; the new mappings are written in one at the end.
    const hermesIds = rows.map((rowsOfTask) => text(rowsOfTask.task.id));
    const keys = hermesIds.map((hermesId) => (hermesId === null ? null : metaKey(board, hermesId)));
    const mapped = readMetaValues(
      db,
      keys.filter((key): key is string => key !== null),
    );
    const existing = existingTaskIds(db, [
      ...mapped.values(),
      ...hermesIds.filter((hermesId): hermesId is string => hermesId !== null && TASK_ID.test(hermesId)),
    ]);
    const mappings: [key: string, id: string][] = [];
    for (let index = 0; index < rows.length; index++) {
      const rowsOfTask = rows[index] as HermesTaskRows;
      const hermesId = hermesIds[index];
      const key = keys[index];
      if (hermesId == null || key == null) continue;
      report.tasks.seen++;
      // The same id twice in a file without a primary key: the second is mapped already, as it
      // would be in a later batch.
      const inBatch = freshIds.get(hermesId);
      const known = inBatch ?? mapped.get(key);
      if (known !== undefined && (inBatch !== undefined || existing.has(known))) {
        idOf.set(hermesId, known);
        report.tasks.alreadyImported++;
        continue;
      }
      const id =
        TASK_ID.test(hermesId) && !pending.has(hermesId) && !existing.has(hermesId)
          ? hermesId
          : newTaskId(db, pending);
      if (id !== hermesId)
        notes.add('Hermes id taken or not in t_xxxxxxxx form → new id (mapping in the report)');
      pending.add(id);
      freshIds.set(hermesId, id);
      idOf.set(hermesId, id);
      const task = importedTask({
        row: rowsOfTask.task,
        id,
        board,
        notes,
        report,
        ready: options.ready === true,
      });
      statusOf.set(id, task.status);
      fresh.push({ rows: rowsOfTask, hermesId, task });
      mappings.push([key, id]);
    }
    insertImportedTasks(
      db,
      fresh.map((entry) => entry.task),
    );
    /** The batch's events, written together after its runs (which they may name). */
    const events: { event: NewEvent; now: number }[] = [];
    for (const { rows: rowsOfTask, hermesId, task } of fresh) {
      const { id } = task;
      report.comments += importComments(db, id, rowsOfTask.comments, notes);
      const runIds = importRuns(db, id, rowsOfTask.task, rowsOfTask.runs, notes);
      report.runs += runIds.size;
      report.events += importEvents({ id, board, hermesId, rows: rowsOfTask.events, runIds, notes }, events);
      report.tasks.imported++;
    }
    appendEvents(db, events);
    writeMetaValues(db, mappings);
  };
  // A transaction takes several batches, read from the file while it is open: each commit rewrites
  // every index page its rows touched, and the task indexes are spread over every lane and status,
  // so fewer commits write far fewer pages; the rows in memory stay one batch.
  const tasks = source.tasks();
  let done = 0;
  for (let finished = false; !finished;) {
    const committed = runInWriteTransaction(db, () => {
      let taken = 0;
      for (let batches = 0; batches < BATCHES_PER_TRANSACTION; batches++) {
        const rows: HermesTaskRows[] = [];
        for (let next = tasks.next(); !next.done; next = tasks.next()) {
          rows.push(next.value);
          if (rows.length >= TASKS_PER_BATCH) break;
        }
        importBatch(rows);
        taken += rows.length;
        if (rows.length < TASKS_PER_BATCH) {
          finished = true;
          break;
        }
      }
      return taken;
    });
    if (committed === 0) break;
    done += committed;
    options.onProgress?.({ tasksDone: done, tasksTotal: source.taskCount });
  }
  importLinks(db, source, { idOf, statusOf }, notes, report);
}

function importLinks(
  db: Db,
  source: HermesStream,
  { idOf, statusOf }: { idOf: Map<string, string>; statusOf: Map<string, TaskStatus> },
  notes: Notes,
  report: HermesImportReport,
): void {
  const status = (id: string): TaskStatus | undefined => statusOf.get(id) ?? taskStatusOf(db, id);
  runInWriteTransaction(db, () => {
    for (const link of source.links()) {
      const parent = idOf.get(text(link.parent_id) ?? '');
      const child = idOf.get(text(link.child_id) ?? '');
      if (!parent || !child || parent === child) {
        notes.add('link to a task that is not on the board skipped');
        continue;
      }
      // Links form a DAG (docs/architecture.md §2): the same check as `switchyard link`.
      if (!checkLink(parent, child, (id) => childIdsOf(db, id)).allowed) {
        notes.add('link that would close a dependency cycle → skipped');
        continue;
      }
      if (!insertLink(db, parent, child, Date.now())) continue;
      report.links++;
      const parentStatus = status(parent);
      const childStatus = status(child);
      if (!parentStatus || !childStatus) continue;
      const next = statusAfterLink(childStatus, parentStatus);
      if (next !== childStatus) {
        updateTask(db, child, { status: next }, Date.now());
        statusOf.set(child, next);
        notes.add(`${childStatus} task whose parent is not done → ${next} (waits for its parent)`);
      }
    }
  });
}

/** The Switchyard row of a Hermes task, and the report's counts of its status and lane. */
function importedTask({
  row,
  id,
  board,
  notes,
  report,
  ready,
}: {
  row: HermesTask;
  id: string;
  board: string;
  notes: Notes;
  report: HermesImportReport;
  ready: boolean;
}): ImportedTaskRow {
  const now = Date.now();
  const mapped = mapStatus(text(row.status), notes);
  const { blockReason } = mapped;
  // Imported work is reviewed before anything runs it (issue 18): triage unless --ready.
  let status = mapped.status;
  if (!ready && (status === 'ready' || status === 'todo')) {
    notes.add(`${status} on import → triage (import with --ready to keep it ${status})`);
    status = 'triage';
  }
  const lane = importedLane(text(row.assignee), notes);
  const title = hermesTitle(text(row.title), notes);
  const checkedBody = importedBody(text(row.body), notes);
  const body = checkedBody.ok ? checkedBody.value : '';
  const createdAt = importedTime(row.created_at, 'creation time', now, notes) ?? now;
  const task: ImportedTaskRow = {
    id,
    board,
    title,
    body,
    assignee: lane,
    status,
    priority: importedPriority(row.priority, notes),
    createdBy: clip(text(row.created_by) ?? 'hermes', 100),
    createdAt,
    now,
    startedAt: importedTime(row.started_at, 'start time', now, notes),
    completedAt: importedTime(row.completed_at, 'completion time', now, notes),
    workspace: importedWorkspace(row, notes, (where) =>
      report.worktreeWorkspaces.push({ taskId: id, path: where }),
    ),
    maxRuntimeSeconds: importedMaxRuntime(row.max_runtime_seconds, notes),
    failureCount: Math.max(0, integer(row.consecutive_failures ?? row.spawn_failures) ?? 0),
    result: text(row.result),
    lastError: text(row.last_spawn_error),
    blockReason: status === 'blocked' ? blockReason : null,
    lastHeartbeatAt: importedTime(row.last_heartbeat_at, 'heartbeat time', now, notes),
  };
  report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  if (lane) report.lanes[lane] = (report.lanes[lane] ?? 0) + 1;
  return task;
}

function importComments(db: Db, taskId: string, rows: HermesComment[], notes: Notes): number {
  let imported = 0;
  for (const row of rows) {
    const body = importedCommentBody(text(row.body), notes);
    if (!body.ok) {
      notes.add(`comment skipped: ${body.problem}`);
      continue;
    }
    const author = clip(text(row.author) ?? 'hermes', 100);
    insertComment(db, taskId, author, body.value, millis(row.created_at) ?? Date.now());
    imported++;
  }
  return imported;
}

/** Returns Hermes run id → Switchyard run id. A run still open on Hermes is closed: nothing here watches it. */
function importRuns(
  db: Db,
  taskId: string,
  task: HermesTask,
  rows: HermesRun[],
  notes: Notes,
): Map<number, number> {
  const ids = new Map<number, number>();
  for (const row of rows) {
    const startedAt = millis(row.started_at) ?? millis(task.created_at) ?? Date.now();
    let endedAt = millis(row.ended_at);
    let outcome = mapOutcome(text(row.outcome));
    let error = text(row.error);
    if (endedAt === null) {
      notes.add('run still open on Hermes → closed as crashed');
      endedAt = Date.now();
      outcome = 'crashed';
      error = error ?? 'still running on Hermes when imported; not adopted';
    } else if (outcome === null && text(row.outcome) !== null) {
      notes.add(`unknown run outcome "${text(row.outcome)}" → crashed`);
      outcome = 'crashed';
    }
    const lane = (text(row.profile) ?? text(task.assignee) ?? 'hermes').toLowerCase().slice(0, 64);
    const id = insertImportedRun(db, {
      taskId,
      lane,
      pid: integer(row.worker_pid),
      startedAt,
      endedAt,
      outcome,
      summary: checkedSummary(text(row.summary), notes),
      error,
    });
    const hermesId = integer(row.id);
    if (hermesId !== null) ids.set(hermesId, id);
  }
  return ids;
}

function checkedSummary(raw: string | null, notes: Notes): string | null {
  const summary = importedSummary(raw, notes);
  return summary.ok ? summary.value : null;
}

function importEvents(
  input: {
    id: string;
    board: string;
    hermesId: string;
    rows: HermesEvent[];
    runIds: Map<number, number>;
    notes: Notes;
  },
  out: { event: NewEvent; now: number }[],
): number {
  let count = 0;
  let sawCreated = false;
  for (const row of input.rows) {
    const kind = text(row.kind) ?? '';
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
      input.notes.add(
        `Hermes event kind "${clip(kind, 40)}" has no Switchyard equivalent → kept out of the log`,
      );
      continue;
    }
    if (kind === 'created') sawCreated = true;
    let payload: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(text(row.payload) ?? '{}') as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        payload = parsed as Record<string, unknown>;
    } catch {
      input.notes.add('event payload that is not JSON → dropped (the event is kept)');
    }
    const runId = integer(row.run_id);
    out.push({
      event: {
        taskId: input.id,
        board: input.board,
        kind: kind as EventKind,
        runId: runId === null ? null : (input.runIds.get(runId) ?? null),
        payload: { ...payload, hermesEventId: integer(row.id) },
      },
      now: millis(row.created_at) ?? Date.now(),
    });
    count++;
  }
  if (!sawCreated) {
    // Every task's log starts with `created`; also wakes change feeds so boards show it at once.
    out.push({
      event: {
        taskId: input.id,
        board: input.board,
        kind: 'created',
        payload: { importedFrom: 'hermes', hermesId: input.hermesId },
      },
      now: Date.now(),
    });
    count++;
  }
  return count;
}
