import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it, vi } from 'vitest';
import { useProcessSandbox } from '../../../test/helpers/processes';
import {
  cleanOutputLine,
  LastLineTracker,
  lastNonEmptyLine,
  LogFollower,
  MAX_OUTPUT_LINE_CHARS,
} from './logTail';
import { rotateLogCopyTruncate } from './logRotation';

const sandbox = useProcessSandbox('switchyard-logtail-');

/** A follower of `logPath` from its start, without rotation, that fails the test on any error. */
function followLog(
  logPath: string,
  options: Partial<ConstructorParameters<typeof LogFollower>[0]> = {},
): LogFollower {
  return new LogFollower({
    path: logPath,
    startOffset: 0,
    rotateBytes: null,
    keepFiles: 5,
    now: Date.now,
    onChange: () => undefined,
    onError: (error) => {
      throw error;
    },
    ...options,
  });
}

describe('cleanOutputLine', () => {
  it('strips colours, cursor movement and window titles', () => {
    expect(cleanOutputLine('\u001b[1;32m✔ tests passed\u001b[0m')).toBe('✔ tests passed');
    expect(cleanOutputLine('\u001b]0;claude: working\u0007\u001b[2KEditing src/app.ts')).toBe(
      'Editing src/app.ts',
    );
    expect(cleanOutputLine('\u001b[?25lspinner\u001b[?25h')).toBe('spinner');
  });

  it('keeps what a terminal shows last on a carriage-return progress line', () => {
    expect(cleanOutputLine('downloading 10%\rdownloading 55%\r')).toBe('downloading 55%');
    expect(cleanOutputLine('windows line\r')).toBe('windows line');
  });

  it('trims, drops control characters and caps the length', () => {
    expect(cleanOutputLine('  \tindented\u0007  ')).toBe('indented');
    expect(cleanOutputLine('y'.repeat(2_000))).toHaveLength(MAX_OUTPUT_LINE_CHARS);
    expect(cleanOutputLine('\u001b[0m   ')).toBe('');
  });
});

describe('LastLineTracker', () => {
  it('keeps the last non-empty line across pieces split anywhere', () => {
    const tracker = new LastLineTracker();
    expect(tracker.lastLine).toBeNull();
    tracker.push('first li');
    expect(tracker.lastLine).toBe('first li');
    tracker.push('ne\nsecond line\n\n   \n');
    expect(tracker.lastLine).toBe('second line');
    tracker.push('\u001b[31m');
    expect(tracker.lastLine).toBe('second line');
    tracker.push('third\n');
    expect(tracker.lastLine).toBe('third');
  });

  it('forgets a partial line when bytes in between were skipped', () => {
    const tracker = new LastLineTracker();
    tracker.push('done\nhalf a li');
    tracker.breakLine();
    tracker.push('\n');
    expect(tracker.lastLine).toBe('done');
  });

  it('finds the last non-empty line scanning from the end', () => {
    expect(lastNonEmptyLine('a\nb\n\n  \n')).toBe('b');
    expect(lastNonEmptyLine('\n\n')).toBeNull();
  });
});

