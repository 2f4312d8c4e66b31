import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { taskSchema, type Task } from '../../shared/domain';
import type { VibeKanbanImportReport } from '../../electron/core/import/importVibeKanban';
import { defaultVibeKanbanPaths } from '../../electron/core/import/importVibeKanban';
import { openDatabase } from '../../electron/core/store/db/open';
import { boardOrigin, taskOrigin } from '../../electron/core/store/origins';
import { runCli, runCliJson } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { VK_SCHEMA_POINTS, writeVibeKanbanDb } from '../helpers/vibeKanbanFixture';
import { sha256 } from './helpers/faults';

/** Issue 16: `switchyard import-vibe-kanban` across Vibe Kanban's schema history. */

const tempHome = useTempHomes();

interface Expected {
  links: number;
  branches: number;
  labels: number;
  statuses: Record<string, number>;
}

// 9 VK tasks: one with a blank title is skipped; 8 arrive. Sub-tasks (and their links) exist from
// 2025-07-16 on; before that the two sub-tasks are plain tasks. "Polish login" is inprogress under
// an unfinished parent: with its link it waits in todo.
const WITHOUT_SUBTASKS = { todo: 3, ready: 2, blocked: 1, done: 1, archived: 1 };
const WITH_SUBTASKS = { todo: 4, ready: 1, blocked: 1, done: 1, archived: 1 };
const POINTS: [string, number, Expected][] = [
  [
    'init (2025-06-17)',
    VK_SCHEMA_POINTS.init,
    { links: 0, branches: 0, labels: 0, statuses: WITHOUT_SUBTASKS },
  ],
  [
    'sub-tasks (2025-07-16)',
    VK_SCHEMA_POINTS.subtasks,
    { links: 2, branches: 3, labels: 0, statuses: WITH_SUBTASKS },
  ],
  [
    'repositories (2025-12-09)',
    VK_SCHEMA_POINTS.repos,
    { links: 2, branches: 3, labels: 1, statuses: WITH_SUBTASKS },
  ],
  [
    'latest local schema (2026-03-17)',
    VK_SCHEMA_POINTS.latest,
    { links: 2, branches: 3, labels: 1, statuses: WITH_SUBTASKS },
  ],
];

function vkFile(home: string, point: number): string {
  const file = path.join(home, 'vk', 'db.v2.sqlite');
  writeVibeKanbanDb(file, point);
  return file;
}

