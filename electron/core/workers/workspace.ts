import fs from 'node:fs';
import path from 'node:path';
import type { HomePaths } from '../config/home';
import { ensureOwnedDir } from '../ownedFiles';

/**
 * Prepares the folder a worker runs in (docs/architecture.md §2 workspace) when no git is involved: a fresh
 * scratch folder per task or an existing directory. Repository workspaces (`repo`,
 * `worktree:<repo>`) are made asynchronously by prepareTaskWorktree (worktrees.ts, docs/architecture.md §9).
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
  throw new WorkspaceError(`unknown workspace "${spec}"`);
}
