import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Waits until the file system's clock is past the last change (mtime, ctime) of each of `targets`
 * that exists, so that a change made next moves their timestamps. Where timestamps are coarse — one
 * kernel tick, 1-4 ms: ext4 or tmpfs before Linux 6.13, as on the CI machine they may be — a change
 * in the same tick as the one before leaves them as they were. The config caches cover that with the
 * real clock (a folder or file changed just now is never trusted); tests that give them a clock far
 * ahead, to see the trusted path, turn that off and call this before each change instead.
 */
export function nextTimestampTick(...targets: string[]): void {
  const changes = targets.flatMap((target) => {
    try {
      const stat = fs.statSync(target);
      return [stat.mtimeMs, stat.ctimeMs];
    } catch {
      return [];
    }
  });
  const last = Math.max(0, ...changes);
  const probe = path.join(os.tmpdir(), `switchyard-clock-probe-${process.pid}`);
  try {
    do fs.writeFileSync(probe, '');
    while (fs.statSync(probe).mtimeMs <= last);
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
