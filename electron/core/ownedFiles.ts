import fs from 'node:fs';
import path from 'node:path';
import { SwitchyardError } from './errors';

/**
 * Every folder and file Switchyard writes in its home goes through here (issue 18: hostile
 * neighbours). Another local process may plant a symlink (or a hard link) where Switchyard is about
 * to write — `logs/<task>`, `logs/<task>/<run>.log`, `workspaces/<task>` — to make it write,
 * truncate or run agents somewhere else. So:
 * - a folder is used only when `lstat` shows a real folder (not a link) owned by this user, checked
 *   for every component from the home down; missing ones are created 0700;
 * - a file is opened with O_NOFOLLOW (a symlink as the last component fails), and O_EXCL when it
 *   must be new; an existing file must be a regular file of ours with one link;
 * - the home itself is created 0700 and Switchyard's files 0600 (the board is private).
 * What is refused raises `UnsafePathError` with a reason a user can act on; the dispatcher blocks the
 * task with it.
 *
 * Not covered: a folder swapped for a link between our check and our open by a process running as
 * the same user (that process can already write everything we can); Windows (no O_NOFOLLOW; there
 * symlinks need privileges).
 */

export class UnsafePathError extends SwitchyardError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'UnsafePathError';
  }
}

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const ownUid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);

function checkOwnedDir(dir: string, stats: fs.Stats): void {
  if (stats.isSymbolicLink())
    throw new UnsafePathError(`${dir} is a symbolic link, not a folder: refusing to write through it`);
  if (!stats.isDirectory()) throw new UnsafePathError(`${dir} is not a folder`);
  const uid = ownUid();
  if (uid !== null && stats.uid !== uid)
    throw new UnsafePathError(`${dir} belongs to another user (uid ${stats.uid}): refusing to write in it`);
}

/**
 * Makes sure `dir` (inside `root`, or `root` itself) is a real folder owned by this user, creating
 * what is missing (0700). `root` must exist or be creatable; the components above it are the user's
 * business (a home may itself sit behind a symlink they made).
 */
export function ensureOwnedDir(root: string, dir: string): string {
  const base = path.resolve(root);
  const target = path.resolve(dir);
  const relative = path.relative(base, target);
  if (relative.startsWith('..') || path.isAbsolute(relative))
    throw new UnsafePathError(`${target} is outside ${base}`);
  const parts = relative === '' ? [] : relative.split(path.sep);
  let current = base;
  for (const part of ['', ...parts]) {
    current = part === '' ? current : path.join(current, part);
    let stats: fs.Stats | undefined;
    try {
      stats = fs.lstatSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (!stats) {
      try {
        fs.mkdirSync(current, { mode: PRIVATE_DIR_MODE, recursive: part === '' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      stats = fs.lstatSync(current);
    }
    // The root may be a link the user made (a home on another disk); below it, nothing may be.
    if (part === '' && stats.isSymbolicLink()) stats = fs.statSync(current);
    checkOwnedDir(current, stats);
  }
  return target;
}

/**
 * The home folder: a folder of ours, created 0700; an existing one open to others (an older
 * Switchyard made it 0755) is closed to them, since the board and its logs are private.
 */
export function ensureHome(home: string): string {
  ensureOwnedDir(home, home);
  try {
    const { mode } = fs.statSync(home);
    if ((mode & 0o077) !== 0) fs.chmodSync(home, mode & 0o700);
  } catch {
    // A home we cannot chmod (read-only mount) still works; its files keep their own modes.
  }
  return path.resolve(home);
}

function checkOwnedFile(file: string, fd: number): void {
  const stats = fs.fstatSync(fd);
  if (!stats.isFile()) throw new UnsafePathError(`${file} is not a regular file`);
  const uid = ownUid();
  if (uid !== null && stats.uid !== uid) throw new UnsafePathError(`${file} belongs to another user`);
  // A hard link planted where our file goes would make us write into someone else's file.
  if (stats.nlink > 1) throw new UnsafePathError(`${file} has other hard links: refusing to write to it`);
}

function openChecked(file: string, flags: number, mode: number): number {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | NOFOLLOW, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new UnsafePathError(`${file} is a symbolic link: refusing to write through it`);
    if (code === 'EEXIST') {
      const link = fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink();
      throw new UnsafePathError(
        link
          ? `${file} is a symbolic link: refusing to write through it`
          : `${file} already exists: refusing to reuse it`,
      );
    }
    throw error;
  }
  try {
    checkOwnedFile(file, fd);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}

/** A new file (0600) for writing, in a folder already checked: never follows or reuses anything. */
export function createNewFile(file: string, mode = PRIVATE_FILE_MODE): number {
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  return openChecked(file, O_WRONLY | O_CREAT | O_EXCL, mode);
}

/** A file to append to (created 0600 when missing), never through a link. */
export function openForAppend(file: string, mode = PRIVATE_FILE_MODE): number {
  const { O_WRONLY, O_CREAT, O_APPEND } = fs.constants;
  return openChecked(file, O_WRONLY | O_CREAT | O_APPEND, mode);
}

/** Writes a whole new file (0600) under `root`, checking every folder on the way. */
export function writeNewFile(
  root: string,
  file: string,
  data: string | Buffer,
  mode = PRIVATE_FILE_MODE,
): void {
  ensureOwnedDir(root, path.dirname(file));
  const fd = createNewFile(file, mode);
  try {
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}
