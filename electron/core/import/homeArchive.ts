import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SLUG_PATTERN, TASK_ID_PATTERN, TASK_STATUSES, type TaskStatus } from '../../../shared/domain';
import { describeRefusal } from '../../../shared/refusalText';
import { checkLink } from '../../../shared/transitions';
import type { HomePaths } from '../config/home';
import { readSmallJsonFile, writeFileAtomically } from '../config/jsonFile';
import { LANES_FILE_MAX_BYTES } from '../config/lanesFile';
import { PROFILE_FILE, PROFILE_MAX_BYTES, listProfileFolders } from '../config/profiles';
import { SwitchyardError, invalidInput } from '../errors';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { SCHEMA_VERSION } from '../store/db/migrations';
import { appendEvent } from '../store/events';
import * as rows from '../store/homeExport';
import { childIdsOf } from '../store/links';
import * as origins from '../store/origins';
import { exportRecurrences } from '../store/recurrences';
import { restoreRecurrence } from '../commands/recurrences';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  exportFileSchema,
  type ExportFile,
  type ExportedTask,
} from './exportFormat';
import {
  ImportNotes,
  importedBody,
  importedCommentBody,
  importedLane,
  importedPriority,
  importedSummary,
  importedTitle,
  importedWorkspace,
} from './importValidation';

/**
 * `switchyard export` / `switchyard import` (docs/export-format.md): a home — or one board of it —
 * as one versioned JSON file, and the restore of such a file into an empty or existing home.
 * Ids are kept; what is already there is never overwritten: an id that exists with other content is
 * a conflict, reported and skipped, so importing the same file twice adds nothing.
 */

export function exportHome(db: Db, paths: HomePaths, options: { board?: string } = {}): ExportFile {
  const board = options.board;
  if (board !== undefined && !rows.exportBoards(db, board).length)
    throw new SwitchyardError('not_found', `no board "${board}" (see \`switchyard boards\`)`);
  // One read transaction: a consistent picture even while the app writes.
  return db.transaction(() => ({
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    schemaVersion: SCHEMA_VERSION,
    board: board ?? null,
    boards: rows.exportBoards(db, board),
    tasks: rows.exportTasks(db, board),
    links: rows.exportLinks(db, board),
    comments: rows.exportComments(db, board),
    runs: rows.exportRunSummaries(db, board),
    laneSettings: rows.exportLaneSettings(db),
    lanesFile: readJson(paths.lanesFile, LANES_FILE_MAX_BYTES),
    profiles: listProfileFolders(paths)
      .folders.map((folder) => ({
        name: folder.name,
        profile: readJson(path.join(folder.dir, PROFILE_FILE), PROFILE_MAX_BYTES),
      }))
      .filter((entry) => entry.profile !== null),
    recurrences: exportRecurrences(db, board),
    taskOrigins: origins.exportTaskOrigins(db, board),
    boardOrigins: origins.exportBoardOrigins(db, board),
  }))();
}

function readJson(file: string, maxBytes: number): unknown {
  const read = readSmallJsonFile(file, maxBytes);
  return read.kind === 'ok' ? read.value : null;
}

export interface HomeImportReport {
  source: string;
  boards: { created: number; existing: number };
  tasks: { imported: number; alreadyPresent: number; conflicts: number; skipped: number };
  links: { imported: number; alreadyPresent: number; skipped: number };
  comments: { imported: number; alreadyPresent: number; skipped: number };
  runs: { imported: number; alreadyPresent: number; skipped: number };
  laneSettings: { imported: number; alreadyPresent: number; conflicts: number };
  profiles: { imported: number; alreadyPresent: number; conflicts: number };
  lanesFile: 'imported' | 'same' | 'conflict' | 'none';
  recurrences: { imported: number; alreadyPresent: number; conflicts: number; skipped: number };
  /** One line per conflict or skipped item (capped), and repairs counted by kind. */
  notes: string[];
}

const MAX_DETAIL_NOTES = 50;

