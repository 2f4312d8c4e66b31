import fs from 'node:fs';
import path from 'node:path';
import { DesktopHarness, MAIN_BUNDLE, PRELOAD_BUNDLE } from '../test/desktop-harness/harness';
import { expect, test } from './support/desktop';

/**
 * The harness runs what it is given: a preload bundle broken the way a typo would break it makes the
 * desktop board fail, here and in every desktop spec (issue 19 "Must show"; tried by hand on
 * dist/electron/preload.cjs too). A copy of dist/electron/ — main.cjs as built, preload.cjs with one
 * word changed — sits in the test's output folder inside the repository, so main finds node_modules
 * and takes the preload next to it, as it does in the app.
 */

function brokenCopy(outputDir: string, from: string, to: string): string {
  const dir = path.join(outputDir, 'dist', 'electron');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(MAIN_BUNDLE, path.join(dir, 'main.cjs'));
  const preload = fs.readFileSync(PRELOAD_BUNDLE, 'utf8');
  const broken = preload.replace(from, to);
  expect(broken).not.toBe(preload);
  fs.writeFileSync(path.join(dir, 'preload.cjs'), broken);
  return path.join(dir, 'main.cjs');
}

test('a misspelled IPC channel in the preload leaves the board unable to load', async ({
  home,
}, testInfo) => {
  const mainBundle = brokenCopy(testInfo.outputPath('app'), '"switchyard:call"', '"switchyard:cal"');
  const harness = await DesktopHarness.launch(home, { mainBundle });
  try {
    const app = await harness.start();
    const page = await app.page();
    await expect(page.getByTestId('load-error')).toContainText("No handler registered for 'switchyard:cal'");
    expect(app.record.preloads[0]?.path).toBe(path.join(path.dirname(mainBundle), 'preload.cjs'));
  } finally {
    await harness.close();
  }
});

test('a misspelled call name in the preload is missing on the page, and main refuses the misspelling', async ({
  home,
}, testInfo) => {
  const mainBundle = brokenCopy(testInfo.outputPath('app'), 'createTask: true', 'createTsk: true');
  const harness = await DesktopHarness.launch(home, { mainBundle });
  try {
    const app = await harness.start();
    const page = await app.page();
    const answer = await page.evaluate(async () => {
      const calls = window.switchyard?.calls as unknown as Record<
        string,
        (request: unknown) => Promise<unknown>
      >;
      return {
        createTask: typeof calls.createTask,
        misspelled: await calls.createTsk?.({ board: 'default', title: 'Typo' }),
      };
    });
    expect(answer).toEqual({
      createTask: 'undefined',
      misspelled: { ok: false, error: { code: 'validation', message: 'unknown call "createTsk"' } },
    });
  } finally {
    await harness.close();
  }
});
