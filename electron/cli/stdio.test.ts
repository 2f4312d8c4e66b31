import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeAll } from './stdio';

const text = `[\n  {\n    "body": "line — ü 😀 \\n ${'x'.repeat(5000)}"\n  }\n]\n`;

/** Calls writeAll with fd 1 pointed at a temporary file; returns what the file got. */
type WriteSync = (fd: number, data: string | Uint8Array) => number;

function writtenThroughFd1(
  data: string,
  writeSync?: (write: WriteSync, fd: number, data: string | Uint8Array) => number,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-stdio-'));
  const file = path.join(dir, 'out');
  const fd = fs.openSync(file, 'w');
  const real = fs.writeSync.bind(fs) as WriteSync;
  vi.spyOn(fs, 'writeSync').mockImplementation(((_fd: number, chunk: string | Uint8Array) =>
    writeSync ? writeSync(real, fd, chunk) : real(fd, chunk)) as typeof fs.writeSync);
  try {
    writeAll(1, data);
  } finally {
    vi.restoreAllMocks();
    fs.closeSync(fd);
  }
  const got = fs.readFileSync(file, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return got;
}

describe('writeAll', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands a string to write(2) as it is, without copying it into a Buffer first', () => {
    const from = vi.spyOn(Buffer, 'from');
    const written: (string | Uint8Array)[] = [];
    const got = writtenThroughFd1(text, (write, fd, chunk) => {
      written.push(chunk);
      return write(fd, chunk);
    });
    expect(got).toBe(text);
    expect(from).not.toHaveBeenCalled();
    expect(written).toEqual([text]);
  });

  it('writes the rest as bytes after a short write or a full non-blocking pipe, split characters too', () => {
    const bytes = Buffer.from(text, 'utf8');
    let calls = 0;
    const got = writtenThroughFd1(text, (write, fd, chunk) => {
      calls += 1;
      if (calls === 2)
        throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' });
      // 7 bytes at a time: cuts through the two- and four-byte characters.
      const piece = Buffer.from(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk).subarray(
        0,
        7,
      );
      return write(fd, piece);
    });
    expect(got).toBe(text);
    expect(calls).toBeGreaterThan(bytes.length / 7);
  });
});
