import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a worker thread's own bundle (scripts/build-node.mjs: dist/structuredLogThread.cjs,
 * dist/backupThread.cjs) is: beside the bundle this code is in (dist/cli*.mjs), one folder up
 * (dist/electron/main.cjs, dist/bench) or in the repository's dist/ (tests run the sources; their
 * global setup builds dist). In the installed app it is read unpacked (electron-builder.yml
 * asarUnpack): a worker thread cannot start from a file inside app.asar. null: not built.
 */
export function findThreadBundle(name: string): string | null {
  let dir = typeof __dirname !== 'undefined' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    for (const candidate of [path.join(dir, name), path.join(dir, 'dist', name)]) {
      const unpacked = candidate.replace(
        `${path.sep}app.asar${path.sep}`,
        `${path.sep}app.asar.unpacked${path.sep}`,
      );
      if (fs.existsSync(unpacked)) return unpacked;
    }
    dir = path.dirname(dir);
  }
  return null;
}
