import type { Locator } from '@playwright/test';
import { expect, test, writeAgentProfile } from './support/switchyard';

/** The box of `locator`'s element, which must be on the page. */
async function boxOf(locator: Locator) {
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  return box!;
}

/**
 * docs/architecture.md §7 per-lane status view at common laptop widths: each lane's row holds its
 * own pause button and concurrency field. Its seven columns needed 1,326 px, so at 1,280 px the
 * concurrency field stuck out of its row and off the window's edge, and at 1,024 px the row's box
 * ended at the window while its controls spilled past it.
 */
for (const width of [1280, 1024]) {
  test(`the Lanes view keeps each lane's controls inside its row at ${width} px`, async ({
    page,
    home,
    openBoard,
  }) => {
    writeAgentProfile(home, 'builder', 'exit0.mjs');
    const app = await openBoard();
    await app.createTask('Triage the inbox', { assignee: 'orion-cc' });
    await page.setViewportSize({ width, height: 800 });
    await page.getByTestId('view-lanes').click();

    for (const lane of ['builder', 'orion-cc']) {
      const row = page.getByTestId(`lane-status-${lane}`);
      await expect(row).toBeVisible();
      const pause = row.getByTestId(`lane-status-pause-${lane}`);
      const controls = lane === 'builder' ? [pause, row.getByTestId(`lane-concurrency-${lane}`)] : [pause];
      for (const control of controls) {
        // Reachable (scrolled to if the window is narrow) and inside its row's box.
        await control.scrollIntoViewIfNeeded();
        const [rowBox, box] = [await boxOf(row), await boxOf(control)];
        expect(box.x).toBeGreaterThanOrEqual(rowBox.x);
        expect(box.x + box.width).toBeLessThanOrEqual(rowBox.x + rowBox.width);
        expect(box.x + box.width).toBeLessThanOrEqual(width + 0.5); // sub-pixel layout
      }
    }
    if (width >= 1280) {
      // A laptop's width shows the whole table without scrolling sideways.
      const main = page.locator('.app-main');
      expect(await main.evaluate((element) => element.scrollWidth - element.clientWidth)).toBe(0);
    }
  });
}
