import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * Log rotation for worker logs (docs/architecture.md §5: rotated at [2 MiB]). Where a POSIX shell,
 * mkfifo and split exist (Linux, macOS) logs rotate by switching files, losing nothing (see "Rotation
 * by switching files" below). Elsewhere — and for workers an older Switchyard started — this
 * copy-truncate fallback applies:
 *
 * The worker holds the log's file descriptor itself (opened O_APPEND and handed to it at spawn, so it
 * keeps writing — and living — if the app dies). Renaming the file would leave the worker writing into
 * the renamed file forever, so rotation is copy-truncate: copy the log to `<log>.1` (older copies shift
 * up to `<log>.<keepFiles>`), then truncate the original to 0 bytes. Thanks to O_APPEND the worker's
 * next write lands at the new end of the file instead of leaving a hole.
 *
 * Race window: bytes the worker writes between our last read of the log and the truncate are lost.
 * The copy runs asynchronously (it may take a while for 2 MiB), so after it we catch up on what was
 * appended meanwhile, repeating while there is a lot, and then read the last small remainder and
 * truncate synchronously, back to back. That shrinks the window to two system calls; closing it fully
 * would need the worker's cooperation (or a pipe through the app, which adoption rules out). A write
 * in progress at the last read (the file's size grows while the kernel copies it in) ends up cut:
 * the copy keeps its first part, the truncate waits for the write and drops the rest, so a copy's
 * last line can be cut short. Nothing is ever duplicated.
 */

/** Below this much unread growth the final catch-up + truncate runs synchronously. */
const SYNC_CATCH_UP_BYTES = 64 * 1024;
/** Asynchronous catch-up rounds before we accept whatever is left and finish synchronously. */
const MAX_CATCH_UP_ROUNDS = 8;
const COPY_CHUNK_BYTES = 256 * 1024;

export const rotatedLogPath = (logPath: string, generation: number): string => `${logPath}.${generation}`;

export interface RotationResult {
  /** How many bytes of the log moved into `<log>.1` (0 when keepFiles is 0: they were dropped). */
  rotatedBytes: number;
  /** Where they went, or null when no copies are kept. */
  rotatedPath: string | null;
}

/**
 * Opens the log for rotation without following a link: a link planted at the log's path (issue 18)
 * must never get some other file truncated. It must be a plain file of ours with one name.
 */
async function openLogNoFollow(logPath: string): Promise<fsp.FileHandle> {
  const handle = await fsp.open(logPath, fs.constants.O_RDWR | (fs.constants.O_NOFOLLOW ?? 0));
  const stats = await handle.stat();
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (!stats.isFile() || stats.nlink > 1 || (uid !== null && stats.uid !== uid)) {
    await handle.close();
    throw new Error(`${logPath} is not a plain log file of ours: not rotating it`);
  }
  return handle;
}

export async function rotateLogCopyTruncate(logPath: string, keepFiles: number): Promise<RotationResult> {
  if (keepFiles < 1) {
    const log = await openLogNoFollow(logPath);
    try {
      const size = (await log.stat()).size;
      await log.truncate(0);
      return { rotatedBytes: size, rotatedPath: null };
    } finally {
      await log.close();
    }
  }
  const log = await openLogNoFollow(logPath);
  await shiftOlderCopies(logPath, keepFiles);
  const firstCopy = rotatedLogPath(logPath, 1);
  // Whatever sits at `.1` now (a link someone planted) is removed, never written through.
  await fsp.rm(firstCopy, { force: true });
  let copy: fsp.FileHandle;
  try {
    const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND } = fs.constants;
    copy = await fsp.open(
      firstCopy,
      O_WRONLY | O_CREAT | O_EXCL | O_APPEND | (fs.constants.O_NOFOLLOW ?? 0),
      0o600,
    );
  } catch (error) {
    await log.close();
    throw error;
  }
  try {
    let copied = 0;
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round += 1) {
      const size = (await log.stat()).size;
      if (size - copied <= SYNC_CATCH_UP_BYTES) break;
      copied += await appendRangeAsync(log, copy, copied, size);
    }
    copied += appendRestAndTruncateSync(log.fd, copy.fd, copied);
    return { rotatedBytes: copied, rotatedPath: firstCopy };
  } finally {
    await Promise.allSettled([log.close(), copy.close()]);
  }
}

