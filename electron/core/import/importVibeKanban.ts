import os from 'node:os';
import { newTaskId } from '../store/taskIds';
import path from 'node:path';
import fs from 'node:fs';
import { SLUG_PATTERN, type TaskStatus } from '../../../shared/domain';
import { checkLink, statusAfterLink } from '../../../shared/transitions';
import * as boards from '../store/boards';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { appendEvent } from '../store/events';
import * as links from '../store/links';
import * as origins from '../store/origins';
import * as tasks from '../store/tasks';
import { insertImportedTask } from '../store/importedTasks';
import {
  readVibeKanbanDatabase,
  type VkAttempt,
  type VkDatabase,
  type VkTask,
} from '../store/vibeKanbanSource';
import { ImportNotes, importedBody, importedTitle } from './importValidation';

/**
 * `switchyard import-vibe-kanban [PATH]` (issue 16): brings the boards of a Vibe Kanban local
 * database over. Each project becomes a board (its repository path recorded on the board), each
 * task a task with its status mapped, its description, its sub-task link, the branches of its
 * attempts and the tags its description mentions. Idempotent: task_origins / board_origins
 * remember what came from where, so importing again adds nothing. The source is only read.
 */

export const VIBE_KANBAN = 'vibe-kanban';

/**
 * Status mapping. Vibe Kanban: todo, inprogress, inreview, done, cancelled.
 * - inprogress → ready: an agent was working on it there; nothing runs it here until it is given to a lane.
 * - inreview → blocked ("in review on Vibe Kanban"): the work waits for a person, as a block does.
 * - cancelled → archived: Switchyard has no "cancelled"; archived keeps it off the board, and the
 *   original status stays in task_origins.source_status.
 */
export const VK_STATUS_MAP: Record<string, { status: TaskStatus; blockReason?: string; note?: string }> = {
  todo: { status: 'todo' },
  inprogress: {
    status: 'ready',
    note: 'inprogress on Vibe Kanban → ready (no agent runs it here until assigned)',
  },
  inreview: {
    status: 'blocked',
    blockReason: 'in review on Vibe Kanban',
    note: 'inreview on Vibe Kanban → blocked "in review on Vibe Kanban"',
  },
  done: { status: 'done' },
  cancelled: {
    status: 'archived',
    note: 'cancelled on Vibe Kanban → archived (Switchyard has no cancelled)',
  },
};

export interface VibeKanbanImportReport {
  source: string;
  /** Newest Vibe Kanban migration the file had applied, e.g. 20260317120000. */
  schema: number | null;
  boards: { slug: string; name: string; repository: string | null; created: boolean }[];
  tasks: { seen: number; imported: number; alreadyImported: number; skipped: number };
  links: { imported: number; skipped: number };
  statuses: Record<string, number>;
  branches: number;
  labels: number;
  /** Each skipped item with its reason (capped at 50). */
  skipped: { id: string; reason: string }[];
  notes: string[];
}

/** Where Vibe Kanban keeps its database (Rust `directories` ProjectDirs("ai", "bloop", "vibe-kanban")). */
export function defaultVibeKanbanPaths(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): string[] {
  const dir =
    platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support', 'ai.bloop.vibe-kanban')
      : platform === 'win32'
        ? path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'bloop', 'vibe-kanban', 'data')
        : path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'vibe-kanban');
  // db.v2.sqlite since February 2026; db.sqlite before.
  return [path.join(dir, 'db.v2.sqlite'), path.join(dir, 'db.sqlite')];
}

export function findVibeKanbanDatabase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return defaultVibeKanbanPaths(process.platform, env).find((file) => fs.existsSync(file));
}