/** Reads and checks an export file; anything else gets one clear line. */
export function readExportFile(file: string): ExportFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SwitchyardError(
      code === 'ENOENT' ? 'not_found' : 'invalid_input',
      `cannot read ${file}: ${code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidInput(`${file} is not a Switchyard export (not JSON)`);
  }
  if ((json as { format?: unknown } | null)?.format !== EXPORT_FORMAT)
    throw invalidInput(`${file} is not a Switchyard export (no "format": "${EXPORT_FORMAT}")`);
  const version = (json as { version?: unknown }).version;
  if (typeof version === 'number' && version > EXPORT_VERSION)
    throw invalidInput(
      `${file} is export format version ${version}; this Switchyard reads up to ${EXPORT_VERSION} — upgrade to import it`,
    );
  const parsed = exportFileSchema.safeParse(json);
  if (!parsed.success) {
    throw invalidInput(
      `${file} is not a valid Switchyard export: ${describeRefusal(parsed.error, { naming: 'keys' })}`,
    );
  }
  return parsed.data;
}

export function importHome(db: Db, paths: HomePaths, file: string): HomeImportReport {
  const data = readExportFile(file);
  const notes = new ImportNotes();
  const details: string[] = [];
  const detail = (line: string) => {
    if (details.length < MAX_DETAIL_NOTES) details.push(line);
    else if (details.length === MAX_DETAIL_NOTES) details.push('… more conflicts and skips not listed');
  };
  const report: HomeImportReport = {
    source: file,
    boards: { created: 0, existing: 0 },
    tasks: { imported: 0, alreadyPresent: 0, conflicts: 0, skipped: 0 },
    links: { imported: 0, alreadyPresent: 0, skipped: 0 },
    comments: { imported: 0, alreadyPresent: 0, skipped: 0 },
    runs: { imported: 0, alreadyPresent: 0, skipped: 0 },
    laneSettings: { imported: 0, alreadyPresent: 0, conflicts: 0 },
    profiles: { imported: 0, alreadyPresent: 0, conflicts: 0 },
    lanesFile: 'none',
    recurrences: { imported: 0, alreadyPresent: 0, conflicts: 0, skipped: 0 },
    notes: [],
  };

  // The database part is one transaction: an import that fails half way leaves the home as it was.
  runInWriteTransaction(db, () => {
    restoreBoards(db, data, report, detail);
    const imported = restoreTasks(db, data, report, notes, detail);
    const runIds = restoreRuns(db, data, imported, report, notes, detail);
    for (const id of imported) {
      const task = data.tasks.find((candidate) => candidate.id === id);
      if (task?.current_run_id != null && runIds.get(task.current_run_id) !== task.current_run_id)
        rows.setTaskCurrentRun(db, id, runIds.get(task.current_run_id) ?? null);
    }
    restoreComments(db, data, imported, report, notes, detail);
    restoreLinks(db, data, report, detail);
    restoreLaneSettings(db, data, report, detail);
    restoreRecurrences(db, data, report, detail);
    // Origins travel with what they describe: only for tasks this import added and boards here.
    for (const origin of data.taskOrigins)
      if (imported.has(origin.task_id)) origins.restoreTaskOrigin(db, origin);
    for (const origin of data.boardOrigins)
      if (rows.exportBoards(db, origin.board).length) origins.restoreBoardOrigin(db, origin);
    const now = Date.now();
    // Every task's log starts with `created`; it also wakes the boards and the dispatcher.
    for (const id of imported) {
      const board = data.tasks.find((task) => task.id === id)?.board ?? null;
      appendEvent(
        db,
        { taskId: id, board, kind: 'created', payload: { importedFrom: 'switchyard-export' } },
        now,
      );
    }
  });
  restoreProfiles(paths, data, report, detail);
  report.lanesFile = restoreLanesFile(paths, data, detail);
  report.notes = [...details, ...notes.list()];
  return report;
}

type Detail = (line: string) => void;

function restoreBoards(db: Db, data: ExportFile, report: HomeImportReport, detail: Detail): void {
  const needed = new Map(data.boards.map((board) => [board.slug, board]));
  for (const task of data.tasks)
    if (!needed.has(task.board))
      needed.set(task.board, {
        slug: task.board,
        name: task.board,
        created_at: Date.now(),
        archived_at: null,
      });
  for (const board of needed.values()) {
    if (!SLUG_PATTERN.test(board.slug)) {
      detail(`board "${board.slug.slice(0, 70)}" skipped: not a valid board slug`);
      continue;
    }
    const existing = rows.exportBoards(db, board.slug)[0];
    if (!existing) {
      rows.insertBoardRow(db, { ...board, name: board.name.trim().slice(0, 200) || board.slug });
      report.boards.created++;
      continue;
    }
    report.boards.existing++;
    // A board with no tasks yet (the `default` of a fresh home) takes the exported one's identity,
    // so restoring into an empty home gives back the same board.
    if (!rows.boardHasTasks(db, board.slug) && !isDeepStrictEqual(existing, board))
      rows.updateBoardRow(db, board);
  }
}

/** The task as it will be stored: the CLI's rules applied, nothing left running. */
function taskToStore(
  task: ExportedTask,
  notes: ImportNotes,
): { ok: true; row: rows.TaskExportRow } | { ok: false; problem: string } {
  if (!TASK_ID_PATTERN.test(task.id)) return { ok: false, problem: 'id is not of the form t_1a2b3c4d' };
  if (!(TASK_STATUSES as readonly string[]).includes(task.status))
    return { ok: false, problem: `unknown status "${task.status.slice(0, 40)}"` };
  const title = importedTitle(task.title, notes);
  if (!title.ok) return { ok: false, problem: title.problem };
  const body = importedBody(task.body, notes);
  if (!body.ok) return { ok: false, problem: body.problem };
  const result = importedSummary(task.result, notes);
  let status = task.status as TaskStatus;
  const row: rows.TaskExportRow = {
    ...task,
    title: title.value,
    body: body.value,
    result: result.ok ? result.value : null,
    assignee: importedLane(task.assignee, notes),
    priority: importedPriority(task.priority, notes),
    workspace: importedWorkspace(task.workspace, notes),
    status,
  };
  if (status === 'running') {
    // Its worker lives (if at all) on the machine it was exported from: nothing here watches it.
    notes.add('running task → ready (its worker is not here)');
    status = 'ready';
    Object.assign(row, { status, claim_owner: null, claim_expires_at: null, current_run_id: null });
  }
  return { ok: true, row };
}

function restoreTasks(
  db: Db,
  data: ExportFile,
  report: HomeImportReport,
  notes: ImportNotes,
  detail: Detail,
): Set<string> {
  const imported = new Set<string>();
  for (const task of data.tasks) {
    const checked = taskToStore(task, notes);
    if (!checked.ok) {
      report.tasks.skipped++;
      detail(`task ${task.id.slice(0, 20)} skipped: ${checked.problem}`);
      continue;
    }
    if (!rows.exportBoards(db, checked.row.board).length) {
      report.tasks.skipped++;
      detail(`task ${task.id} skipped: board "${checked.row.board.slice(0, 70)}" could not be created`);
      continue;
    }
    const existing = rows.findTaskExportRow(db, task.id);
    if (existing) {
      if (isDeepStrictEqual(existing, checked.row)) report.tasks.alreadyPresent++;
      else {
        report.tasks.conflicts++;
        detail(`task ${task.id} conflict: this home has another task with that id (kept as it is)`);
      }
      continue;
    }
    rows.insertTaskRow(db, checked.row);
    imported.add(task.id);
    report.tasks.imported++;
  }
  return imported;
}

function restoreRuns(
  db: Db,
  data: ExportFile,
  imported: Set<string>,
  report: HomeImportReport,
  notes: ImportNotes,
  detail: Detail,
): Map<number, number> {
  const ids = new Map<number, number>();
  for (const run of data.runs) {
    if (!imported.has(run.task_id)) {
      if (rows.runExists(db, run)) report.runs.alreadyPresent++;
      else {
        report.runs.skipped++;
        detail(`run ${run.id} skipped: its task ${run.task_id.slice(0, 20)} was not imported`);
      }
      continue;
    }
    const summary = importedSummary(run.summary, notes);
    const error = importedSummary(run.error, notes);
    const id = rows.runIdTaken(db, run.id) ? null : run.id;
    if (id === null) notes.add('run id taken in this home → new run id');
    ids.set(
      run.id,
      rows.insertRunSummaryRow(db, {
        ...run,
        id,
        // A run still open in the export is over: nothing here watches its process.
        ended_at: run.ended_at ?? run.started_at,
        outcome: run.ended_at === null ? 'crashed' : run.outcome,
        lane: importedLane(run.lane, notes) ?? 'imported',
        summary: summary.ok ? summary.value : null,
        error: error.ok ? error.value : null,
      }),
    );
    report.runs.imported++;
  }
  return ids;
}

function restoreComments(
  db: Db,
  data: ExportFile,
  imported: Set<string>,
  report: HomeImportReport,
  notes: ImportNotes,
  detail: Detail,
): void {
  for (const comment of data.comments) {
    const body = importedCommentBody(comment.body, notes);
    if (!body.ok) {
      report.comments.skipped++;
      detail(`comment ${comment.id} skipped: ${body.problem}`);
      continue;
    }
    const row = { ...comment, body: body.value, author: comment.author.slice(0, 100) || 'unknown' };
    if (!imported.has(comment.task_id)) {
      if (rows.commentExists(db, row)) report.comments.alreadyPresent++;
      else {
        report.comments.skipped++;
        detail(`comment ${comment.id} skipped: its task ${comment.task_id.slice(0, 20)} was not imported`);
      }
      continue;
    }
    const id = rows.findCommentRow(db, comment.id) ? null : comment.id;
    if (id === null) notes.add('comment id taken in this home → new comment id');
    rows.insertCommentRow(db, { ...row, id });
    report.comments.imported++;
  }
}

function restoreLinks(db: Db, data: ExportFile, report: HomeImportReport, detail: Detail): void {
  for (const link of data.links) {
    if (rows.linkExists(db, link.parent_id, link.child_id)) {
      report.links.alreadyPresent++;
      continue;
    }
    const parent = rows.findTaskExportRow(db, link.parent_id);
    const child = rows.findTaskExportRow(db, link.child_id);
    if (!parent || !child || parent.id === child.id || parent.board !== child.board) {
      report.links.skipped++;
      detail(`link ${link.parent_id} → ${link.child_id} skipped: both tasks must be on one board here`);
      continue;
    }
    if (!checkLink(link.parent_id, link.child_id, (id) => childIdsOf(db, id)).allowed) {
      report.links.skipped++;
      detail(`link ${link.parent_id} → ${link.child_id} skipped: it would make a cycle`);
      continue;
    }
    rows.insertLinkRow(db, link);
    report.links.imported++;
  }
}

function restoreLaneSettings(db: Db, data: ExportFile, report: HomeImportReport, detail: Detail): void {
  for (const setting of data.laneSettings) {
    if (!SLUG_PATTERN.test(setting.name)) continue;
    const row = {
      name: setting.name,
      paused: setting.paused ? 1 : 0,
      max_concurrent:
        setting.max_concurrent !== null && setting.max_concurrent >= 1 ? setting.max_concurrent : null,
    };
    const existing = rows.findLaneSettingRow(db, setting.name);
    if (!existing) {
      rows.insertLaneSettingRow(db, row);
      report.laneSettings.imported++;
    } else if (isDeepStrictEqual(existing, row)) report.laneSettings.alreadyPresent++;
    else {
      report.laneSettings.conflicts++;
      detail(`lane "${setting.name}" settings conflict: this home's are kept`);
    }
  }
}

