import fsp from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { pendingChunks, rotateLogCopyTruncate, switchToChunk } from './logRotation';

/**
 * Following a worker's log file for its last output line (docs/architecture.md §7: cards show the last output line)
 * and rotating it when it grows past the limit (docs/architecture.md §5).
 *
 * Cheap by construction, so 40 workers writing at full speed do not block the event loop: one `stat`
 * per poll, and when the file grew, at most the last READ_WINDOW_BYTES of the new bytes are read —
 * never the whole file. A card only needs the last line, so skipping the middle of a burst is fine.
 */

export const MAX_OUTPUT_LINE_CHARS = 500;
/** Upper bound of bytes read per poll; older new bytes in the same burst are skipped. */
const READ_WINDOW_BYTES = 64 * 1024;
/** An unterminated line (no newline yet) is kept up to this length. */
const MAX_PENDING_CHARS = 8 * 1024;

// Terminal control sequences agents print for colours, cursor movement and window titles.
const ANSI_SEQUENCE =
  // eslint-disable-next-line no-control-regex -- matching ESC sequences is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex -- remaining control characters are not printable
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * One raw line as a card shows it: ANSI escapes stripped, a carriage-return progress line reduced to
 * what the terminal would show last, trimmed, at most MAX_OUTPUT_LINE_CHARS characters.
 */
export function cleanOutputLine(raw: string): string {
  const segments = raw.replace(ANSI_SEQUENCE, '').split('\r');
  for (let index = segments.length - 1; index >= 0; index -= 1) {
    const visible = (segments[index] ?? '').replace(/\t/g, ' ').replace(CONTROL_CHARACTERS, '').trim();
    if (visible) return visible.slice(0, MAX_OUTPUT_LINE_CHARS);
  }
  return '';
}

/** The last non-empty cleaned line of `text`, scanning from the end; null when every line is blank. */
export function lastNonEmptyLine(text: string): string | null {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = cleanOutputLine(text.slice(start, end));
    if (line) return line;
    end = start - 1;
  }
  return null;
}

/**
 * Keeps the last non-empty line of a text stream fed in pieces. A line still being written (no
 * newline yet) counts as the last line once it has visible text.
 */
export class LastLineTracker {
  private pending = '';
  private lastCompleteLine: string | null = null;

  push(text: string): void {
    const combined = this.pending + text;
    const lastNewline = combined.lastIndexOf('\n');
    if (lastNewline >= 0) {
      this.lastCompleteLine = lastNonEmptyLine(combined.slice(0, lastNewline)) ?? this.lastCompleteLine;
      this.pending = combined.slice(lastNewline + 1);
    } else {
      this.pending = combined;
    }
    if (this.pending.length > MAX_PENDING_CHARS) this.pending = shortenPendingLine(this.pending);
  }

  /** Bytes were skipped: whatever partial line we held no longer continues with the next piece. */
  breakLine(): void {
    this.pending = '';
  }

  get lastLine(): string | null {
    return cleanOutputLine(this.pending) || this.lastCompleteLine;
  }
}

/** A progress bar redraws with `\r`: keep the latest redraw; otherwise keep the line's beginning. */
function shortenPendingLine(pending: string): string {
  const lastCarriageReturn = pending.lastIndexOf('\r');
  const kept = lastCarriageReturn >= 0 ? pending.slice(lastCarriageReturn) : pending;
  return kept.slice(0, MAX_PENDING_CHARS);
}

export interface LogFollowerOptions {
  path: string;
  /**
   * Bytes of the file that are not this worker's output (a fresh spawn appending to an existing file
   * passes its size at spawn time). An adopted worker passes 0: its last line is in the file already.
   */
  startOffset: number;
  /** Rotate when the file reaches this size; null never rotates. */
  rotateBytes: number | null;
  keepFiles: number;
  /**
   * Issue 18: the worker's log writer switches files itself (`<run>.chunk.*`, logRotation.ts); each
   * new chunk becomes `<run>.log` here, and nothing is ever truncated.
   */
  chunked?: boolean;
  now: () => number;
  /** Called after a poll that changed the last line or the byte count. */
  onChange: () => void;
  /** Called when reading or rotating fails (once per distinct message, not every poll). */
  onError: (error: Error) => void;
  /**
   * docs/architecture.md §10 structured runs: every piece of text the worker wrote, in order, each read once (the
   * last-line tracker alone skips to the last window of a large write).
   */
  onText?: (text: string) => void;
}

