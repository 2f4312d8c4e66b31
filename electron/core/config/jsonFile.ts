import fs from 'node:fs';
import { createNewFile, ensureOwnedDir, PRIVATE_FILE_MODE, UnsafePathError } from '../ownedFiles';
import path from 'node:path';
import { describeJsonError } from '../../../shared/jsonError';

/**
 * Reading and writing the small JSON files a user edits by hand (profile.json, lanes.json,
 * settings.json). Reading never throws: every failure becomes a short problem the user can act on.
 */

export type JsonFileRead =
  { kind: 'missing' } | { kind: 'problem'; problem: string } | { kind: 'ok'; value: unknown };

const kib = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

function readCapped(file: string, maxBytes: number): { text: string } | { problem: string } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'EACCES' || code === 'EPERM') return { problem: 'cannot be read (permission denied)' };
    return { problem: `cannot be read (${code})` };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { problem: 'is not a regular file' };
    if (stat.size > maxBytes) return { problem: `larger than ${kib(maxBytes)}, ignored` };
    // Sized by fstat, not by the cap: zero-filling the cap (256 KiB a profile, 1 MiB for the
    // settings) at every read cost 10–110 ms of CPU for the 150 profiles of "large" when `serve`
    // starts (performance issue 17, target 7). Only the bytes read are used.
    let buffer = Buffer.allocUnsafe(stat.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // The file grew since fstat: make room, up to one byte past the cap.
        const larger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const count = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (count === 0) break;
      length += count;
      if (length > maxBytes) return { problem: `larger than ${kib(maxBytes)}, ignored` };
    }
    return { text: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    return { problem: `cannot be read (${errnoCode(error)})` };
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of a small file (a byte order mark dropped), or why it cannot be read; null when missing. */
export function readSmallTextFile(
  file: string,
  maxBytes: number,
): { text: string } | { problem: string } | null {
  const read = readCapped(file, maxBytes);
  return read && 'text' in read ? { text: read.text.replace(/^\uFEFF/, '') } : read;
}

export function readSmallJsonFile(file: string, maxBytes: number): JsonFileRead {
  const read = readCapped(file, maxBytes);
  if (read === null) return { kind: 'missing' };
  if ('problem' in read) return { kind: 'problem', problem: read.problem };
  const text = read.text.replace(/^\uFEFF/, '');
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      kind: 'problem',
      problem: `invalid JSON (${describeJsonError((error as Error).message, text)})`,
    };
  }
}

/**
 * Makes temp names unique: the pid tells processes apart, the count the writes of one process. (Not
 * random bytes: node:crypto would cost every CLI start ~5 ms, performance issue 6.)
 */
let tempFilesWritten = 0;

/**
 * Temp file in the same folder + rename: a reader sees the old file or the new one, never half.
 * Every folder from `root` (the home) down is checked to be a real folder of ours, and the temp file
 * is created new, never through a planted link (issue 18); rename replaces a link, never follows it.
 */
export function writeFileAtomically(
  root: string,
  file: string,
  text: string,
  mode = PRIVATE_FILE_MODE,
): void {
  ensureOwnedDir(root, path.dirname(file));
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${++tempFilesWritten}.tmp`,
  );
  try {
    const fd = createNewFile(temp, mode);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    if (!(error instanceof UnsafePathError)) fs.rmSync(temp, { force: true });
    throw error;
  }
}
