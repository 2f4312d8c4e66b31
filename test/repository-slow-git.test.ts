import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../electron/core/dispatch/engine';
import { createBoard, createTask, getTask } from '../electron/core/commands/taskCommands';
import { configureBoardRepository } from '../electron/core/workers/repository';
import { eventsOf } from '../electron/core/store/events';
import { useTempHomes } from './helpers/home';
import { newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { makeRepo, useTempFolders } from './helpers/git';

/**
 * docs/architecture.md §9 "git work never runs inside the tick": a `git` (first on PATH) whose
 * `worktree add` waits until the test releases it delays only its own task. Another lane's task
 * spawns meanwhile and the event loop keeps turning — with the old synchronous `git worktree add`
 * in the tick neither held (the test, on that loop, could never release it).
 */

const newHome = useTempHomes();
const newFolder = useTempFolders();
const engines: Engine[] = [];
const originalPath = process.env.PATH;
let realGit = '';
beforeEach(() => {
  realGit =
    (originalPath ?? '')
      .split(path.delimiter)
      .map((dir) => path.join(dir, 'git'))
      .find((file) => fs.existsSync(file)) ?? 'git';
});
afterEach(async () => {
  process.env.PATH = originalPath;
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

describe('a slow `git worktree add`', { timeout: 90_000 }, () => {
  it('delays only its task: another lane spawns and timers keep firing meanwhile', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const repo = makeRepo(newFolder());
    const shimDir = newFolder('switchyard-git-shim-');
    const release = path.join(shimDir, 'release');
    fs.writeFileSync(
      path.join(shimDir, 'git'),
      // `worktree add` waits until the test releases it: slow for as long as the test needs.
      `#!/bin/sh\nif [ "$1" = worktree ] && [ "$2" = add ]; then\n` +
        `  while [ ! -e '${release}' ]; do sleep 0.05; done\nfi\nexec '${realGit}' "$@"\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${shimDir}${path.delimiter}${originalPath}`;
    writeAgentProfile(paths, 'coder', 'git-edit.mjs', { args: ['a.txt=a\\n'] });
    writeAgentProfile(paths, 'writer', 'sleep.mjs', { args: ['200'] });
    const engine = newEngine(paths);
    engines.push(engine);
    createBoard(engine.db, 'web', undefined);
    await configureBoardRepository(engine.db, 'web', { repo, base: 'main' });
    // The slow one first in walk order (higher priority), so it is claimed before the other.
    const slow = createTask(
      engine.db,
      { board: 'web', title: 'Slow', assignee: 'coder', priority: 10 },
      { name: 't' },
    );
    const fast = createTask(
      engine.db,
      { board: 'web', title: 'Fast', assignee: 'writer', workspace: 'scratch' },
      { name: 't' },
    );

    try {
      engine.runTick();
      const spawnedKinds = (id: string) => eventsOf(engine.db, id).map((event) => event.kind);
      await waitFor(() => spawnedKinds(fast.id).includes('spawned'), 'the fast task spawned', 20_000);
      // The other task was claimed in the same tick and its worktree is still being made.
      expect(getTask(engine.db, slow.id).status).toBe('running');
      expect(spawnedKinds(slow.id)).not.toContain('spawned');
      expect(engine.preparingWorkspaces()).toBe(1);
      // The loop turns while that git waits: timers fire (a loop held by the git would never get
      // here, nor to the release below, and the test would time out).
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(spawnedKinds(slow.id)).not.toContain('spawned');
      fs.writeFileSync(release, '');
      await waitFor(() => spawnedKinds(slow.id).includes('spawned'), 'the slow task spawned', 30_000);
      await waitFor(
        () => {
          engine.runTick();
          return getTask(engine.db, slow.id).status === 'done';
        },
        'the slow task done',
        20_000,
      );
    } finally {
      // A failed test must not leave the shim's git waiting.
      fs.writeFileSync(release, '');
    }
  });
});
