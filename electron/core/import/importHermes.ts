import {
  EVENT_KINDS,
  RUN_OUTCOMES,
  SLUG_PATTERN,
  type EventKind,
  type RunOutcome,
  type TaskStatus,
} from '../../../shared/domain';
import * as boards from '../store/boards';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { SwitchyardError } from '../errors';
import { appendEvent } from '../store/events';
import { insertComment } from '../store/comments';
import { readHermesRows, type HermesRow } from '../store/hermesSource';
import { insertLink } from '../store/links';
import { readMeta, writeMeta } from '../store/meta';
import { insertImportedRun } from '../store/runs';
import { insertImportedTask, newTaskId, taskIdExists } from '../store/tasks';

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
}

const MAX_TITLE = 500;
const MAX_BODY = 64 * 1024;
const TASK_ID = /^t_[0-9a-f]{8}$/;
const SWITCHYARD_STATUSES: readonly TaskStatus[] = ['triage', 'todo', 'ready', 'blocked', 'done', 'archived'];

type Row = HermesRow;

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

class Notes {
  private readonly counts = new Map<string, number>();
  add(note: string): void {
    this.counts.set(note, (this.counts.get(note) ?? 0) + 1);
  }
  list(): string[] {
    return [...this.counts].map(([note, count]) => (count > 1 ? `${note} (${count}×)` : note));
  }
}

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

function mapLane(assignee: string | null, notes: Notes): string | null {
  if (assignee === null || assignee.trim() === '') return null;
  const lane = assignee.trim().toLowerCase();
  if (SLUG_PATTERN.test(lane)) return lane;
  notes.add(`assignee "${clip(assignee, 40)}" is not a valid lane name → unassigned`);
  return null;
}

function mapWorkspace(row: Row): string {
  const kind = text(row.workspace_kind);
  const where = text(row.workspace_path);
  if (where && where.startsWith('/') && !where.includes('\0')) {
    if (kind === 'dir') return `dir:${where}`;
    if (kind === 'worktree') return `worktree:${where}`;
  }
  return 'scratch';
}

function mapOutcome(outcome: string | null): RunOutcome | null {
  return outcome !== null && (RUN_OUTCOMES as readonly string[]).includes(outcome)
    ? (outcome as RunOutcome)
    : null;
}

const metaKey = (board: string, hermesId: string) => `hermes-import:${board}:${hermesId}`;

export function importHermesBoard(
  db: Db,
  file: string,
  options: { board?: string } = {},
): HermesImportReport {
  const board = options.board ?? 'default';
  if (!SLUG_PATTERN.test(board)) throw new SwitchyardError('invalid_input', `invalid board slug "${board}"`);
  const source = readHermesRows(file);
  const notes = new Notes();
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
  };
  const byTask = <T extends Row>(rows: T[]) => {
    const grouped = new Map<string, T[]>();
    for (const row of rows) {
      const id = text(row.task_id);
      if (id === null) continue;
      grouped.set(id, [...(grouped.get(id) ?? []), row]);
    }
    return grouped;
  };
  const comments = byTask(source.comments);
  const runs = byTask(source.runs);
  const events = byTask(source.events);

  runInWriteTransaction(db, () => {
    if (!boards.findBoard(db, board)) boards.insertBoard(db, board, board, Date.now());
  });
  const idOf = new Map<string, string>();
  for (const row of source.tasks) {
    const hermesId = text(row.id);
    if (hermesId === null) continue;
    report.tasks.seen++;
    runInWriteTransaction(db, () => {
      const known = readMeta(db, metaKey(board, hermesId));
      if (known !== undefined && taskIdExists(db, known)) {
        idOf.set(hermesId, known);
        report.tasks.alreadyImported++;
        return;
      }
      const id = TASK_ID.test(hermesId) && !taskIdExists(db, hermesId) ? hermesId : newTaskId(db);
      if (id !== hermesId)
        notes.add('Hermes id taken or not in t_xxxxxxxx form → new id (mapping in the report)');
      idOf.set(hermesId, id);
      importTask(db, { row, id, board, notes, report });
      report.comments += importComments(db, id, comments.get(hermesId) ?? []);
      const runIds = importRuns(db, id, row, runs.get(hermesId) ?? [], notes);
      report.runs += runIds.size;
      report.events += importEvents(db, {
        id,
        board,
        hermesId,
        rows: events.get(hermesId) ?? [],
        runIds,
        notes,
      });
      writeMeta(db, metaKey(board, hermesId), id);
      report.tasks.imported++;
    });
  }
  runInWriteTransaction(db, () => {
    for (const link of source.links) {
      const parent = idOf.get(text(link.parent_id) ?? '');
      const child = idOf.get(text(link.child_id) ?? '');
      if (!parent || !child || parent === child) {
        notes.add('link to a task that is not on the board skipped');
        continue;
      }
      if (insertLink(db, parent, child, Date.now())) report.links++;
    }
  });
  report.notes = notes.list();
  return report;
}