/** VK writes `datetime('now','subsec')` (UTC, no zone) or RFC 3339 from Rust. */
function millis(value: string | null): number | null {
  if (!value) return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

function slugFor(name: string, projectId: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return SLUG_PATTERN.test(slug) ? slug : `vk-${projectId.replace(/-/g, '').slice(0, 8)}`;
}

function freeSlug(db: Db, wanted: string): string {
  if (!boards.findBoard(db, wanted)) return wanted;
  for (let n = 2; ; n++) {
    const candidate = `${wanted.slice(0, 60)}-${n}`;
    if (!boards.findBoard(db, candidate)) return candidate;
  }
}

const MAX_SKIPPED_LISTED = 50;

export function importVibeKanban(db: Db, file: string): VibeKanbanImportReport {
  const source = readVibeKanbanDatabase(file);
  const notes = new ImportNotes();
  const report: VibeKanbanImportReport = {
    source: file,
    schema: source.latestMigration,
    boards: [],
    tasks: { seen: source.tasks.length, imported: 0, alreadyImported: 0, skipped: 0 },
    links: { imported: 0, skipped: 0 },
    statuses: {},
    branches: 0,
    labels: 0,
    skipped: [],
    notes: [],
  };
  const skip = (id: string, reason: string) => {
    report.tasks.skipped++;
    if (report.skipped.length < MAX_SKIPPED_LISTED) report.skipped.push({ id, reason });
  };

  // One transaction: an import that fails half way leaves the home as it was.
  runInWriteTransaction(db, () => {
    const boardOf = importProjects(db, source, report, notes);
    const attemptsOf = groupAttempts(source.attempts);
    const attemptTask = new Map(source.attempts.map((attempt) => [attempt.id, attempt.taskId]));
    const idOf = new Map<string, string>();
    const now = Date.now();
    for (const task of source.tasks) {
      const known = origins.taskImportedFrom(db, VIBE_KANBAN, task.id);
      if (known) {
        idOf.set(task.id, known);
        report.tasks.alreadyImported++;
        continue;
      }
      const board = boardOf.get(task.projectId);
      if (!board) {
        skip(task.id, 'its project is not in the file');
        continue;
      }
      const id = importTask(db, {
        task,
        board,
        attempts: attemptsOf.get(task.id) ?? [],
        source,
        report,
        notes,
        now,
      });
      if (typeof id !== 'string') {
        skip(task.id, id.problem);
        continue;
      }
      idOf.set(task.id, id);
      report.tasks.imported++;
    }
    importSubTaskLinks(db, { source, idOf, attemptTask, report, notes, now });
  });
  report.notes = notes.list();
  if (source.tasks.length > 0 && source.attempts.some((attempt) => attempt.worktree))
    report.notes.push('attempt worktrees stay where Vibe Kanban made them; Switchyard never deletes them');
  return report;
}

function importProjects(
  db: Db,
  source: VkDatabase,
  report: VibeKanbanImportReport,
  notes: ImportNotes,
): Map<string, string> {
  const boardOf = new Map<string, string>();
  for (const project of source.projects) {
    const existing = origins.boardImportedFrom(db, VIBE_KANBAN, project.id);
    const repository = project.repoPaths[0] ?? null;
    if (project.repoPaths.length > 1)
      notes.add('project with several repositories → the first is recorded as the board repository');
    if (existing && boards.findBoard(db, existing)) {
      boardOf.set(project.id, existing);
      report.boards.push({ slug: existing, name: project.name, repository, created: false });
      continue;
    }
    const slug = freeSlug(db, slugFor(project.name, project.id));
    const name = project.name.trim().slice(0, 200) || slug;
    boards.insertBoard(db, slug, name, millis(project.createdAt) ?? Date.now());
    origins.insertBoardOrigin(db, {
      board: slug,
      source: VIBE_KANBAN,
      sourceId: project.id,
      repository,
      importedAt: Date.now(),
    });
    boardOf.set(project.id, slug);
    report.boards.push({ slug, name, repository, created: true });
  }
  return boardOf;
}

function groupAttempts(attempts: VkAttempt[]): Map<string, VkAttempt[]> {
  const byTask = new Map<string, VkAttempt[]>();
  for (const attempt of attempts) {
    if (attempt.taskId === null) continue;
    byTask.set(attempt.taskId, [...(byTask.get(attempt.taskId) ?? []), attempt]);
  }
  return byTask;
}

/** Tags (VK's reusable snippets) a description mentions as `@name`, kept as labels. */
function mentionedTags(description: string, tagNames: readonly string[]): string[] {
  return tagNames.filter(
    (name) => name !== '' && new RegExp(`(^|\\s)@${escapeRegExp(name)}(?![\\w-])`).test(description),
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function importTask(
  db: Db,
  input: {
    task: VkTask;
    board: string;
    attempts: VkAttempt[];
    source: VkDatabase;
    report: VibeKanbanImportReport;
    notes: ImportNotes;
    now: number;
  },
): string | { problem: string } {
  const { task, board, notes, report, now } = input;
  const title = importedTitle(task.title, notes);
  if (!title.ok) return { problem: title.problem };
  const body = importedBody(task.description, notes);
  if (!body.ok) return { problem: body.problem };
  const mapped = VK_STATUS_MAP[task.status] ?? {
    status: 'triage' as TaskStatus,
    note: `unknown Vibe Kanban status "${task.status.slice(0, 30)}" → triage`,
  };
  if (mapped.note) notes.add(mapped.note);
  const id = newTaskId(db);
  const createdAt = millis(task.createdAt) ?? now;
  const updatedAt = millis(task.updatedAt) ?? createdAt;
  insertImportedTask(db, {
    id,
    board,
    title: title.value,
    body: body.value,
    assignee: null,
    status: mapped.status,
    priority: 0,
    createdBy: VIBE_KANBAN,
    workspace: 'scratch',
    maxRuntimeSeconds: null,
    now: updatedAt,
    createdAt,
    startedAt: input.attempts.length > 0 ? (millis(input.attempts[0]?.createdAt ?? null) ?? null) : null,
    completedAt: mapped.status === 'done' || mapped.status === 'archived' ? updatedAt : null,
    failureCount: 0,
    result: null,
    lastError: null,
    blockReason: mapped.blockReason ?? null,
    lastHeartbeatAt: null,
  });
  const branches = input.attempts
    .filter((attempt) => attempt.branch)
    .map((attempt) => ({
      branch: attempt.branch as string,
      base: attempt.base,
      repo: attempt.repoPath ?? null,
      worktree: attempt.worktree,
      createdAt: millis(attempt.createdAt),
    }));
  const labels = mentionedTags(body.value, input.source.tagNames);
  origins.insertTaskOrigin(db, {
    taskId: id,
    source: VIBE_KANBAN,
    sourceId: task.id,
    sourceStatus: task.status,
    labels,
    branches,
    importedAt: now,
  });
  appendEvent(
    db,
    {
      taskId: id,
      board,
      kind: 'created',
      payload: { importedFrom: VIBE_KANBAN, sourceId: task.id, status: mapped.status },
    },
    now,
  );
  report.statuses[mapped.status] = (report.statuses[mapped.status] ?? 0) + 1;
  report.branches += branches.length;
  report.labels += labels.length;
  return id;
}

/**
 * A VK sub-task names the attempt (workspace) it was made from; its parent is that attempt's task.
 * It becomes a dependency link parent → child. A child that would be ready while its parent is
 * unfinished waits in todo instead (docs/architecture.md §2).
 */
function importSubTaskLinks(
  db: Db,
  input: {
    source: VkDatabase;
    idOf: Map<string, string>;
    attemptTask: Map<string, string | null>;
    report: VibeKanbanImportReport;
    notes: ImportNotes;
    now: number;
  },
): void {
  const { idOf, report, notes, now } = input;
  for (const task of input.source.tasks) {
    if (task.parentAttemptId === null) continue;
    const child = idOf.get(task.id);
    const parentVk = input.attemptTask.get(task.parentAttemptId);
    const parent = parentVk ? idOf.get(parentVk) : undefined;
    if (!child || !parent || parent === child) {
      if (child) {
        report.links.skipped++;
        notes.add('sub-task whose parent attempt or task is not in the file → imported without its link');
      }
      continue;
    }
    const parentTask = tasks.findTask(db, parent);
    const childTask = tasks.findTask(db, child);
    if (!parentTask || !childTask || parentTask.board !== childTask.board) {
      report.links.skipped++;
      notes.add('sub-task of a task in another project → imported without its link');
      continue;
    }
    if (!checkLink(parent, child, (id) => links.childIdsOf(db, id)).allowed) {
      report.links.skipped++;
      notes.add('sub-task link that would make a cycle → skipped');
      continue;
    }
    if (!links.insertLink(db, parent, child, now)) continue; // already linked (an earlier import)
    report.links.imported++;
    const status = statusAfterLink(childTask.status, parentTask.status);
    if (status !== childTask.status) {
      tasks.updateTask(db, child, { status }, now);
      notes.add(
        `sub-task ${childTask.status} while its parent is not done → ${status} (waits for its parent)`,
      );
      report.statuses[childTask.status] = (report.statuses[childTask.status] ?? 1) - 1;
      if (report.statuses[childTask.status] === 0) delete report.statuses[childTask.status];
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
    }
  }
}