export class LogFollower {
  /** Bytes the worker has written to this log since we started following (rotations included). */
  outputBytes = 0;
  lastOutputAt: number | null = null;
  private readonly tracker = new LastLineTracker();
  private decoder = new StringDecoder('utf8');
  /** For onText: its own decoder, since the last-line tracker's restarts at skipped windows. */
  private readonly textDecoder = new StringDecoder('utf8');
  private offset: number;
  /**
   * One read buffer per follower, made on the first read and reused: a new 64 KB buffer per poll
   * (40 workers × 10 polls a second) was memory outside the heap that only a GC gave back, and the
   * collector was the largest item in the event loop's long gaps of the 40-worker bench (issue 17,
   * target 5). Reads of one follower never overlap (one poll at a time), and the bytes are decoded
   * into a string before the next read.
   */
  private readBuffer: Buffer | null = null;
  private inFlight: Promise<void> | null = null;
  private lastErrorMessage: string | null = null;

  constructor(private readonly options: LogFollowerOptions) {
    this.offset = options.startOffset;
  }

  get lastLine(): string | null {
    return this.tracker.lastLine;
  }

  /**
   * Reads what was appended since the last poll (and rotates if due). Overlapping calls share one
   * run, so a slow disk cannot pile up reads.
   */
  poll(): Promise<void> {
    this.inFlight ??= this.pollOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Waits for a running poll, then reads once more: everything written so far is seen. */
  async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    await this.poll();
  }

  private async pollOnce(): Promise<void> {
    const lineBefore = this.lastLine;
    const bytesBefore = this.outputBytes;
    try {
      await this.readNewBytes();
      if (this.options.chunked) await this.switchChunks();
      else await this.rotateIfDue();
      this.lastErrorMessage = null;
    } catch (error) {
      this.reportError(error);
    }
    if (this.lastLine !== lineBefore || this.outputBytes !== bytesBefore) this.options.onChange();
  }

  private async readNewBytes(): Promise<void> {
    const size = await this.currentSize();
    if (size === null) return;
    if (size < this.offset) {
      // Truncated by someone other than us: start over at the top of the file.
      this.offset = 0;
      this.tracker.breakLine();
    }
    if (size > this.offset) await this.consumeRange(this.options.path, this.offset, size);
    this.offset = size;
  }

  /** Feeds bytes [from, to) of `file` to the tracker, skipping all but the last window. */
  private async consumeRange(file: string, from: number, to: number): Promise<void> {
    this.outputBytes += to - from;
    this.lastOutputAt = this.options.now();
    const { onText } = this.options;
    if (onText) {
      // Every byte is read for the parser anyway: the last line comes from the same text, not from
      // a second read of the file's end.
      await this.feedAll(file, from, to, (text) => {
        onText(text);
        this.tracker.push(text);
      });
      return;
    }
    let start = from;
    if (to - from > READ_WINDOW_BYTES) {
      start = to - READ_WINDOW_BYTES;
      this.tracker.breakLine();
      this.decoder = new StringDecoder('utf8');
    }
    const handle = await fsp.open(file, 'r');
    try {
      const buffer = this.windowBuffer();
      const { bytesRead } = await handle.read(buffer, 0, to - start, start);
      const bytes = buffer.subarray(0, bytesRead);
      if (!this.pushLastLinesOnly(bytes))
        this.tracker.push(this.decoder.write(start === from ? bytes : skipUtf8Continuation(bytes)));
    } finally {
      await handle.close();
    }
  }