function importTask(
  db: Db,
  {
    row,
    id,
    board,
    notes,
    report,
  }: { row: Row; id: string; board: string; notes: Notes; report: HermesImportReport },
): void {
  const now = Date.now();
  const { status, blockReason } = mapStatus(text(row.status), notes);
  const lane = mapLane(text(row.assignee), notes);
  let title = (text(row.title) ?? '').trim();
  if (title === '') {
    title = '(untitled Hermes task)';
    notes.add('empty title → "(untitled Hermes task)"');
  }
  if (title.length > MAX_TITLE) notes.add(`title longer than ${MAX_TITLE} characters → shortened`);
  const body = text(row.body) ?? '';
  if (body.length > MAX_BODY) notes.add('body larger than 64 KiB → shortened');
  const createdAt = millis(row.created_at) ?? now;
  insertImportedTask(db, {
    id,
    board,
    title: clip(title, MAX_TITLE),
    body: clip(body, MAX_BODY),
    assignee: lane,
    status,
    priority: integer(row.priority) ?? 0,
    createdBy: clip(text(row.created_by) ?? 'hermes', 100),
    createdAt,
    now,
    startedAt: millis(row.started_at),
    completedAt: millis(row.completed_at),
    workspace: mapWorkspace(row),
    maxRuntimeSeconds: integer(row.max_runtime_seconds),
    failureCount: Math.max(0, integer(row.consecutive_failures ?? row.spawn_failures) ?? 0),
    result: text(row.result),
    lastError: text(row.last_spawn_error),
    blockReason: status === 'blocked' ? blockReason : null,
    lastHeartbeatAt: millis(row.last_heartbeat_at),
  });
  report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  if (lane) report.lanes[lane] = (report.lanes[lane] ?? 0) + 1;
}

function importComments(db: Db, taskId: string, rows: Row[]): number {
  for (const row of rows)
    insertComment(
      db,
      taskId,
      clip(text(row.author) ?? 'hermes', 100),
      clip(text(row.body) ?? '', MAX_BODY),
      millis(row.created_at) ?? Date.now(),
    );
  return rows.length;
}

/** Returns Hermes run id → Switchyard run id. A run still open on Hermes is closed: nothing here watches it. */
function importRuns(db: Db, taskId: string, task: Row, rows: Row[], notes: Notes): Map<number, number> {
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
      summary: text(row.summary),
      error,
    });
    const hermesId = integer(row.id);
    if (hermesId !== null) ids.set(hermesId, id);
  }
  return ids;
}

function importEvents(
  db: Db,
  input: {
    id: string;
    board: string;
    hermesId: string;
    rows: Row[];
    runIds: Map<number, number>;
    notes: Notes;
  },
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
    appendEvent(
      db,
      {
        taskId: input.id,
        board: input.board,
        kind: kind as EventKind,
        runId: runId === null ? null : (input.runIds.get(runId) ?? null),
        payload: { ...payload, hermesEventId: integer(row.id) },
      },
      millis(row.created_at) ?? Date.now(),
    );
    count++;
  }
  if (!sawCreated) {
    // Every task's log starts with `created`; also wakes change feeds so boards show it at once.
    appendEvent(
      db,
      {
        taskId: input.id,
        board: input.board,
        kind: 'created',
        payload: { importedFrom: 'hermes', hermesId: input.hermesId },
      },
      Date.now(),
    );
    count++;
  }
  return count;
}
