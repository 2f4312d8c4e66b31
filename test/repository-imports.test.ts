import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { openDatabase } from '../electron/core/store/db/open';
import { boardRepository, taskWorktree } from '../electron/core/store/repositories';
import { refreshTaskChanges, taskChanges } from '../electron/core/workers/changes';
import { mergeTask } from '../electron/core/workers/land';
import { homePaths } from '../electron/core/config/home';
import { runCli, runCliJson } from './helpers/cli';
import { useTempHomes } from './helpers/home';
import { commitFiles, git, makeRepo, useTempFolders } from './helpers/git';
import { VK_SCHEMA_POINTS, writeVibeKanbanDb } from './helpers/vibeKanbanFixture';

/**
 * docs/architecture.md §9 for imported work: Hermes worktree workspaces and Vibe Kanban attempt branches become
 * the tasks' worktrees where they still exist (card, Changes, merge), a Vibe Kanban project's
 * repository becomes its board's repository setting, and a folder another tool made is never
 * removed — not by a merge, not by an archive, not by `workspaces prune`.
 */

const newHome = useTempHomes();
const newFolder = useTempFolders();

/** A Hermes kanban.db with one task per row given (the columns import-hermes reads). */
function hermesBoard(
  file: string,
  rows: { id: string; title: string; kind: string; where: string | null }[],
) {
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT, assignee TEXT,
      status TEXT, priority INTEGER, created_by TEXT, created_at INTEGER, started_at INTEGER,
      completed_at INTEGER, workspace_kind TEXT, workspace_path TEXT, result TEXT)`);
    const insert = db.prepare(
      `INSERT INTO tasks (id, title, status, created_at, completed_at, workspace_kind, workspace_path)
       VALUES (?, ?, 'done', 1764800000, 1764803600, ?, ?)`,
    );
    for (const row of rows) insert.run(row.id, row.title, row.kind, row.where);
  } finally {
    db.close();
  }
}

describe('import-hermes maps worktree workspaces (docs/architecture.md §9)', { timeout: 60_000 }, () => {
  it('adopts a Hermes worktree that still exists, shows and merges its work, and never removes its folder', async () => {
    const paths = newHome();
    const folder = newFolder();
    const repo = makeRepo(folder, 'api');
    const hermesTree = path.join(folder, 'hermes-worktrees', 't_000000a1');
    git(repo, 'worktree', 'add', '-q', '-b', 'hermes/t_000000a1', hermesTree, 'main');
    commitFiles(hermesTree, { 'src/health.ts': 'export const ok = true;\n' }, 'health endpoint');
    const source = path.join(folder, 'kanban.db');
    hermesBoard(source, [
      { id: 't_000000a1', title: 'Health endpoint', kind: 'worktree', where: hermesTree },
      { id: 't_000000a2', title: 'Gone worktree', kind: 'worktree', where: path.join(folder, 'gone') },
      { id: 't_000000a3', title: 'Plain', kind: 'dir', where: '/' },
    ]);

    const report = await runCliJson<{ worktrees: number; notes: string[] }>(paths.home, [
      'import-hermes',
      source,
      '--json',
    ]);
    expect(report.worktrees).toBe(1);
    expect(report.notes.join('\n')).toMatch(/worktree workspace not mapped \(1\)/);
    const tasks = await runCliJson<Task[]>(paths.home, ['list']);
    const byId = new Map(tasks.map((task) => [task.id, task]));
    expect(byId.get('t_000000a1')?.workspace).toBe(`worktree:${repo}`);
    // Issue 18 stays: a folder named in the file is never used as a plain workspace.
    expect(byId.get('t_000000a3')?.workspace).toBe('scratch');
    expect(byId.get('t_000000a2')?.workspace).toBe('scratch');

    const db = openDatabase(paths.database);
    try {
      expect(taskWorktree(db, 't_000000a1')).toMatchObject({
        repo,
        branch: 'hermes/t_000000a1',
        baseBranch: 'main',
        path: hermesTree,
      });
      const changes = await taskChanges(db, 't_000000a1');
      expect(changes.files.map((file) => file.path)).toEqual(['src/health.ts']);
      expect(changes.summary).toMatchObject({ files: 1, ahead: 1, merged: false });

      await mergeTask(db, homePaths(paths.home), 't_000000a1', { name: 'tester' });
      expect(git(repo, 'show', 'main:src/health.ts')).toBe('export const ok = true;');
      // Merged, and the folder Hermes made is still there (the board says "remove": not for it).
      expect(fs.existsSync(path.join(hermesTree, 'src', 'health.ts'))).toBe(true);
    } finally {
      db.close();
    }

    // Archived and pruned: still never removed.
    await runCli(paths.home, ['archive', 't_000000a1']);
    const pruned = await runCliJson<{ removed: unknown[]; kept: { reason: string }[] }>(paths.home, [
      'workspaces',
      'prune',
    ]);
    expect(pruned.removed).toEqual([]);
    expect(fs.existsSync(hermesTree)).toBe(true);
    expect(git(repo, 'worktree', 'list')).toContain(hermesTree);
  });
});

describe(
  'import-vibe-kanban brings the repository and the attempt branches (docs/architecture.md §9)',
  { timeout: 60_000 },
  () => {
    it('sets the board repository from the project and shows the branches that still exist', async () => {
      const paths = newHome();
      const folder = newFolder();
      const web = makeRepo(folder, 'web app');
      const worktrees = path.join(folder, 'vk-worktrees');
      // "Set up CI": its attempt's folder is gone, its branch is not.
      git(web, 'branch', 'vk/0001-set-up-ci', 'main');
      git(web, 'worktree', 'add', '-q', path.join(folder, 'tmp-ci'), 'vk/0001-set-up-ci');
      commitFiles(path.join(folder, 'tmp-ci'), { '.github/ci.yml': 'on: push\n' }, 'ci');
      git(web, 'worktree', 'remove', path.join(folder, 'tmp-ci'));
      // "Fix login bug": its attempt's worktree is still there, with uncommitted work.
      const login = path.join(worktrees, 'vk-0003-fix-login');
      git(web, 'worktree', 'add', '-q', '-b', 'vk/0003-fix-login', login, 'main');
      fs.writeFileSync(path.join(login, 'login.ts'), 'export const fixed = true;\n');
      // "Review API": its branch was deleted. The data project's repository does not exist here.
      const source = path.join(folder, 'db.v2.sqlite');
      writeVibeKanbanDb(source, VK_SCHEMA_POINTS.latest, {
        repoPaths: { web, data: path.join(folder, 'nowhere') },
        worktreesDir: worktrees,
      });

      const report = await runCliJson<{
        boards: { slug: string; repository: string }[];
        boardRepositories: number;
        worktrees: number;
        notes: string[];
      }>(paths.home, ['import-vibe-kanban', source, '--json']);
      expect(report.boardRepositories).toBe(1);
      expect(report.worktrees).toBe(2);
      const notes = report.notes.join('\n');
      expect(notes).toMatch(/repository .*nowhere not used: repository .*nowhere does not exist/);
      expect(notes).toMatch(
        /attempt branch not mapped \(1\): e\.g\. branch vk\/0004-review-api no longer exists/,
      );

      const webBoard = report.boards.find((board) => board.repository === web)?.slug as string;
      const db = openDatabase(paths.database);
      try {
        expect(boardRepository(db, webBoard)).toMatchObject({ repo: web, baseBranch: 'main' });
        const tasks = await runCliJson<Task[]>(paths.home, ['list', '--board', webBoard, '--archived']);
        const byTitle = new Map(tasks.map((task) => [task.title, task]));
        const ci = byTitle.get('Set up CI') as Task;
        const fix = byTitle.get('Fix login bug') as Task;
        const ciChanges = await taskChanges(db, ci.id);
        expect(ciChanges.files.map((file) => file.path)).toEqual(['.github/ci.yml']);
        expect(ciChanges.summary).toMatchObject({ ahead: 1, uncommittedFiles: 0, removed: false });
        const fixSummary = await refreshTaskChanges(db, fix.id);
        expect(fixSummary).toMatchObject({ files: 1, uncommittedFiles: 1 });
        expect(taskWorktree(db, fix.id)?.path).toBe(login);

        // The branch alone merges like a worktree's; Vibe Kanban's branch and folders stay.
        await mergeTask(db, homePaths(paths.home), ci.id, { name: 'tester' });
        expect(git(web, 'show', 'main:.github/ci.yml')).toBe('on: push');
        expect(git(web, 'branch', '--list', 'vk/0001-set-up-ci')).toContain('vk/0001-set-up-ci');
        expect(fs.existsSync(path.join(login, 'login.ts'))).toBe(true);
      } finally {
        db.close();
      }

      // Importing again adds nothing, and changes nothing it set up.
      const again = await runCliJson<{ worktrees: number; boardRepositories: number }>(paths.home, [
        'import-vibe-kanban',
        source,
        '--json',
      ]);
      expect(again).toMatchObject({ worktrees: 0, boardRepositories: 0 });
    });
  },
);
