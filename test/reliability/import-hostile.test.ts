import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { taskSchema, type Task } from '../../shared/domain';
import { importHermesBoard } from '../../electron/core/import/importHermes';
import { openDatabase } from '../../electron/core/store/db/open';
import { runCliJson } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { writeHermesBoard } from './helpers/hermesFixture';

/**
 * Issue 18 item 5: a hostile kanban.db. Every value goes through the CLI's validation, cycles are
 * refused, numbers are clamped or dropped (the report says which), no folder from the file is used,
 * imported work waits in triage, and `show` works on every imported task.
 */

const tempHome = useTempHomes();

function hostileHermesFile(home: string): string {
  const dir = path.join(home, 'hermes');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kanban.db');
  writeHermesBoard(file);
  const db = new Database(file);
  db.exec(
    'DELETE FROM tasks; DELETE FROM task_links; DELETE FROM task_comments; DELETE FROM task_events; DELETE FROM task_runs',
  );
  const insert = db.prepare(
    `INSERT INTO tasks (id, title, body, assignee, status, priority, created_at, workspace_kind, workspace_path, max_runtime_seconds)
     VALUES (?, ?, ?, 'coder', ?, ?, ?, ?, ?, ?)`,
  );
  insert.run('t_000000a1', 'cycle one', '', 'ready', 1e18, 1_760_000_000, 'dir', '/', 0);
  insert.run('t_000000a2', 'cycle two', '', 'ready', -1e18, 1_760_000_000, 'worktree', '/etc', -5);
  insert.run('t_000000a3', 'bad time\u0007\ud800', 'nul\u0000body', 'todo', 0, 9e15, 'scratch', null, 1e12);
  insert.run('t_000000a4', 'ancient', 'x', 'ready', 0.5, -100, 'dir', '/home', 600);
  db.exec(`INSERT INTO task_links VALUES ('t_000000a1', 't_000000a2'), ('t_000000a2', 't_000000a1')`);
  const comment = db.prepare(
    'INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)',
  );
  for (let i = 0; i < 80_000; i++) comment.run('t_000000a3', 'bot', `comment ${i}`, 1_760_000_000 + i);
  db.close();
  return file;
}

describe('import-hermes of a hostile kanban.db', () => {
  it('validates every value, refuses the cycle, keeps folders out, lands in triage, and reports what it changed', async () => {
    const paths = tempHome();
    const source = hostileHermesFile(paths.home);
    const db = openDatabase(paths.database);
    let report;
    const started = performance.now();
    try {
      report = importHermesBoard(db, source);
    } finally {
      db.close();
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`hostile import with 80,000 comments on one task: ${seconds.toFixed(1)} s`);
    expect(report.tasks.imported).toBe(4);
    expect(report.comments).toBe(80_000);
    const notes = report.notes.join('\n');
    expect(notes).toMatch(/cycle → skipped/);
    expect(notes).toMatch(/priority outside .* → clamped/);
    expect(notes).toMatch(/max runtime zero or negative → skipped/);
    expect(notes).toMatch(/max runtime over .* → clamped/);
    expect(notes).toMatch(/workspace from the file not used → scratch/);
    expect(notes).toMatch(/creation time outside .* → the import time/);
    expect(notes).toMatch(/→ triage/);
    expect(report.links).toBe(1);

    const tasks = await runCliJson<Task[]>(paths.home, ['list', '--archived']);
    for (const task of tasks) {
      expect(() => taskSchema.parse(task)).not.toThrow();
      expect(task.workspace).toBe('scratch');
      expect(task.status).toBe('triage');
      expect(Math.abs(task.priority)).toBeLessThanOrEqual(1_000_000);
      expect(task.maxRuntimeSeconds === null || task.maxRuntimeSeconds > 0).toBe(true);
      expect(task.createdAt).toBeLessThanOrEqual(Date.now());
      // `show` works on every task (a creation time far in the future used to break it).
      await runCliJson(paths.home, ['show', task.id]);
    }
    const byTitle = new Map(tasks.map((task) => [task.title, task]));
    expect(byTitle.get('cycle one')?.priority).toBe(1_000_000);
    expect(byTitle.get('cycle two')?.priority).toBe(-1_000_000);
    expect([...byTitle.keys()].some((title) => title.startsWith('bad time'))).toBe(true);
  }, 120_000);

  it('--ready keeps ready work ready, but never both tasks of a cycle', async () => {
    const paths = tempHome();
    const source = hostileHermesFile(paths.home);
    await runCliJson(paths.home, ['import-hermes', source, '--ready']);
    const tasks = await runCliJson<Task[]>(paths.home, ['list']);
    const one = tasks.find((task) => task.title === 'cycle one');
    const two = tasks.find((task) => task.title === 'cycle two');
    expect([one?.status, two?.status].sort()).toEqual(['ready', 'todo']);
  }, 120_000);
});
