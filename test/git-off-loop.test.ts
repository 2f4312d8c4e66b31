import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBoard } from '../electron/core/commands/taskCommands';
import type { Engine } from '../electron/core/dispatch/engine';
import { newEngine } from './helpers/engine';
import { makeRepo } from './helpers/git';
import { useTempHomes } from './helpers/home';
import { GitError, gitLine, runGit } from '../electron/core/workers/git';
import {
  execFileOffTheLoop,
  offLoopCallCount,
  runChildrenOffTheLoop,
} from '../electron/core/workers/offLoopExecFile';
import { LOW_PRIORITY_NICE_INCREMENT } from '../electron/core/workers/priority';
import { configureBoardRepository } from '../electron/core/workers/repository';

/**
 * Issue 17 (targets 11 and 5): starting a child blocks the calling thread until it has exec'd, which
 * on a loaded machine held the event loop for hundreds of ms per `git`. An engine (a process that
 * serves a board) starts git from a worker thread; the answers and errors are the same.
 */

const tempHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
  runChildrenOffTheLoop(false);
});

describe('git started off the event loop', () => {
  it('a process without an engine (a CLI command) starts git itself: no thread', async () => {
    const before = offLoopCallCount();
    const repo = makeRepo(tempHome().home);
    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    expect(offLoopCallCount()).toBe(before);
  });

  it("an engine's git work goes through the thread, with the same answers and one-line errors", async () => {
    const paths = tempHome();
    const repo = makeRepo(paths.home);
    const engine = newEngine(paths, false);
    engines.push(engine);
    const before = offLoopCallCount();

    createBoard(engine.db, 'web', undefined);
    await configureBoardRepository(engine.db, 'web', { repo, base: 'main' });
    expect(offLoopCallCount()).toBeGreaterThan(before); // checking the repository ran git there

    const calls = offLoopCallCount();
    expect(await gitLine(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    expect(await runGit(repo, ['merge-base', '--is-ancestor', 'HEAD', 'HEAD'], { okExitCodes: [1] })).toEqual(
      {
        stdout: '',
        stderr: '',
        exitCode: 0,
      },
    );
    const failure = await runGit(repo, ['rev-parse', '--verify', 'no-such-branch']).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toBe('fatal: Needed a single revision');
    expect((failure as GitError).exitCode).toBe(128);
    // Many at once: each answer reaches its own caller.
    const heads = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        gitLine(repo, ['rev-parse', '--short', `HEAD~0^{commit}`]).then((h) => `${n}:${h}`),
      ),
    );
    expect(new Set(heads.map((h) => h.split(':')[1])).size).toBe(1);
    expect(heads.map((h) => Number(h.split(':')[0]))).toEqual(Array.from({ length: 12 }, (_, n) => n));
    expect(offLoopCallCount()).toBe(calls + 15);
  });

  // Issue 17 target 11: 8 worktrees checked out at once are 8 CPU-bound gits in the engine's own
  // scheduling group; at the engine's priority they delayed its event loop's wake-ups.
  it.skipIf(process.platform !== 'linux')(
    "an engine's git runs at low priority (nice +10); a CLI command's at its own",
    async () => {
      const own = os.getPriority();
      // The child waits (300 looks, 10 ms apart) for its nice to leave the parent's, then prints it.
      const script =
        'i=0; while [ $i -lt 300 ] && [ "$(cut -d" " -f19 /proc/$$/stat)" = "$1" ]; do sleep 0.01; i=$((i+1)); done; cut -d" " -f19 /proc/$$/stat';
      const niceOfChild = async (): Promise<number> => {
        const result = await execFileOffTheLoop('sh', ['-c', script, 'sh', String(own)], {});
        expect(result.error).toBeNull();
        return Number(result.stdout.trim());
      };
      runChildrenOffTheLoop(true);
      const before = offLoopCallCount();
      expect(await niceOfChild()).toBe(Math.min(19, own + LOW_PRIORITY_NICE_INCREMENT));
      expect(offLoopCallCount()).toBe(before + 1);

      runChildrenOffTheLoop(false);
      const cli = await execFileOffTheLoop('cut', ['-d', ' ', '-f19', '/proc/self/stat'], {});
      expect(Number(cli.stdout.trim())).toBe(own);
    },
    60_000,
  );

  // Issue 12: a failed worktree is blocked with git's one-line reason; git prints its progress
  // ("Preparing worktree …") before the fatal line, and the card showed the progress instead.
  it("a failure is told by git's fatal line, not by the progress printed before it", async () => {
    const paths = tempHome();
    const repo = makeRepo(paths.home);
    const blocker = path.join(paths.home, 'a-file');
    fs.writeFileSync(blocker, '');
    const failure = await runGit(repo, [
      'worktree',
      'add',
      '-b',
      'nb',
      path.join(blocker, 'sub'),
      'HEAD',
    ]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).message).toMatch(/^fatal: could not create leading directories of /);
    expect((failure as GitError).stderr).toContain('Preparing worktree');
  });
});