  /** Reads [from, to) in windows (never the whole range at once) and hands each on as text. */
  private async feedAll(
    file: string,
    from: number,
    to: number,
    onText: (text: string) => void,
  ): Promise<void> {
    const handle = await fsp.open(file, 'r');
    try {
      const buffer = this.windowBuffer();
      for (let at = from; at < to;) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - at), at);
        if (bytesRead === 0) break;
        onText(this.textDecoder.write(buffer.subarray(0, bytesRead)));
        at += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * Decodes only the end of `bytes` a card can show — from the start of the last complete line with
   * visible text — when that line is indeed not blank once cleaned; false (nothing done) otherwise.
   * Decoding every 64 KB window whole made a string of up to 64 KB per poll per worker (25 MB/s with
   * 40 busy workers), and the young-generation collections it caused were the event loop's longest
   * pauses in the 40-worker bench (issue 17, target 5). The lines before cannot be the last line.
   */
  private pushLastLinesOnly(bytes: Buffer): boolean {
    const cut = lastVisibleLineStart(bytes);
    if (cut <= 0) return false;
    const decoder = new StringDecoder('utf8');
    const text = decoder.write(bytes.subarray(cut));
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0 || lastNonEmptyLine(text.slice(0, lastNewline)) === null) return false;
    // What came before (a partial line of the last poll included) is skipped.
    this.tracker.breakLine();
    this.decoder = decoder;
    this.tracker.push(text);
    return true;
  }

  private windowBuffer(): Buffer {
    this.readBuffer ??= Buffer.allocUnsafe(READ_WINDOW_BYTES);
    return this.readBuffer;
  }

  /**
   * Each chunk that appeared means the current log is finished: read its end, then switch. split
   * starts a new chunk only once the current one holds exactly the rotation size, so the folder is
   * looked at only then — or while the log is still empty (before the first chunk).
   */
  private async switchChunks(): Promise<void> {
    const { rotateBytes } = this.options;
    if (this.offset > 0 && rotateBytes !== null && this.offset < rotateBytes) return;
    const chunks = await pendingChunks(this.options.path);
    for (const chunk of chunks) {
      await this.readNewBytes();
      await switchToChunk(this.options.path, chunk, this.options.keepFiles);
      this.offset = 0;
    }
    if (chunks.length > 0) await this.readNewBytes();
  }

  private async rotateIfDue(): Promise<void> {
    const { rotateBytes, path, keepFiles } = this.options;
    if (rotateBytes === null || this.offset < rotateBytes) return;
    const { rotatedBytes, rotatedPath } = await rotateLogCopyTruncate(path, keepFiles);
    // Bytes appended between our read and the truncate ended up in the copy: read them there.
    if (rotatedPath && rotatedBytes > this.offset) {
      await this.consumeRange(rotatedPath, this.offset, rotatedBytes);
    }
    this.offset = 0;
  }

  private async currentSize(): Promise<number | null> {
    try {
      return (await fsp.stat(this.options.path)).size;
    } catch (error) {
      // No log (yet, or deleted by the user): nothing to show, and nothing worth an error.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private reportError(error: unknown): void {
    const wrapped = error instanceof Error ? error : new Error(String(error));
    if (wrapped.message === this.lastErrorMessage) return;
    this.lastErrorMessage = wrapped.message;
    this.options.onError(
      new Error(`following the log ${this.options.path} failed: ${wrapped.message}`, { cause: wrapped }),
    );
  }
}

const NEWLINE = 0x0a;

/**
 * Where the last complete line with a visible byte starts in `bytes` (anything after it, an
 * unfinished line, is kept too): 0 when there is none or it is the first line. Escape sequences
 * count as visible here; the caller checks the decoded line.
 */
function lastVisibleLineStart(bytes: Buffer): number {
  let end = bytes.lastIndexOf(NEWLINE);
  while (end > 0) {
    const start = bytes.lastIndexOf(NEWLINE, end - 1) + 1;
    for (let index = start; index < end; index += 1) {
      const byte = bytes[index] as number;
      if (byte > 0x20 && byte !== 0x7f) return start;
    }
    end = start - 1;
  }
  return 0;
}

/** A window that starts mid-character would decode to a replacement character; start at the next one. */
function skipUtf8Continuation(bytes: Uint8Array): Uint8Array {
  let index = 0;
  while (index < bytes.length && index < 4 && ((bytes[index] ?? 0) & 0xc0) === 0x80) index += 1;
  return bytes.subarray(index);
}
