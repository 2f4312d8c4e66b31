import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary, missingElectronLine } from '../scripts/electron-binary.mjs';

/**
 * Smoke test of the desktop app: it starts, shows the board, and the dispatcher switch works
 * through the preload bridge. Needs the Electron binary (skipped where it was not downloaded) and
 * the built app (`npm run build:renderer && npm run build:node && npm run rebuild:electron-sqlite`).
 * Hosted CI sets SWITCHYARD_REQUIRE_ELECTRON=1: there a missing binary fails instead of skipping.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const binary = electronBinary();
const built = ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html'].every(
  (file) => fs.existsSync(path.join(root, file)),
);

const required = process.env.SWITCHYARD_REQUIRE_ELECTRON === '1';

test.describe('desktop app', () => {
  test.skip(binary === null && !required, 'Electron binary not installed — skipped');
  test.skip(!built, 'the app is not built — run `npm run build:renderer && npm run build:node` first');

  test('opens the board window and toggles the dispatcher', async () => {
    if (binary === null) throw new Error(missingElectronLine('test'));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-electron-'));
    const app = await electron.launch({
      executablePath: binary as string,
      args: [root],
      env: { ...process.env, SWITCHYARD_HOME: home, SWITCHYARD_DEV_URL: '' },
    });
    try {
      const page = await app.firstWindow();
      await expect(page.locator('#root')).not.toBeEmpty();
      await page.screenshot({ path: path.join(root, 'e2e', 'screenshots', 'electron-board.png') });

      // The page has the bridge and nothing of Node.
      const globals = await page.evaluate(() => ({
        bridge: typeof window.switchyard,
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      expect(globals).toEqual({ bridge: 'object', require: 'undefined', process: 'undefined' });

      // The toolbar switch goes through the preload bridge to the engine in the main process.
      const toggle = page.getByTestId('dispatcher-toggle');
      await expect(toggle).toBeChecked();
      await toggle.click();
      await expect(toggle).not.toBeChecked();
      const state = await page.evaluate(() => window.switchyard?.call('dispatcherState', {}));
      expect(state).toMatchObject({ ok: true, value: { enabled: false } });
      await toggle.click();
      await expect(toggle).toBeChecked();
      const refused = await page.evaluate(() =>
        window.switchyard?.call('createTask', { board: 'default', title: '' }),
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'validation' } });
    } finally {
      await app.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