/** `<log>.(n-1)` → `<log>.n` down to `.1` → `.2`; the oldest one falls off the end. */
async function shiftOlderCopies(logPath: string, keepFiles: number): Promise<void> {
  for (let generation = keepFiles - 1; generation >= 1; generation -= 1) {
    try {
      await fsp.rename(rotatedLogPath(logPath, generation), rotatedLogPath(logPath, generation + 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

async function appendRangeAsync(
  source: fsp.FileHandle,
  target: fsp.FileHandle,
  from: number,
  to: number,
): Promise<number> {
  const buffer = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, to - from));
  let position = from;
  while (position < to) {
    const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, to - position), position);
    if (bytesRead === 0) break; // truncated under us by someone else
    await target.write(buffer, 0, bytesRead);
    position += bytesRead;
  }
  return position - from;
}

/** The race window (see the header comment) is between the last readSync and ftruncateSync here. */
function appendRestAndTruncateSync(logFd: number, copyFd: number, from: number): number {
  const size = fs.fstatSync(logFd).size;
  let appended = 0;
  if (size > from) {
    const buffer = Buffer.allocUnsafe(size - from);
    const bytesRead = fs.readSync(logFd, buffer, 0, buffer.length, from);
    fs.writeSync(copyFd, buffer, 0, bytesRead);
    appended = bytesRead;
  }
  fs.ftruncateSync(logFd, 0);
  return appended;
}

/*
 * Rotation by switching files (issue 18). Where the waiter runs a log writer (exitStatus.ts), the
 * agent's output goes through a pipe to `split`, which writes it in files of exactly the rotation
 * size — `<run>.chunk.aaaa`, `.aaab` … — closing each before it opens the next. Nobody ever truncates
 * a file someone writes, so no byte is lost. Whoever follows the log (the supervisor, or a later app
 * for a worker it adopted or found ended) renames each new chunk to `<run>.log` as it appears, after
 * moving the finished `<run>.log` to `<run>.log.1` (older copies shift up, the oldest beyond
 * `keepFiles` goes): the names readers know stay the same. split keeps writing into a renamed file,
 * since it holds it open. While no app runs, chunks simply wait under their own names.
 */

/** `<home>/logs/<task>/<run>.log` → `<home>/logs/<task>/<run>.chunk.` (split adds `aaaa`, `aaab` …). */
export function chunkPrefixOf(logPath: string): string {
  return `${logPath.endsWith('.log') ? logPath.slice(0, -'.log'.length) : logPath}.chunk.`;
}

const CHUNK_SUFFIX = /^[a-z]{4}$/;

/** The chunks split has written that are not `<run>.log` yet, oldest first. */
export async function pendingChunks(logPath: string): Promise<string[]> {
  const prefix = chunkPrefixOf(logPath);
  const dir = path.dirname(prefix);
  const start = path.basename(prefix);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.startsWith(start) && CHUNK_SUFFIX.test(name.slice(start.length)))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Makes `chunk` the current `<run>.log`. The log it replaces must be finished (a newer chunk exists,
 * or its writer has ended): with content it becomes `<log>.1` (older copies shift up; kept only while
 * keepFiles allows), empty it is simply replaced. Renames never follow a link planted at the target.
 */
export async function switchToChunk(logPath: string, chunk: string, keepFiles: number): Promise<void> {
  let finished: fs.Stats | undefined;
  try {
    finished = await fsp.lstat(logPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    if (finished?.isFile() && finished.size > 0 && keepFiles >= 1) {
      await shiftOlderCopies(logPath, keepFiles);
      await fsp.rename(logPath, rotatedLogPath(logPath, 1));
    }
    await fsp.rename(chunk, logPath);
  } catch (error) {
    // Moved or removed meanwhile (another follower settled it, the run's folder was deleted).
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** For a worker that ended while nobody followed it: its chunks in place, so `tail` and the board read them. */
export async function settleChunks(logPath: string, keepFiles: number): Promise<void> {
  for (const chunk of await pendingChunks(logPath)) await switchToChunk(logPath, chunk, keepFiles);
}
