import fs from 'node:fs';
import path from 'node:path';
import type { HomePaths } from './home';

/**
 * What a file the user names for writing (`export --out`, `backup --out`) would destroy in the home:
 * the database or one of SQLite's files beside it, the settings, the lanes, or something in the
 * folders Switchyard keeps (profiles, logs, worktrees, the CLI shim), as words after the file's name
 * ("is the board database", "in the logs folder"). null: none of them.
 *
 * Compared by real location, not by spelling: `./switchyard.db`, a symlinked folder on the way and
 * a hard link to the database all name the same file. Writing JSON over the database (or a copy
 * over its write-ahead log) would lose the board, so such a target is refused before anything is
 * written.
 */
export function homeFileAt(paths: HomePaths, target: string): string | null {
  const where = realLocation(target);
  const kept: [string, string][] = [
    [paths.database, 'the board database'],
    [`${paths.database}-wal`, "the board database's write-ahead log"],
    [`${paths.database}-shm`, "the board database's shared-memory file"],
    [`${paths.database}-journal`, "the board database's journal"],
    [paths.settingsFile, 'settings.json'],
    [paths.lanesFile, 'lanes.json'],
  ];
  for (const [file, what] of kept) if (sameFile(where, realLocation(file))) return `is ${what}`;
  const folders: [string, string][] = [
    [paths.profiles, 'in the profiles folder'],
    [paths.logs, 'in the logs folder'],
    [paths.workspaces, 'in the workspaces folder'],
    [paths.bin, "in the CLI's bin folder"],
  ];
  for (const [folder, what] of folders) {
    const inside = path.relative(realLocation(folder).path, where.path);
    if (inside === '' || (!inside.startsWith('..') && !path.isAbsolute(inside))) return what;
  }
  return null;
}

interface Location {
  /** The absolute path with every symlink of its existing part resolved. */
  path: string;
  /** Device and inode when the file exists: a hard link has another path but the same file. */
  identity: string | null;
}

function realLocation(file: string): Location {
  const absolute = path.resolve(file);
  let existing = absolute;
  const rest: string[] = [];
  // The nearest part that exists is resolved; what is below it cannot be a link yet.
  for (;;) {
    try {
      const real = fs.realpathSync(existing);
      const resolved = path.join(real, ...rest.reverse());
      return { path: resolved, identity: identityOf(resolved) };
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return { path: absolute, identity: null };
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

function identityOf(file: string): string | null {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? `${stat.dev}:${stat.ino}` : null;
  } catch {
    return null;
  }
}

function sameFile(a: Location, b: Location): boolean {
  return a.path === b.path || (a.identity !== null && a.identity === b.identity);
}
