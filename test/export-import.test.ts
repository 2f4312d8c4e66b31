import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  addComment,
  claimTask,
  completeTask,
  createBoard,
  createTask,
  linkTasks,
} from '../electron/core/commands/taskCommands';
import { addRecurrence } from '../electron/core/commands/recurrences';
import { openDatabase } from '../electron/core/store/db/open';
import { setLanePausedRow } from '../electron/core/store/laneSettings';
import type { HomeImportReport } from '../electron/core/import/homeArchive';
import type { HomePaths } from '../electron/core/config/home';
import { importVibeKanban } from '../electron/core/import/importVibeKanban';
import { runCli, runCliJson } from './helpers/cli';
import { VK_SCHEMA_POINTS, writeVibeKanbanDb } from './helpers/vibeKanbanFixture';
import { useTempHomes } from './helpers/home';

/** Issue 16: `switchyard export` → `switchyard import` into a fresh home gives back the same board. */

const tempHome = useTempHomes();
const me = { name: 'tester' };

/** A home with two boards, unicode, links, comments, a finished run, lane settings and a profile. */
function fillHome(paths: HomePaths): void {
  const db = openDatabase(paths.database);
  try {
    createBoard(db, 'ops', 'Opérations 🛠');
    const design = createTask(
      db,
      { title: 'Design the schéma — 設計', body: '# Plan\n\n- ünïcödé ✓', priority: 3 },
      me,
    );
    const build = createTask(db, { title: 'Build it', assignee: 'term', parents: [design.id] }, me);
    const ship = createTask(db, { title: 'Ship 🚀', parents: [build.id] }, me);
    createTask(db, { title: 'Archived idea', status: 'archived' }, me);
    const other = createTask(db, { title: 'Rotate keys', board: 'ops', assignee: 'ops-lane' }, me);
    addComment(db, design.id, 'First thought — «quoted»', me);
    addComment(db, design.id, 'Second: 👍', { name: 'reviewer' });
    addComment(db, other.id, 'ops note', me);
    claimTask(db, { taskId: design.id }, { name: 'terminal:term' });
    completeTask(db, design.id, 'schema.sql written', { name: 'terminal:term' });
    linkTasks(db, design.id, ship.id, me);
    setLanePausedRow(db, 'ops-lane', true);
    addRecurrence(db, {
      title: 'Weekly triage',
      schedule: '0 9 * * 1',
      timeZone: 'Europe/Paris',
      lane: 'term',
    });
  } finally {
    db.close();
  }
  fs.mkdirSync(path.join(paths.profiles, 'shell'), { recursive: true });
  fs.writeFileSync(
    path.join(paths.profiles, 'shell', 'profile.json'),
    JSON.stringify({ command: ['/bin/sh', '-c', 'echo {taskId}'], maxConcurrent: 2 }),
  );
}

/** The compared part of a home: every row of these tables, in a stable order. */
function tablesOf(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      boards: all('SELECT * FROM boards ORDER BY slug'),
      tasks: all('SELECT * FROM tasks ORDER BY id'),
      links: all('SELECT * FROM task_links ORDER BY parent_id, child_id'),
      comments: all('SELECT * FROM comments ORDER BY id'),
      runs: all(
        'SELECT id, task_id, lane, started_at, ended_at, outcome, exit_code, signal, summary, error FROM runs ORDER BY id',
      ),
      laneSettings: all('SELECT * FROM lane_settings ORDER BY name'),
      recurrences: all(
        'SELECT id, board, lane, title, body, priority, schedule, time_zone, skip_if_open, paused, created_at, last_occurrence_at, last_task_id, next_run_at FROM recurrences ORDER BY id',
      ),
    };
  } finally {
    db.close();
  }
}

