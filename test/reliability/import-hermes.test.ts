import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { taskEventSchema, taskSchema, type Task } from '../../shared/domain';
import { openDatabase } from '../../electron/core/store/db/open';
import { eventsAfter } from '../../electron/core/store/events';
import { importHermesBoard, type HermesImportReport } from '../../electron/core/import/importHermes';
import { runCli, runCliJson } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { snapshotDatabase } from '../helpers/snapshot';
import { sha256 } from './helpers/faults';
import { writeHermesBoard } from './helpers/hermesFixture';
import { VK_SCHEMA_POINTS, writeVibeKanbanDb } from '../helpers/vibeKanbanFixture';

/** docs/architecture.md §6: `switchyard import-hermes PATH/kanban.db` brings a Hermes board over, idempotently. */

const tempHome = useTempHomes();

function hermesFile(home: string, options?: { legacy?: boolean }): string {
  const dir = path.join(home, 'hermes');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kanban.db');
  writeHermesBoard(file, options);
  return file;
}

describe('switchyard import-hermes', () => {
  it('imports tasks, links, comments, runs and events, with assignees as lanes and nothing left running', async () => {
    const paths = tempHome();
    const source = hermesFile(paths.home);
    const before = sha256(source);
    const report = await runCliJson<HermesImportReport>(paths.home, ['import-hermes', source, '--ready']);
    expect(report).toMatchObject({
      board: 'default',
      tasks: { seen: 7, imported: 7, alreadyImported: 0 },
      links: 2,
      comments: 3,
      runs: 3,
      lanes: { 'orion-cc': 3, reviewer: 1, ops: 1 },
      statuses: { done: 1, ready: 2, blocked: 2, todo: 2 },
    });
    expect(report.notes.join('\n')).toMatch(/running on Hermes → ready/);
    expect(report.notes.join('\n')).toMatch(/"dispatcher_note" has no Switchyard equivalent/);
    expect(report.notes.join('\n')).toMatch(/link to a task that is not on the board skipped/);
    expect(sha256(source)).toBe(before); // the Hermes file is only read

    const tasks = await runCliJson<Task[]>(paths.home, ['list', '--archived']);
    for (const task of tasks) expect(() => taskSchema.parse(task)).not.toThrow();
    const byTitle = new Map(tasks.map((task) => [task.title, task]));
    expect(byTitle.get('Write the migration')).toMatchObject({
      id: 't_0000000b',
      status: 'ready',
      assignee: 'orion-cc',
      // Issue 18: a folder named in the file is never used; the task gets a scratch folder.
      workspace: 'scratch',
    });
    expect(byTitle.get('Design the schema')).toMatchObject({
      status: 'done',
      result: 'schema.sql written',
      priority: 2,
    });
    expect(byTitle.get('Design the schema')?.createdAt).toBe(1_760_000_000_000);
    expect(byTitle.get('Review the UI')).toMatchObject({
      status: 'blocked',
      workspace: 'scratch',
    });
    expect(byTitle.get('Odd assignee')).toMatchObject({ assignee: null, workspace: 'scratch' });
    expect(byTitle.get('Odd assignee')?.body.length).toBe(64 * 1024);
    const legacy = byTitle.get('Old id form');
    expect(legacy?.id).toMatch(/^t_[0-9a-f]{8}$/);
    expect(legacy?.status).toBe('todo');

    const db = new Database(paths.database, { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'running'").get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT count(*) AS n FROM runs WHERE ended_at IS NULL').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT parent_id, child_id FROM task_links ORDER BY parent_id').all()).toEqual([
        { parent_id: 't_0000000a', child_id: 't_0000000b' },
        { parent_id: 't_0000000b', child_id: legacy?.id },
      ]);
      expect(
        db.prepare("SELECT outcome, summary FROM runs WHERE task_id = 't_0000000a' ORDER BY id").all(),
      ).toEqual([
        { outcome: 'crashed', summary: null },
        { outcome: 'completed', summary: 'schema written' },
      ]);
      expect(db.prepare("SELECT body FROM comments WHERE task_id = 't_0000000d'").get()).toEqual({
        body: 'مفتاح API مطلوب',
      });
    } finally {
      db.close();
    }
    const core = openDatabase(paths.database);
    try {
      const events = eventsAfter(core, 0);
      for (const event of events) expect(() => taskEventSchema.parse(event)).not.toThrow();
      expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
      const ofA = events.filter((event) => event.taskId === 't_0000000a').map((event) => event.kind);
      expect(ofA).toEqual(['created', 'spawned', 'crashed', 'completed']);
      // Every task's log starts with `created`, copied or added.
      expect(
        new Set(events.filter((event) => event.kind === 'created').map((event) => event.taskId)).size,
      ).toBe(7);
    } finally {
      core.close();
    }
  });

  it('importing again changes nothing at all and reports 0 new', async () => {
    const paths = tempHome();
    const source = hermesFile(paths.home);
    await runCliJson(paths.home, ['import-hermes', source]);
    const snapshot = snapshotDatabase(paths.database);
    const again = await runCli(paths.home, ['import-hermes', source]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/tasks\s+0 new, 7 already imported/);
    expect(again.stdout).toMatch(/links\s+0 new/);
    expect(snapshotDatabase(paths.database)).toEqual(snapshot);
  });

  it('imports an older Hermes database that lacks the later columns, into a board of its own', () => {
    const paths = tempHome();
    const source = hermesFile(paths.home, { legacy: true });
    const db = openDatabase(paths.database);
    try {
      const report = importHermesBoard(db, source, { board: 'hermes' });
      expect(report.tasks).toEqual({ seen: 7, imported: 7, alreadyImported: 0 });
      expect(db.prepare("SELECT count(*) AS n FROM tasks WHERE board = 'hermes'").get()).toEqual({ n: 7 });
      expect(db.prepare("SELECT slug FROM boards WHERE slug = 'hermes'").get()).toEqual({ slug: 'hermes' });
      expect(importHermesBoard(db, source, { board: 'hermes' }).tasks.imported).toBe(0);
    } finally {
      db.close();
    }
  });

  it("refuses Vibe Kanban's database and another Switchyard's, naming the command that reads each; nothing written", async () => {
    const paths = tempHome();
    await runCliJson(paths.home, ['create', 'existing']);
    const snapshot = snapshotDatabase(paths.database);
    // Both have a tasks table with id, title and status, as a Hermes kanban.db has.
    const vibe = path.join(paths.home, 'db.v2.sqlite');
    writeVibeKanbanDb(vibe, VK_SCHEMA_POINTS.latest);
    const other = tempHome();
    await runCliJson(other.home, ['create', 'elsewhere']);
    for (const [file, line] of [
      [
        vibe,
        `${vibe} is a Vibe Kanban database, not a Hermes board: \`switchyard import-vibe-kanban ${vibe}\` imports it`,
      ],
      [
        other.database,
        `${other.database} is a Switchyard database, not a Hermes board: \`switchyard export\` it there and \`switchyard import\` the export here`,
      ],
    ] as const) {
      const result = await runCli(paths.home, ['import-hermes', file]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toBe(`switchyard: ${line}\n`);
    }
    expect(snapshotDatabase(paths.database)).toEqual(snapshot);
  });

  it('refuses a file that is not a Hermes board, or is missing, with one line and nothing written', async () => {
    const paths = tempHome();
    await runCliJson(paths.home, ['create', 'existing']);
    const snapshot = snapshotDatabase(paths.database);
    const notHermes = path.join(paths.home, 'other.db');
    new Database(notHermes).exec('CREATE TABLE notes (x TEXT)');
    const garbage = path.join(paths.home, 'garbage.db');
    fs.writeFileSync(garbage, 'not sqlite at all '.repeat(100));
    for (const [file, pattern] of [
      [notHermes, /is not a Hermes kanban database/],
      [garbage, /not a readable SQLite database|cannot open/],
      [path.join(paths.home, 'missing.db'), /no such file/],
    ] as const) {
      const result = await runCli(paths.home, ['import-hermes', file]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(pattern);
    }
    expect(snapshotDatabase(paths.database)).toEqual(snapshot);
  });
});
