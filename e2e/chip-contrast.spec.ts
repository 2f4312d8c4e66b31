import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { commitFiles, makeRepo } from '../test/helpers/gitRepo';
import { expect, screenshot, test, writeAgentProfile } from './support/switchyard';

/**
 * The status chips' text against their tint (theme.css `--chip-*`), as Chromium computes it, in the
 * dark and the light palette: WCAG AA asks 4.5:1 for text this small.
 */

const CHIP_CLASSES = [
  // The primary button ("New task", Save) paints its text on a fill too.
  'button primary',
  'card-chip card-chip-bad',
  'card-chip card-chip-warn',
  'card-chip card-chip-good',
  'card-chip card-chip-review',
  'chip chip-bad',
  'chip chip-warn',
  'chip chip-good',
];

function luminance([r, g, b]: number[]): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r ?? 0) + 0.7152 * linear(g ?? 0) + 0.0722 * linear(b ?? 0);
}

function contrast(foreground: number[], background: number[]): number {
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** Each chip class's computed text and background colour, on chips added to the live page. */
async function chipColours(page: Page): Promise<{ chip: string; ratio: number }[]> {
  const colours = await page.evaluate((classes) => {
    const host = document.createElement('div');
    document.body.append(host);
    const rgb = (value: string) => (value.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const found = classes.map((className) => {
      const chip = document.createElement('span');
      chip.className = className;
      chip.textContent = 'conflicts with base';
      host.append(chip);
      const style = getComputedStyle(chip);
      const alpha = (style.backgroundColor.match(/\d+(\.\d+)?/g) ?? [])[3];
      return { chip: className, color: rgb(style.color), background: rgb(style.backgroundColor), alpha };
    });
    host.remove();
    return found;
  }, CHIP_CLASSES);
  return colours.map(({ chip, color, background, alpha }) => {
    // Every chip paints its own opaque tint: the ratio is of the two colours alone.
    expect(alpha, `${chip} has a transparent background`).toBeUndefined();
    return { chip, ratio: Math.round(contrast(color, background) * 100) / 100 };
  });
}

test('status chips are readable in both palettes; the conflicts chip on a card', async ({
  page,
  home,
  openBoard,
}) => {
  test.setTimeout(120_000);
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-e2e-repo-'));
  try {
    const repo = makeRepo(parent, 'shop', { 'README.md': '# Shop\n\nA small shop.\n' });
    writeAgentProfile(home, 'coder', 'git-edit.mjs', ['README.md=# Shop\\n\\nA small shop with a cart.\\n']);
    const app = await openBoard();
    await app.cli(['boards', 'edit', 'default', '--repo', repo, '--base', 'main']);
    const task = await app.createTask('Add a cart', { assignee: 'coder' });
    await expect.poll(async () => (await app.task(task.id)).status, { timeout: 60_000 }).toBe('done');
    // Base edits the same line: the task's changes now conflict with it.
    commitFiles(repo, { 'README.md': '# Shop\n\nA small shop, now open.\n' }, 'base edits the same line');

    // The card first (the tracker sees base move within seconds), then the drawer's Changes tab.
    await expect(page.getByTestId(`change-conflicts-${task.id}`)).toBeVisible({ timeout: 30_000 });
    await page.getByTestId(`card-${task.id}`).click();
    const drawer = page.getByTestId('drawer');
    await drawer.getByTestId('drawer-tab-changes').click();
    await expect(drawer.getByTestId('changes-conflicts')).toBeVisible({ timeout: 30_000 });

    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const { chip, ratio } of await chipColours(page))
        expect(ratio, `${chip} in the ${scheme} palette`).toBeGreaterThanOrEqual(4.5);
    }
    await screenshot(page, 'chip-conflicts-drawer');
    await drawer.getByTestId('drawer-close').click();
    await expect(drawer).toHaveCount(0);
    await screenshot(page, 'chip-conflicts-card');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
