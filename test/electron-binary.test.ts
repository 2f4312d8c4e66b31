import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * `npm run dist` where Electron's binary was not downloaded stops at once with one line saying so
 * (scripts/electron-binary.mjs, shared with `npm start`). Electron's own ELECTRON_OVERRIDE_DIST_PATH
 * points the lookup at an empty folder, so this holds where the binary is installed too (hosted CI).
 */

const run = promisify(execFile);
const CHECK = path.resolve('scripts/electron-binary.mjs');

async function check(script: string, env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CHECK, script], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run dist without the Electron binary', () => {
  it('says so in one line and fails before building anything', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-no-electron-'));
    try {
      const result = await check('dist', { ELECTRON_OVERRIDE_DIST_PATH: empty });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^switchyard: `npm run dist` needs the Electron binary, which is not installed/,
      );
      expect(lines[0]).toContain('node node_modules/electron/install.js');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('is the first step of the dist script', () => {
    const scripts = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
    expect(scripts.dist?.startsWith('node scripts/electron-binary.mjs dist && ')).toBe(true);
  });
});
