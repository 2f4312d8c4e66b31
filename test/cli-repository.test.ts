import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempHomes } from './helpers/home';
import { runCli, runCliJson } from './helpers/cli';
import { git, makeRepo, useTempFolders } from './helpers/git';
import { writeAgentProfile } from './helpers/engine';

/** docs/architecture.md §9 bad input on the command line: one clear line, exit 1, nothing created. */

const newHome = useTempHomes();
const newFolder = useTempFolders();

async function boardsOf(home: string): Promise<string[]> {
  return (await runCliJson<{ slug: string }[]>(home, ['boards'])).map((board) => board.slug);
}

describe('switchyard boards create --repo', () => {
  it('accepts a path with spaces and Unicode, defaulting the base to the checked-out branch', async () => {
    const { home } = newHome();
    const repo = makeRepo(newFolder(), 'mon dépôt 日本');
    const created = await runCliJson<{ repository: { repo: string; baseBranch: string; mergeMode: string } }>(
      home,
      ['boards', 'create', 'web', '--repo', repo],
    );
    expect(created.repository).toMatchObject({ repo, baseBranch: 'main', mergeMode: 'merge' });
    const edited = await runCliJson<{ repository: { mergeMode: string; afterMerge: string } }>(home, [
      'boards',
      'edit',
      'web',
      '--merge',
      'squash',
      '--after-merge',
      'keep',
    ]);
    expect(edited.repository).toMatchObject({ mergeMode: 'squash', afterMerge: 'keep' });
    const task = await runCliJson<{ workspace: string }>(home, ['create', 'Work', '--board', 'web']);
    expect(task.workspace).toBe('repo');
  });

  it.each([
    [
      'not a repository',
      (dir: string) => {
        fs.mkdirSync(path.join(dir, 'plain'));
        return [path.join(dir, 'plain')];
      },
      /is not a git repository$/,
    ],
    [
      'a bare repository',
      (dir: string) => {
        git(dir, 'init', '-q', '--bare', 'bare.git');
        return [path.join(dir, 'bare.git')];
      },
      /is a bare repository/,
    ],
    ['a missing base branch', (dir: string) => [makeRepo(dir), '--base', 'nope'], /has no branch "nope"$/],
    ['a missing folder', (dir: string) => [path.join(dir, 'gone')], /does not exist$/],
    ['a bad branch name', (dir: string) => [makeRepo(dir), '--base', 'a..b'], /not a valid branch name/],
  ])('refuses %s with one line and creates nothing', async (_what, setup, message) => {
    const { home } = newHome();
    const [repo, ...rest] = setup(newFolder());
    const result = await runCli(home, ['boards', 'create', 'web', '--repo', repo as string, ...rest]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(await boardsOf(home)).toEqual(['default']);
  });

  it('refuses a task id with ../ in diff, merge and discard', async () => {
    const { home } = newHome();
    for (const command of [['diff'], ['merge'], ['discard', '--yes']]) {
      const result = await runCli(home, [command[0] as string, '../t_12345678', ...command.slice(1)]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/task id/);
    }
  });

  it('lists workspaces and never prunes a folder it did not make', async () => {
    const { home } = newHome();
    const stranger = path.join(home, 'workspaces', 'my-own-folder');
    fs.mkdirSync(stranger, { recursive: true });
    const listing = await runCliJson<{ path: string; unknown: boolean }[]>(home, ['workspaces']);
    expect(listing).toEqual([expect.objectContaining({ path: stranger, unknown: true })]);
    const pruned = await runCliJson<{ removed: unknown[] }>(home, ['workspaces', 'prune']);
    expect(pruned.removed).toEqual([]);
    expect(fs.existsSync(stranger)).toBe(true);
  });
});

describe('switchyard dispatch on a repository board', () => {
  it('reports and waits for the workers it starts once their worktrees are made, as on any board', async () => {
    const paths = newHome();
    writeAgentProfile(paths, 'coder', 'git-edit.mjs', { args: ['notes.md=done\\n'] });
    const repo = makeRepo(newFolder());
    await runCliJson(paths.home, ['boards', 'create', 'web', '--repo', repo]);
    const task = await runCliJson<{ id: string }>(paths.home, [
      'create',
      'Write notes',
      '--board',
      'web',
      '--assignee',
      'coder',
    ]);
    const result = await runCli(paths.home, ['dispatch']);
    expect(result.code, result.stderr).toBe(0);
    // The worktree is made off the tick; the worker it leads to is this tick's too.
    expect(result.stdout).toMatch(new RegExp(`^Spawned: ${task.id} \\(lane coder, pid \\d+\\)$`, 'm'));
    expect(result.stdout).toMatch(/^Tick: spawned 1,/m);
    // Waited for, as `dispatch --help` says of one tick (--no-wait leaves them running).
    const [after] = await runCliJson<{ status: string }[]>(paths.home, ['list', '--board', 'web']);
    expect(after?.status).toBe('done');
  });
});
