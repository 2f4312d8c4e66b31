import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../electron/core/dispatch/engine';
import { createBoard, createTask, getTask } from '../electron/core/commands/taskCommands';
import { configureBoardRepository } from '../electron/core/workers/repository';
import { refreshTaskChanges, taskChanges } from '../electron/core/workers/changes';
import { discardTask, mergeTask, rebaseTask, sendBackTask, waiveReview } from '../electron/core/workers/land';
import { taskWorktree } from '../electron/core/store/repositories';
import { eventsOf } from '../electron/core/store/events';
import { commentsOf } from '../electron/core/store/comments';
import { useTempHomes } from './helpers/home';
import { editHomeFiles, newEngine, tickUntil, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { commitFiles, git, makeRepo, useTempFolders, writeFiles } from './helpers/git';

/** docs/architecture.md §9 against real git repositories: worktree per task, changes, merge, conflicts, cleanup. */

const newHome = useTempHomes();
const newFolder = useTempFolders();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});
const actor = { name: 'tester' };

async function boardOnRepo(
  files?: Record<string, string>,
  agentArgs = ['src/app.ts=export const x = 1;\\n', 'README.md=one\\nTWO\\nthree\\n'],
) {
  const paths = newHome();
  writeFastSettings(paths);
  const repo = makeRepo(newFolder(), 'web app ünïcode', files);
  writeAgentProfile(paths, 'coder', 'git-edit.mjs', { args: agentArgs });
  const engine = newEngine(paths);
  engines.push(engine);
  createBoard(engine.db, 'web', undefined);
  await configureBoardRepository(engine.db, 'web', { repo, base: 'main' });
  return { paths, repo, engine, db: engine.db };
}

async function runToDone(engine: Engine, title: string, extra: { parents?: string[] } = {}) {
  const task = createTask(engine.db, { board: 'web', title, assignee: 'coder', ...extra }, actor);
  await tickUntil(engine, () => getTask(engine.db, task.id).status === 'done', `${task.id} done`);
  return getTask(engine.db, task.id);
}