function restoreRecurrences(db: Db, data: ExportFile, report: HomeImportReport, detail: Detail): void {
  for (const recurrence of data.recurrences) {
    const outcome = restoreRecurrence(db, recurrence);
    if (outcome === 'imported') report.recurrences.imported++;
    else if (outcome === 'same') report.recurrences.alreadyPresent++;
    else if (outcome === 'conflict') {
      report.recurrences.conflicts++;
      detail(`recurrence ${recurrence.id} conflict: this home has another with that id (kept)`);
    } else {
      report.recurrences.skipped++;
      detail(`recurrence ${recurrence.id.slice(0, 20)} skipped: ${outcome.problem}`);
    }
  }
}

function restoreProfiles(paths: HomePaths, data: ExportFile, report: HomeImportReport, detail: Detail): void {
  for (const { name, profile } of data.profiles) {
    if (!SLUG_PATTERN.test(name)) continue;
    const file = path.join(paths.profiles, name, PROFILE_FILE);
    const existing = readSmallJsonFile(file, PROFILE_MAX_BYTES);
    if (existing.kind === 'missing') {
      writeFileAtomically(paths.home, file, `${JSON.stringify(profile, null, 2)}\n`);
      report.profiles.imported++;
    } else if (existing.kind === 'ok' && isDeepStrictEqual(existing.value, profile))
      report.profiles.alreadyPresent++;
    else {
      report.profiles.conflicts++;
      detail(`profile "${name}" conflict: this home's profiles/${name}/${PROFILE_FILE} is kept`);
    }
  }
}

function restoreLanesFile(paths: HomePaths, data: ExportFile, detail: Detail): HomeImportReport['lanesFile'] {
  if (data.lanesFile === null || data.lanesFile === undefined) return 'none';
  const existing = readSmallJsonFile(paths.lanesFile, LANES_FILE_MAX_BYTES);
  if (existing.kind === 'missing') {
    writeFileAtomically(paths.home, paths.lanesFile, `${JSON.stringify(data.lanesFile, null, 2)}\n`);
    return 'imported';
  }
  if (existing.kind === 'ok' && isDeepStrictEqual(existing.value, data.lanesFile)) return 'same';
  detail("lanes.json conflict: this home's lanes.json is kept");
  return 'conflict';
}