describe('switchyard export / import', () => {
  it('round-trips a home into a fresh one: boards, tasks, links, comments, runs and settings compare equal', async () => {
    const source = tempHome();
    const target = tempHome();
    fillHome(source);
    const file = path.join(source.home, 'export.json');
    const exported = await runCli(source.home, ['export', '--out', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      format: string;
      version: number;
      tasks: unknown[];
    };
    expect(data).toMatchObject({ format: 'switchyard-export', version: 1 });
    expect(data.tasks).toHaveLength(5);

    const report = await runCliJson<HomeImportReport>(target.home, ['import', file]);
    expect(report.tasks).toEqual({ imported: 5, alreadyPresent: 0, conflicts: 0, skipped: 0 });
    expect(report.links.imported).toBe(3);
    expect(report.comments.imported).toBe(3);
    expect(report.runs.imported).toBe(1);
    expect(report.profiles.imported).toBe(1);

    const before = tablesOf(source.database);
    const after = tablesOf(target.database);
    expect(after.boards).toEqual(before.boards);
    expect(after.tasks).toEqual(before.tasks);
    expect(after.links).toEqual(before.links);
    expect(after.comments).toEqual(before.comments);
    expect(after.runs).toEqual(before.runs);
    expect(after.laneSettings).toEqual(before.laneSettings);
    expect(after.recurrences).toEqual(before.recurrences);
    expect(after.tasks.length).toBe(5);
    expect(JSON.parse(fs.readFileSync(path.join(target.profiles, 'shell', 'profile.json'), 'utf8'))).toEqual({
      command: ['/bin/sh', '-c', 'echo {taskId}'],
      maxConcurrent: 2,
    });

    // Importing again adds nothing.
    const again = await runCliJson<HomeImportReport>(target.home, ['import', file]);
    expect(again.tasks).toEqual({ imported: 0, alreadyPresent: 5, conflicts: 0, skipped: 0 });
    expect(again.comments).toEqual({ imported: 0, alreadyPresent: 3, skipped: 0 });
    expect(again.links).toEqual({ imported: 0, alreadyPresent: 3, skipped: 0 });
    expect(tablesOf(target.database).tasks).toEqual(before.tasks);
  });

  it('announces every board it writes with a board_changed row, so an open board shows it at once', async () => {
    const source = tempHome();
    const target = tempHome();
    fillHome(source);
    const file = path.join(source.home, 'export.json');
    expect((await runCli(source.home, ['export', '--out', file])).code).toBe(0);
    const fresh = openDatabase(target.database); // the fresh home's `default` board, with no tasks yet
    fresh.close();
    expect((await runCli(target.home, ['import', file])).code).toBe(0);
    const db = new Database(target.database, { readonly: true });
    const announced = db
      .prepare("SELECT board, payload FROM events WHERE kind = 'board_changed' ORDER BY id")
      .all() as { board: string; payload: string }[];
    db.close();
    const changes = announced.map(({ board, payload }) => [
      board,
      (JSON.parse(payload) as { change: string }).change,
    ]);
    expect(changes).toContainEqual(['ops', 'created']);
    // `default` existed empty here and took the exported board's identity: announced too.
    expect(changes).toContainEqual(['default', 'imported']);
  });

  it('reports a task whose id exists here with other content as a conflict and keeps this home’s copy', async () => {
    const source = tempHome();
    const target = tempHome();
    fillHome(source);
    const file = path.join(source.home, 'export.json');
    expect((await runCli(source.home, ['export', '--out', file])).code).toBe(0);
    expect((await runCli(target.home, ['import', file])).code).toBe(0);
    const db = openDatabase(target.database);
    const [first] = db.prepare("SELECT id FROM tasks WHERE title = 'Ship 🚀'").all() as { id: string }[];
    db.prepare("UPDATE tasks SET title = 'Shipped differently' WHERE id = ?").run(first?.id);
    db.close();

    const report = await runCliJson<HomeImportReport>(target.home, ['import', file]);
    expect(report.tasks).toMatchObject({ imported: 0, conflicts: 1, alreadyPresent: 4 });
    expect(report.notes.join('\n')).toContain(`task ${first?.id} conflict`);
    const kept = new Database(target.database, { readonly: true });
    expect(kept.prepare('SELECT title FROM tasks WHERE id = ?').get(first?.id)).toEqual({
      title: 'Shipped differently',
    });
    kept.close();
  });

  it('exports one board only with --board, and refuses a file that is not an export in one line', async () => {
    const paths = tempHome();
    fillHome(paths);
    const ops = await runCli(paths.home, ['export', '--board', 'ops']);
    expect(ops.code, ops.stderr).toBe(0);
    const data = JSON.parse(ops.stdout) as { board: string; tasks: { board: string }[]; boards: unknown[] };
    expect(data.board).toBe('ops');
    expect(data.tasks.map((task) => task.board)).toEqual(['ops']);
    expect(data.boards).toHaveLength(1);

    const junk = path.join(paths.home, 'junk.json');
    fs.writeFileSync(junk, '{"hello": 1}');
    const refused = await runCli(paths.home, ['import', junk]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/is not a Switchyard export/);
  });

  it('refuses an --out it cannot write in one line saying why, and leaves no partial file behind', async () => {
    const paths = tempHome();
    fillHome(paths);
    const aFile = path.join(paths.home, 'notes.txt');
    fs.writeFileSync(aFile, 'mine\n');
    const aFolder = path.join(paths.home, 'exports');
    fs.mkdirSync(aFolder);
    const cases = [
      {
        out: path.join(aFile, 'board.json'),
        why: `cannot write ${path.join(aFile, 'board.json')}: ${aFile} is not a folder`,
      },
      { out: aFolder, why: `cannot write ${aFolder}: it is a folder` },
    ];
    for (const { out, why } of cases) {
      const refused = await runCli(paths.home, ['export', '--out', out]);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr.trim()).toBe(`switchyard: ${why} (nothing was written)`);
    }
    // Nothing half-written is left next to either target, and the file in the way is intact.
    expect(fs.readdirSync(paths.home).filter((name) => name.includes('.partial-'))).toEqual([]);
    expect(fs.readdirSync(aFolder)).toEqual([]);
    expect(fs.readFileSync(aFile, 'utf8')).toBe('mine\n');
  });

  it('carries where imported tasks came from (Vibe Kanban branches, labels, board repository) to the new home', async () => {
    const source = tempHome();
    const target = tempHome();
    const vk = path.join(source.home, 'vk', 'db.v2.sqlite');
    writeVibeKanbanDb(vk, VK_SCHEMA_POINTS.latest);
    const db = openDatabase(source.database);
    importVibeKanban(db, vk);
    db.close();
    const file = path.join(source.home, 'export.json');
    expect((await runCli(source.home, ['export', '--out', file])).code).toBe(0);
    const report = await runCliJson<HomeImportReport>(target.home, ['import', file]);
    expect(report.tasks.imported).toBe(8);
    const read = (home: string, sql: string) => {
      const handle = new Database(home, { readonly: true });
      try {
        return handle.prepare(sql).all();
      } finally {
        handle.close();
      }
    };
    for (const sql of [
      'SELECT * FROM tasks ORDER BY id',
      'SELECT * FROM task_links ORDER BY parent_id, child_id',
      'SELECT * FROM task_origins ORDER BY task_id',
      'SELECT * FROM board_origins ORDER BY board',
    ])
      expect(read(target.database, sql)).toEqual(read(source.database, sql));
    expect(read(target.database, 'SELECT * FROM task_origins')).toHaveLength(8);
    // And Vibe Kanban's own re-import into the restored home still adds nothing.
    const again = openDatabase(target.database);
    expect(importVibeKanban(again, vk).tasks).toMatchObject({ imported: 0, alreadyImported: 8 });
    again.close();
  });
});