describe('LogFollower', () => {
  it('reads only what was appended after its start offset, through truncation and rotation', async () => {
    const dir = sandbox.tempDir();
    const logPath = path.join(dir, 'run.log');
    fs.writeFileSync(logPath, 'left over from an earlier run\n');
    let changes = 0;
    const follower = new LogFollower({
      path: logPath,
      startOffset: fs.statSync(logPath).size,
      rotateBytes: 1_000,
      keepFiles: 3,
      now: () => 1234,
      onChange: () => (changes += 1),
      onError: (error) => {
        throw error;
      },
    });
    await follower.poll();
    expect(follower.lastLine).toBeNull();
    expect(changes).toBe(0);

    fs.appendFileSync(logPath, 'hello\nworld\n');
    await follower.poll();
    expect(follower.lastLine).toBe('world');
    expect(follower.outputBytes).toBe(12);
    expect(follower.lastOutputAt).toBe(1234);
    expect(changes).toBe(1);

    await follower.poll();
    expect(changes).toBe(1); // nothing new, no notification

    fs.appendFileSync(logPath, `${'z'.repeat(1_200)}\nafter the limit\n`);
    await follower.poll();
    expect(follower.lastLine).toBe('after the limit');
    expect(fs.statSync(logPath).size).toBe(0);
    expect(fs.readFileSync(`${logPath}.1`, 'utf8')).toContain('after the limit');

    fs.appendFileSync(logPath, 'fresh start\n');
    await follower.flush();
    expect(follower.lastLine).toBe('fresh start');
  });

  it.each([false, true])(
    'reuses one read buffer for every poll, last window or every byte (onText %s; issue 17, target 5)',
    async (everyByte) => {
      const logPath = path.join(sandbox.tempDir(), 'run.log');
      fs.writeFileSync(logPath, '');
      const texts: string[] = [];
      const follower = followLog(logPath, everyByte ? { onText: (text: string) => texts.push(text) } : {});
      const allocations = vi.spyOn(Buffer, 'allocUnsafe');
      const written: string[] = [];
      try {
        for (let round = 0; round < 30; round += 1) {
          // Bursts larger than a read window, and small ones: each poll reads something new.
          const line = `${round % 2 === 0 ? `${'é'.repeat(40_000)}\n` : ''}round ${round} done\n`;
          written.push(line);
          fs.appendFileSync(logPath, line);
          await follower.poll();
          expect(follower.lastLine).toBe(`round ${round} done`);
        }
        expect(allocations.mock.calls.filter(([size]) => size >= 64 * 1024)).toHaveLength(1);
      } finally {
        allocations.mockRestore();
      }
      if (everyByte) expect(texts.join('')).toBe(written.join(''));
    },
  );

  it('decodes only the end of a burst a card shows, and still finds the last visible line (issue 17, target 5)', async () => {
    const logPath = path.join(sandbox.tempDir(), 'run.log');
    fs.writeFileSync(logPath, 'before\npartial li');
    const follower = followLog(logPath);
    await follower.poll();
    expect(follower.lastLine).toBe('partial li');
    const decoded: number[] = [];
    const write = StringDecoder.prototype.write;
    const spy = vi.spyOn(StringDecoder.prototype, 'write').mockImplementation(function (
      this: StringDecoder,
      bytes,
    ) {
      const text = write.call(this, bytes);
      decoded.push(text.length);
      return text;
    });
    try {
      fs.appendFileSync(logPath, `ne\n${'filler line\n'.repeat(3_000)}the last one\n  \n\n`);
      await follower.poll();
      expect(follower.lastLine).toBe('the last one');
      expect(decoded.reduce((sum, length) => sum + length, 0)).toBeLessThan(100);
      fs.appendFileSync(logPath, 'an unfinished li');
      await follower.poll();
      expect(follower.lastLine).toBe('an unfinished li');
      fs.appendFileSync(logPath, 'ne\n');
      await follower.poll();
      expect(follower.lastLine).toBe('an unfinished line');
      // Visible bytes that clean to nothing (colour codes alone): the line before them is the last.
      fs.appendFileSync(logPath, `${'x'.repeat(100)}\nreal text\n\u001b[0m\n\u001b[2K  \n`);
      await follower.poll();
      expect(follower.lastLine).toBe('real text');
    } finally {
      spy.mockRestore();
    }
  });

  it('is quiet about a log that does not exist', async () => {
    const follower = followLog(path.join(sandbox.tempDir(), 'never-written.log'), {
      onChange: () => {
        throw new Error('no change expected');
      },
    });
    await follower.poll();
    expect(follower.lastLine).toBeNull();
  });
});

describe('rotateLogCopyTruncate', () => {
  it('shifts older copies up and drops the oldest beyond keepFiles', async () => {
    const logPath = path.join(sandbox.tempDir(), 'w.log');
    for (const generation of ['one', 'two', 'three']) {
      fs.writeFileSync(logPath, `${generation}\n`);
      const result = await rotateLogCopyTruncate(logPath, 2);
      expect(result).toEqual({ rotatedBytes: generation.length + 1, rotatedPath: `${logPath}.1` });
      expect(fs.statSync(logPath).size).toBe(0);
    }
    expect(fs.readFileSync(`${logPath}.1`, 'utf8')).toBe('three\n');
    expect(fs.readFileSync(`${logPath}.2`, 'utf8')).toBe('two\n');
    expect(fs.existsSync(`${logPath}.3`)).toBe(false);
  });
});
