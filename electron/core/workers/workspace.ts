import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HomePaths } from '../config/home';
import { ensureOwnedDir } from '../ownedFiles';

/**
 * Prepares the folder a worker runs in (docs/architecture.md §2 workspace): a fresh scratch folder per task, an
 * existing directory, or a git worktree of a repository on a branch of its own.
 */

export class WorkspaceError extends Error {}

export function prepareWorkspace(paths: HomePaths, taskId: string, spec: string): string {
  const scratch = path.join(paths.workspaces, taskId);
  if (spec === 'scratch') {
    // A planted link at workspaces/<task> would send the agent (and its writes) elsewhere.
    return ensureOwnedDir(paths.home, scratch);
  }
  if (spec.startsWith('dir:')) {
    const dir = spec.slice('dir:'.length);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      throw new WorkspaceError(`workspace ${dir} is not a directory`);
    return dir;
  }
  if (spec.startsWith('worktree:')) {
    const repo = spec.slice('worktree:'.length);
    ensureOwnedDir(paths.home, paths.workspaces);
    if (fs.lstatSync(scratch, { throwIfNoEntry: false })) {
      // An earlier attempt's worktree is reused only when it is a real folder of ours.
      ensureOwnedDir(paths.home, scratch);
      if (fs.existsSync(path.join(scratch, '.git'))) return scratch;
    }
    try {
      execFileSync('git', ['-C', repo, 'worktree', 'add', '-B', `switchyard/${taskId}`, scratch], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 60_000,
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
      throw new WorkspaceError(`cannot create a git worktree of ${repo}: ${stderr.split('\n')[0]}`);
    }
    return scratch;
  }
  throw new WorkspaceError(`unknown workspace "${spec}"`);
}
