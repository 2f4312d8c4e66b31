import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSmallJsonFile, readSmallTextFile } from './jsonFile';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, contents: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-jsonfile-'));
  dirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, contents);
  return file;
}

describe('reading a small file within its cap', () => {
  it('reads a file whole, at the cap exactly, and refuses one byte more', () => {
    expect(readSmallJsonFile(tempFile('a.json', '{"a":1}'), 7)).toEqual({ kind: 'ok', value: { a: 1 } });
    expect(readSmallTextFile(tempFile('b.txt', '\uFEFFhé'), 6)).toEqual({ text: 'hé' });
    expect(readSmallTextFile(tempFile('c.txt', 'x'.repeat(9)), 8)).toEqual({
      problem: expect.stringMatching(/^larger than .* KiB, ignored$/),
    });
  });

  it('reads a file whose size fstat does not know (a /proc file reports 0 bytes)', () => {
    // The buffer is sized by fstat and grows as the file turns out longer, up to the cap.
    const read = readSmallTextFile('/proc/self/status', 64 * 1024);
    expect(read).toMatchObject({ text: expect.stringContaining('VmRSS:') });
    expect(readSmallTextFile('/proc/self/status', 16)).toEqual({
      problem: expect.stringMatching(/^larger than .* KiB, ignored$/),
    });
  });
});
