import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * .github/workflows/ci.yml cannot run here (no Electron download, no hosted runners): it is checked
 * against GitHub's workflow schema with @action-validator/cli, and for the jobs it promises
 * (README "What runs where").
 */

const run = promisify(execFile);
const WORKFLOW = path.resolve('.github/workflows/ci.yml');
const VALIDATOR = path.resolve('node_modules/@action-validator/cli/cli.mjs');

async function validate(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [VALIDATOR, file]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the CI workflow', () => {
  const text = fs.readFileSync(WORKFLOW, 'utf8');

  it('validates against the workflow schema', async () => {
    const result = await validate(WORKFLOW);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('is checked by a validator that does reject a broken workflow', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-ci-'));
    try {
      const broken = path.join(dir, 'ci.yml');
      fs.writeFileSync(broken, text.replace('runs-on:', 'runs_on:'));
      const result = await validate(broken);
      expect(result.ok).toBe(false);
      expect(result.output).toContain("Additional property 'runs_on' is not allowed");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tests and packages on Linux (under xvfb), macOS and Windows with the Electron binary', () => {
    expect(text).toMatch(/os: \[ubuntu-latest, macos-latest, windows-latest\]/);
    expect(text).toContain('run: npm ci');
    expect(text).not.toContain('ELECTRON_SKIP_BINARY_DOWNLOAD');
    expect(text).toContain('xvfb-run --auto-servernum npm test');
    expect(text).toContain('run: npm test');
    expect(text).toContain("SWITCHYARD_REQUIRE_ELECTRON: '1'");
    expect(text).toContain('npx playwright test --project=electron');
    expect(text).toContain('run: npm run dist');
    for (const pattern of ['*.AppImage', '*.deb', '*.dmg', '*.exe'])
      expect(text).toContain(`release/${pattern}`);
    expect(text).toContain('if-no-files-found: error');
  });
});