describe('switchyard import-vibe-kanban', () => {
  for (const [name, point, expected] of POINTS) {
    it(`imports a database at schema point ${name} with exact counts, statuses, links and unicode titles`, async () => {
      const paths = tempHome();
      const source = vkFile(paths.home, point);
      const before = sha256(source);
      const report = await runCliJson<VibeKanbanImportReport>(paths.home, ['import-vibe-kanban', source]);
      expect(report.schema).toBe(point);
      expect(report.tasks).toEqual({ seen: 9, imported: 8, alreadyImported: 0, skipped: 1 });
      expect(report.skipped).toEqual([
        { id: '00000000-0000-0000-0000-000000000409', reason: 'title is empty' },
      ]);
      expect(report.links).toEqual({ imported: expected.links, skipped: 0 });
      expect(report.statuses).toEqual(expected.statuses);
      expect(report.branches).toBe(expected.branches);
      expect(report.labels).toBe(expected.labels);
      expect(report.boards.map((board) => [board.slug, board.name, board.repository])).toEqual([
        ['web-app', 'Web app ✨', '/srv/web-app'],
        ['donnees-co', 'Données & co', '/srv/données'],
      ]);
      expect(report.notes.join('\n')).toMatch(/cancelled on Vibe Kanban → archived/);
      expect(sha256(source)).toBe(before);
      expect(fs.readdirSync(path.dirname(source))).toEqual(['db.v2.sqlite']); // no -journal, -wal or -shm left

      const web = await runCliJson<Task[]>(paths.home, ['list', '--board', 'web-app', '--archived']);
      for (const task of web) expect(() => taskSchema.parse(task)).not.toThrow();
      const byTitle = new Map(web.map((task) => [task.title, task]));
      expect([...byTitle.keys()].sort()).toEqual(
        [
          'Fix login bug',
          'Login: add tests 🧪',
          'Old idea',
          'Polish login',
          'Review API 設計',
          'Set up CI',
          'Écrire la doc 📝',
        ].sort(),
      );
      expect(byTitle.get('Set up CI')).toMatchObject({ status: 'done', createdAt: Date.UTC(2025, 6, 1, 9) });
      expect(byTitle.get('Fix login bug')?.status).toBe('ready');
      expect(byTitle.get('Review API 設計')).toMatchObject({
        status: 'blocked',
        blockReason: 'in review on Vibe Kanban',
      });
      expect(byTitle.get('Old idea')?.status).toBe('archived');
      expect(byTitle.get('Écrire la doc 📝')?.body).toBe('Voir @bug_analysis\n\nDétails… ✓');
      expect(web.some((task) => task.status === 'running')).toBe(false);
      const data = await runCliJson<Task[]>(paths.home, ['list', '--board', 'donnees-co']);
      expect(data.map((task) => task.title)).toEqual(['Importer le CSV — données']);

      const db = openDatabase(paths.database);
      try {
        const fix = byTitle.get('Fix login bug') as Task;
        const parentsOf = (title: string) =>
          (
            db.prepare('SELECT parent_id FROM task_links WHERE child_id = ?').all(byTitle.get(title)?.id) as {
              parent_id: string;
            }[]
          ).map((row) => row.parent_id);
        if (expected.links > 0) {
          expect(parentsOf('Login: add tests 🧪')).toEqual([fix.id]);
          expect(parentsOf('Polish login')).toEqual([fix.id]);
          expect(byTitle.get('Polish login')?.status).toBe('todo');
          expect(taskOrigin(db, fix.id)?.branches).toEqual([
            expect.objectContaining({ branch: 'vk/0003-fix-login', base: 'main' }),
          ]);
        } else expect(taskOrigin(db, fix.id)?.branches).toEqual([]);
        expect(taskOrigin(db, byTitle.get('Old idea')?.id as string)?.sourceStatus).toBe('cancelled');
        expect(taskOrigin(db, byTitle.get('Écrire la doc 📝')?.id as string)?.labels).toEqual(
          expected.labels ? ['bug_analysis'] : [],
        );
        expect(boardOrigin(db, 'web-app')?.repository).toBe('/srv/web-app');
        expect((db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n).toBe(0);
      } finally {
        db.close();
      }

      // A second import adds nothing and says so.
      const again = await runCliJson<VibeKanbanImportReport>(paths.home, ['import-vibe-kanban', source]);
      expect(again.tasks).toEqual({ seen: 9, imported: 0, alreadyImported: 8, skipped: 1 });
      expect(again.links.imported).toBe(0);
      expect(again.boards.every((board) => !board.created)).toBe(true);
      const count = new Database(paths.database, { readonly: true });
      expect((count.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n).toBe(8);
      expect((count.prepare('SELECT COUNT(*) AS n FROM boards').get() as { n: number }).n).toBe(3);
      count.close();
      expect(sha256(source)).toBe(before);
    });
  }

  it('a file that is not a Vibe Kanban database gets one clear line and the home is untouched', async () => {
    const paths = tempHome();
    const notSqlite = path.join(paths.home, 'notes.txt');
    fs.writeFileSync(notSqlite, 'just some text, not a database\n'.repeat(200));
    const other = path.join(paths.home, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE tasks (id TEXT, title TEXT)');
    db.close();
    for (const file of [notSqlite, other, path.join(paths.home, 'missing.sqlite')]) {
      const before = fs.existsSync(file) ? sha256(file) : null;
      const result = await runCli(paths.home, ['import-vibe-kanban', file]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        file === other || file === notSqlite ? /is not a Vibe Kanban database/ : /no such file/,
      );
      if (before) expect(sha256(file)).toBe(before);
    }
  });

  it('finds the database in its default place when no path is given', async () => {
    const paths = tempHome();
    const dataHome = path.join(paths.home, 'xdg');
    const [expectedFile] = defaultVibeKanbanPaths('linux', { XDG_DATA_HOME: dataHome });
    writeVibeKanbanDb(expectedFile as string, VK_SCHEMA_POINTS.latest);
    const result = await runCli(paths.home, ['import-vibe-kanban', '--json'], {
      env: { XDG_DATA_HOME: dataHome },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ source: expectedFile, tasks: { imported: 8 } });
    const none = await runCli(paths.home, ['import-vibe-kanban'], {
      env: { XDG_DATA_HOME: path.join(paths.home, 'empty') },
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^switchyard: no Vibe Kanban database found at .*; give its path\n$/);
  });
});