describe('a board on a repository (docs/architecture.md §9)', { timeout: 120_000 }, () => {
  it('gives each task a worktree on its own branch; the agent commits there; merge lands it on base and removes the worktree', async () => {
    const { repo, engine, db, paths } = await boardOnRepo();
    fs.mkdirSync(path.join(repo, '.switchyard'));
    fs.writeFileSync(path.join(repo, '.switchyard', 'include'), '.env\n');
    fs.writeFileSync(path.join(repo, '.switchyard', 'link'), 'node_modules\n');
    fs.writeFileSync(path.join(repo, '.gitignore'), '.env\nnode_modules/\n');
    commitFiles(repo, {}, 'ignore');
    fs.writeFileSync(path.join(repo, '.env'), 'SECRET=1\n');
    fs.mkdirSync(path.join(repo, 'node_modules', 'dep'), { recursive: true });
    const baseBefore = git(repo, 'rev-parse', 'main');

    const task = await runToDone(engine, 'Add the app module');
    expect(task.workspace).toBe('repo');
    const worktree = taskWorktree(db, task.id);
    expect(worktree).toMatchObject({
      branch: `switchyard/${task.id}-add-the-app-module`,
      baseBranch: 'main',
      baseCommit: baseBefore,
      path: path.join(paths.workspaces, task.id),
    });
    const folder = worktree?.path as string;
    expect(fs.readFileSync(path.join(folder, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(fs.lstatSync(path.join(folder, 'node_modules')).isSymbolicLink()).toBe(true);

    // The card's figures: two files, +2 −1, one commit ahead, nothing uncommitted, no conflict.
    const summary = await refreshTaskChanges(db, task.id);
    expect(summary).toMatchObject({
      files: 2,
      additions: 2,
      deletions: 1,
      ahead: 1,
      behind: 0,
      uncommittedFiles: 0,
      conflicts: [],
      merged: false,
    });
    const changes = await taskChanges(db, task.id);
    expect(changes.files.map((file) => [file.path, file.status]).sort()).toEqual([
      ['README.md', 'modified'],
      ['src/app.ts', 'added'],
    ]);
    expect(changes.patch).toContain('+TWO');

    const result = await mergeTask(db, paths, task.id, actor);
    expect(result.action).toBe('merge');
    expect(git(repo, 'show', 'main:src/app.ts')).toBe('export const x = 1;');
    expect(git(repo, 'log', '--format=%s', 'main')).toContain(`agent: ${task.id}`);
    expect(fs.existsSync(folder)).toBe(false);
    expect(git(repo, 'branch', '--list', 'switchyard/*')).toBe('');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect((await refreshTaskChanges(db, task.id)).merged).toBe(true);
    expect(eventsOf(db, task.id).map((event) => event.kind)).toContain('merged');
  });

  it('includes uncommitted work (new files too) in the changes and commits it when merging (squash, base not checked out)', async () => {
    const { repo, engine, db, paths } = await boardOnRepo(undefined, [
      'notes/todo.md=- a\\n- b\\n',
      '--no-commit',
    ]);
    await configureBoardRepository(db, 'web', { mergeMode: 'squash' });
    git(repo, 'checkout', '-q', '-b', 'elsewhere');
    const task = await runToDone(engine, 'Write notes');
    const summary = await refreshTaskChanges(db, task.id);
    expect(summary).toMatchObject({ files: 1, additions: 2, uncommittedFiles: 1, ahead: 0 });
    await mergeTask(db, paths, task.id, actor);
    expect(git(repo, 'show', 'main:notes/todo.md')).toBe('- a\n- b');
    expect(git(repo, 'log', '-1', '--format=%s', 'main')).toBe('Write notes');
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('elsewhere');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('refuses a conflicting merge before touching anything, naming the files; base checkout unchanged', async () => {
    const { repo, engine, db, paths } = await boardOnRepo();
    const task = await runToDone(engine, 'Edit the readme');
    const baseHead = commitFiles(repo, { 'README.md': 'one\nzwei\nthree\n' }, 'base edits the same line');
    const summary = await refreshTaskChanges(db, task.id);
    expect(summary.conflicts).toEqual(['README.md']);
    await expect(mergeTask(db, paths, task.id, actor)).rejects.toThrow(/would conflict in README\.md/);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(baseHead);
    expect(fs.existsSync(path.join(repo, '.git', 'MERGE_HEAD'))).toBe(false);
    expect(taskWorktree(db, task.id)?.mergedAt).toBeNull();
    // A rebase meets the same conflict: undone, files named, the branch as it was.
    const worktree = taskWorktree(db, task.id)?.path as string;
    const tip = git(worktree, 'rev-parse', 'HEAD');
    await expect(rebaseTask(db, task.id, actor)).rejects.toThrow(/conflicts in README\.md/);
    expect(git(worktree, 'rev-parse', 'HEAD')).toBe(tip);
    expect(git(worktree, 'status', '--porcelain')).toBe('');
  });

  it('refuses to merge into a dirty base checkout, saying why', async () => {
    const { repo, engine, db, paths } = await boardOnRepo();
    const task = await runToDone(engine, 'Add module');
    writeFiles(repo, { 'README.md': 'local edit\n' });
    const head = git(repo, 'rev-parse', 'HEAD');
    await expect(mergeTask(db, paths, task.id, actor)).rejects.toThrow(
      /has uncommitted changes \(README\.md\)/,
    );
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo, 'status', '--porcelain')).toBe('M README.md');
  });

  it('a profile with onSuccess "review" holds its children until the merge; send back adds a comment and readies the task', async () => {
    const { engine, db, paths } = await boardOnRepo(undefined, ['notes/{taskId}.md=work of {taskId}\\n']);
    const profileFile = path.join(paths.profiles, 'coder', 'profile.json');
    await editHomeFiles(engine, () =>
      fs.writeFileSync(
        profileFile,
        JSON.stringify({ ...JSON.parse(fs.readFileSync(profileFile, 'utf8')), onSuccess: 'review' }),
      ),
    );
    const parent = createTask(db, { board: 'web', title: 'Parent work', assignee: 'coder' }, actor);
    const child = createTask(
      db,
      { board: 'web', title: 'Child', assignee: null, parents: [parent.id] },
      actor,
    );
    await tickUntil(engine, () => getTask(db, parent.id).status === 'done', 'the parent done');
    for (let tick = 0; tick < 3; tick++) engine.runTick();
    expect(getTask(db, child.id).status).toBe('todo');
    await mergeTask(db, paths, parent.id, actor);
    await tickUntil(
      engine,
      () => getTask(db, child.id).status === 'ready',
      'the child promoted after the merge',
    );

    const other = createTask(db, { board: 'web', title: 'Second parent', assignee: 'coder' }, actor);
    const child2 = createTask(
      db,
      { board: 'web', title: 'Child 2', assignee: null, parents: [other.id] },
      actor,
    );
    await tickUntil(engine, () => getTask(db, other.id).status === 'done', 'the second parent done');
    for (let tick = 0; tick < 3; tick++) engine.runTick();
    expect(getTask(db, child2.id).status).toBe('todo');
    waiveReview(db, other.id, actor);
    await tickUntil(
      engine,
      () => getTask(db, child2.id).status === 'ready',
      'the child promoted after the waiver',
    );

    const back = sendBackTask(db, other.id, 'Please add tests', actor);
    expect(back.status).toBe('ready');
    expect(commentsOf(db, other.id, 5).map((comment) => comment.body)).toContain('Please add tests');
  });
});

describe('discard (docs/architecture.md §9)', { timeout: 120_000 }, () => {
  it('removes the worktree and its branch; a branch renamed by hand is left alone, and the message says so', async () => {
    const { repo, engine, db, paths } = await boardOnRepo();
    const first = await runToDone(engine, 'Throw away');
    const firstBranch = taskWorktree(db, first.id)?.branch as string;
    const thrown = await discardTask(db, paths, first.id, actor);
    expect(thrown.message).toBe(`removed ${path.join(paths.workspaces, first.id)} and branch ${firstBranch}`);
    expect(git(repo, 'branch', '--list', firstBranch)).toBe('');

    const second = await runToDone(engine, 'Keep my copy');
    const secondBranch = taskWorktree(db, second.id)?.branch as string;
    git(repo, 'branch', '-m', secondBranch, 'my-copy');
    const kept = await discardTask(db, paths, second.id, actor);
    expect(kept.message).toBe(
      `removed ${path.join(paths.workspaces, second.id)}; branch ${secondBranch} was not there (renamed or deleted outside Switchyard), so no branch was deleted`,
    );
    expect(git(repo, 'branch', '--list', 'my-copy')).toContain('my-copy');
    const removed = eventsOf(db, second.id).find((event) => event.kind === 'worktree_removed');
    expect(removed?.payload).toMatchObject({ branchDeleted: false });
  });
});

describe('repository failures block only their task, with git’s message', { timeout: 60_000 }, () => {
  it('a branch that already exists blocks the task and creates no worktree', async () => {
    const { repo, engine, db, paths } = await boardOnRepo();
    const task = createTask(db, { board: 'web', title: 'Clash', assignee: 'coder' }, actor);
    git(repo, 'branch', `switchyard/${task.id}-clash`);
    await tickUntil(engine, () => getTask(db, task.id).status === 'blocked', 'blocked');
    expect(getTask(db, task.id).blockReason).toMatch(
      /^workspace: branch switchyard\/t_[0-9a-f]{8}-clash already exists/,
    );
    expect(fs.existsSync(path.join(paths.workspaces, task.id))).toBe(false);
    expect(getTask(db, task.id).failureCount).toBe(0);
  });

  it('a base branch deleted after the board was set up blocks the task with git’s reason', async () => {
    const { repo, engine, db } = await boardOnRepo();
    git(repo, 'checkout', '-q', '-b', 'trunk');
    git(repo, 'branch', '-D', 'main');
    const task = createTask(db, { board: 'web', title: 'No base', assignee: 'coder' }, actor);
    await tickUntil(engine, () => getTask(db, task.id).status === 'blocked', 'blocked');
    expect(getTask(db, task.id).blockReason).toContain('has no branch "main"');
  });
});

describe('the contract over a repository board (docs/architecture.md §9)', { timeout: 120_000 }, () => {
  it('serves changes, card summaries and a refused conflicting merge through the API', async () => {
    const { createApi } = await import('../electron/core/api/api');
    const { repo, engine, db } = await boardOnRepo();
    const api = createApi(engine, { validateResponses: true, logError: () => undefined });
    try {
      const task = await runToDone(engine, 'Two files');
      const changes = await api.call('taskChanges', { id: task.id });
      expect(changes.ok && changes.value?.summary.files).toBe(2);
      const cards = await api.call('boardChanges', { board: 'web' });
      expect(cards.ok && cards.value).toEqual([
        expect.objectContaining({ taskId: task.id, needsReview: true }),
      ]);
      commitFiles(repo, { 'README.md': 'one\nzwei\nthree\n' }, 'base edits the same line');
      const head = git(repo, 'rev-parse', 'HEAD');
      const refused = await api.call('landTask', { id: task.id, action: 'merge' });
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('README.md'),
      });
      expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
      expect(git(repo, 'status', '--porcelain')).toBe('');
      const setting = await api.call('setBoardRepository', { board: 'web', mergeMode: 'ff' });
      expect(setting.ok && setting.value?.mergeMode).toBe('ff');
      const bad = await api.call('setBoardRepository', {
        board: 'web',
        repo: '/nonexistent/x',
        base: 'main',
      });
      expect(!bad.ok && bad.error.message).toMatch(/does not exist/);
      expect((await api.call('boardRepository', { board: 'web' })).ok).toBe(true);
      void db;
    } finally {
      api.close();
    }
  });
});
