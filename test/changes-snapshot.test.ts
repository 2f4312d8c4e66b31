import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../electron/core/dispatch/engine';
import { createBoard, createTask } from '../electron/core/commands/taskCommands';
import { configureBoardRepository } from '../electron/core/workers/repository';
import { prepareTaskWorktree } from '../electron/core/workers/worktrees';
import { refreshTaskChanges } from '../electron/core/workers/changes';
import { useTempHomes } from './helpers/home';
import { newEngine } from './helpers/engine';
import { git, makeRepo, useTempFolders } from './helpers/git';

/**
 * docs/architecture.md §9 "changes": the worktree's uncommitted state is read through a copy of its
 * index. Git trusts an index entry whose file's stat data (size, mtime, ctime, inode) still matches,
 * unless the file is "racily clean": modified no earlier than the index file itself was written,
 * which git tells from the index file's own mtime. A copy made later with a fresh mtime would
 * hide a same-size edit made in the second the worktree was checked out (an agent that starts at
 * once and edits a line) — from every later refresh, for as long as the worker runs.
 */

const newHome = useTempHomes();
const newFolder = useTempFolders();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: false });
});

describe('the snapshot of a worktree (docs/architecture.md §9)', () => {
  it('sees a same-size edit made in the second the worktree was checked out, long after', async () => {
    const paths = newHome();
    const repo = makeRepo(newFolder(), 'shop');
    // ctime cannot be set from a test; with ctime not trusted, the stat data below is exactly what
    // an edit within the checkout's second leaves behind (same size, inode and mtime second).
    git(repo, 'config', 'core.trustctime', 'false');
    const engine = newEngine(paths, false);
    engines.push(engine);
    createBoard(engine.db, 'web', undefined);
    await configureBoardRepository(engine.db, 'web', { repo, base: 'main' });
    const task = createTask(
      engine.db,
      { board: 'web', title: 'Shout two', assignee: 'coder' },
      { name: 't' },
    );
    const worktree = await prepareTaskWorktree(engine.db, paths, task, { holdChildren: false });

    // The checkout, its index and the agent's edit all in one second, ten seconds ago.
    const readme = path.join(worktree, 'README.md');
    const checkoutSecond = Math.floor(Date.now() / 1000) - 10;
    fs.utimesSync(readme, checkoutSecond, checkoutSecond);
    git(worktree, 'update-index', '--refresh'); // the index records that stat
    fs.writeFileSync(readme, 'one\nTWO\nthree\n'); // same size as 'one\ntwo\nthree\n', same inode
    fs.utimesSync(readme, checkoutSecond, checkoutSecond);
    const index = path.resolve(worktree, git(worktree, 'rev-parse', '--git-path', 'index'));
    fs.utimesSync(index, checkoutSecond, checkoutSecond);
    // Git itself sees the edit (the entry is racily clean, so it compares the content).
    expect(git(worktree, '-c', 'core.trustctime=false', 'diff', '--name-only')).toBe('README.md');

    const summary = await refreshTaskChanges(engine.db, task.id);
    expect(summary).toMatchObject({ files: 1, additions: 1, deletions: 1, uncommittedFiles: 1, error: null });
  });
});
