import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../electron/core/dispatch/engine';
import { isProcessAlive, listChildProcesses, procfsAvailable, readProcStat } from '../electron/core/procfs';
import { GitError, gitLine, runGit } from '../electron/core/workers/git';
import {
  execFileOffTheLoop,
  offLoopCallCount,
  runChildrenOffTheLoop,
  runnerCallCount,
} from '../electron/core/workers/offLoopExecFile';
import { LOW_PRIORITY_NICE_INCREMENT } from '../electron/core/workers/priority';
import { Spawner } from '../electron/core/workers/spawner';
import type { Supervisor } from '../electron/core/workers/supervisor';
import { createBoard, createTask, getTask } from '../electron/core/commands/taskCommands';
import { taskWorktree } from '../electron/core/store/repositories';
import { configureBoardRepository } from '../electron/core/workers/repository';
import { newEngine, tickUntil, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { commitFiles, git, makeRepo } from './helpers/git';
import { useTempHomes } from './helpers/home';
import { waitFor } from './helpers/processes';

/**
 * Issue 17 target 11 (docs/architecture.md §9): an engine with a spawner process runs its git there
 * (spawner.ts `Spawner.exec`), so each git is forked from a bare Node instead of from the engine's
 * whole process. The answers, errors, timeouts and output limits are those of the thread's path;
 * a spawner that dies or hangs fails or hands back what it was running, and leaves nothing behind.
 */

const tempHome = useTempHomes();
const engines: Engine[] = [];
const spawners: Spawner[] = [];
const originalPath = process.env.PATH;

afterEach(async () => {
  process.env.PATH = originalPath;
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
  for (const spawner of spawners.splice(0)) spawner.close();
  runChildrenOffTheLoop(false);
});

function engineWithSpawner(): { engine: Engine; repo: string; spawnerPid: () => number | null } {
  const paths = tempHome();
  const repo = makeRepo(paths.home);
  const engine = newEngine(paths, false, { spawner: true });
  engines.push(engine);
  const supervisor = (engine as unknown as { supervisor: Supervisor }).supervisor;
  return { engine, repo, spawnerPid: () => supervisor.spawnerPid() };
}

/** A `git` first on PATH that runs `special` for the arguments `when` matches and is git otherwise. */
function gitShim(when: string, special: string): void {
  const shim = fs.mkdtempSync(path.join(tempHome().home, 'git-shim-'));
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  fs.writeFileSync(
    path.join(shim, 'git'),
    `#!/bin/sh\nif ${when}; then ${special}; fi\nexec '${realGit}' "$@"\n`,
    { mode: 0o755 },
  );
  process.env.PATH = `${shim}${path.delimiter}${originalPath}`;
}

/** `git hang` hangs (exec: the timeout's signal reaches the sleep itself). */
const gitThatHangs = (): void => gitShim('[ "$1" = hang ]', 'exec sleep 60');

/** The live (not zombie) children of the spawner running `command`. */
const childrenOf = (spawnerPid: number, command: string) =>
  listChildProcesses(spawnerPid).filter((child) => child.command === command && child.state !== 'Z');

describe.skipIf(!procfsAvailable)('git run by the spawner process', () => {
  it('gives the same output, exit codes, one-line errors and output limit, started by the spawner at low priority', async () => {
    const { engine, repo, spawnerPid } = engineWithSpawner();
    const threadCalls = offLoopCallCount();
    const spawnerCalls = runnerCallCount();

    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    expect(
      await runGit(repo, ['rev-parse', '--verify', '--quiet', 'no-such-branch'], { okExitCodes: [1] }),
    ).toEqual({ stdout: '', stderr: '', exitCode: 1 });
    const failure = await runGit(repo, ['rev-parse', '--verify', 'no-such-branch']).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toBe('fatal: Needed a single revision');
    expect((failure as GitError).exitCode).toBe(128);
    const tooLong = await runGit(repo, ['log'], { maxBuffer: 10 }).catch((error: unknown) => error);
    expect((tooLong as GitError).message).toMatch(/^git log: stdout maxBuffer length exceeded/);
    // Many at once: each answer reaches its own caller.
    const heads = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        gitLine(repo, ['rev-parse', 'HEAD']).then((head) => ({ n, head })),
      ),
    );
    expect(new Set(heads.map(({ head }) => head)).size).toBe(1);
    expect(heads.map(({ n }) => n)).toEqual(Array.from({ length: 12 }, (_, n) => n));

    // The child's parent is the spawner, and it is lowered like the thread's children were.
    const own = os.getPriority();
    const script =
      'i=0; while [ $i -lt 300 ] && [ "$(cut -d" " -f19 /proc/$$/stat)" = "$1" ]; do sleep 0.01; i=$((i+1)); done; cut -d" " -f4,19 /proc/$$/stat';
    const facts = await execFileOffTheLoop('sh', ['-c', script, 'sh', String(own)], {});
    expect(facts.error).toBeNull();
    const [parent, nice] = facts.stdout.trim().split(' ').map(Number);
    expect(parent).toBe(spawnerPid());
    expect(parent).not.toBe(process.pid);
    expect(nice).toBe(Math.min(19, own + LOW_PRIORITY_NICE_INCREMENT));

    expect(runnerCallCount()).toBe(spawnerCalls + 17);
    expect(offLoopCallCount()).toBe(threadCalls); // none went through the thread

    // Closed, the engine's spawner is gone (reaped, not a zombie) and git goes through the thread again.
    const pid = spawnerPid() as number;
    await engine.close({ stopWorkers: true });
    await waitFor('the spawner gone', () => readProcStat(pid) === null);
    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    expect(offLoopCallCount()).toBe(threadCalls + 1);
  }, 60_000);

  it("makes a dispatched task's worktree there, and blocks a task whose `worktree add` fails with git's fatal line", async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const repo = makeRepo(paths.home);
    fs.mkdirSync(path.join(repo, '.switchyard'));
    fs.writeFileSync(path.join(repo, '.switchyard', 'include'), '.env\n');
    fs.writeFileSync(path.join(repo, '.gitignore'), '.env\n');
    commitFiles(repo, {}, 'ignore');
    fs.writeFileSync(path.join(repo, '.env'), 'SECRET=1\n');
    writeAgentProfile(paths, 'coder', 'git-edit.mjs', { args: ['notes.md=done\\n'] });
    const engine = newEngine(paths, true, { spawner: true });
    engines.push(engine);
    createBoard(engine.db, 'web', undefined);
    await configureBoardRepository(engine.db, 'web', { repo, base: 'main' });
    const spawnerCalls = runnerCallCount();
    const threadCalls = offLoopCallCount();

    const task = createTask(engine.db, { board: 'web', title: 'Notes', assignee: 'coder' }, { name: 'test' });
    await tickUntil(engine, () => getTask(engine.db, task.id).status === 'done', 'the task done', 60_000);
    const folder = taskWorktree(engine.db, task.id)?.path as string;
    expect(fs.readFileSync(path.join(folder, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(git(folder, 'log', '-1', '--format=%s')).not.toBe('ignore'); // the agent committed there
    expect(runnerCallCount()).toBeGreaterThan(spawnerCalls);
    expect(offLoopCallCount()).toBe(threadCalls);

    gitShim(
      '[ "$1" = worktree ] && [ "$2" = add ]',
      'echo "Preparing worktree (new branch x)" >&2; echo "fatal: simulated checkout failure" >&2; exit 128',
    );
    const failing = createTask(
      engine.db,
      { board: 'web', title: 'Fails', assignee: 'coder' },
      { name: 'test' },
    );
    await tickUntil(engine, () => getTask(engine.db, failing.id).status === 'blocked', 'blocked', 60_000);
    expect(getTask(engine.db, failing.id).blockReason).toBe(
      'workspace: git: fatal: simulated checkout failure',
    );
  }, 120_000);

  it('kills a git that hangs at its timeout and says so, as before; nothing is left running', async () => {
    const { repo, spawnerPid } = engineWithSpawner();
    gitThatHangs();
    const spawnerCalls = runnerCallCount();
    const failure = await runGit(repo, ['hang'], { timeoutMs: 300 }).catch((error: unknown) => error);
    expect(runnerCallCount()).toBe(spawnerCalls + 1);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toBe('git hang timed out');
    expect(childrenOf(spawnerPid() as number, 'sleep')).toEqual([]);
  }, 60_000);

  it('a spawner that dies while git runs: a clear error, the git stopped, no zombie, and the next git runs in a new spawner', async () => {
    const { repo, spawnerPid } = engineWithSpawner();
    gitThatHangs();
    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    const first = spawnerPid() as number;
    const running = runGit(repo, ['hang']).catch((error: unknown) => error);
    const hung = await waitFor('the hanging git', () => childrenOf(first, 'sleep')[0]);
    process.kill(first, 'SIGKILL');

    const failure = await running;
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toBe(
      'git hang: the spawner process ended while it ran (it was stopped)',
    );
    await waitFor('the hanging git stopped', () => !isProcessAlive(hung.pid, hung.startTime));
    await waitFor('the dead spawner reaped', () => readProcStat(first) === null);

    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    expect(spawnerPid()).not.toBeNull();
    expect(spawnerPid()).not.toBe(first);
  }, 60_000);

  it('a git the spawner never started (it was stopped, then killed) runs in the thread instead', async () => {
    const { repo, spawnerPid } = engineWithSpawner();
    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    const pid = spawnerPid() as number;
    process.kill(pid, 'SIGSTOP');
    const threadCalls = offLoopCallCount();
    const answer = gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD']);
    process.kill(pid, 'SIGKILL');
    expect(await answer).toBe('main');
    expect(offLoopCallCount()).toBe(threadCalls + 1);
    await waitFor('the dead spawner reaped', () => readProcStat(pid) === null);
  }, 60_000);

  it('a spawner that does not answer within the timeout plus its grace is killed; what it had not started is handed back', async () => {
    const spawner = new Spawner({ answerTimeoutMs: 100 });
    spawners.push(spawner);
    const echo = { file: 'sh', args: ['-c', 'echo up'], options: { timeout: 100 }, priority: null };
    expect(await spawner.exec(echo)).toEqual({ stdout: 'up\n', stderr: '', error: null });
    const pid = spawner.pid() as number;
    process.kill(pid, 'SIGSTOP');
    expect(await spawner.exec(echo)).toBeNull();
    await waitFor('the hung spawner killed and reaped', () => readProcStat(pid) === null);
    expect(spawner.pid()).toBeNull();
    expect(await spawner.exec(echo)).toEqual({ stdout: 'up\n', stderr: '', error: null });
  }, 60_000);
});
