import type { Locator, Page } from '@playwright/test';
import { drag } from './support/pointer';
import { expect, screenshot, test } from './support/switchyard';

/** The box of `locator`'s element, which must be on the page. */
async function boxOf(locator: Locator) {
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  return box!;
}

/** Scrolls the board as far right as it goes and returns how far that was. */
function scrollBoardRight(page: Page): Promise<number> {
  return page.locator('.app-main').evaluate((main) => {
    main.scrollLeft = main.scrollWidth;
    return main.scrollLeft;
  });
}

/**
 * docs/architecture.md §7 at narrow windows (QA, 683–1,024 px; 1,440 px for comparison): the six
 * columns keep their 176 px minimum, so below ~1,140 px the board scrolls sideways. Each lane's
 * box must still hold all its columns, and its name must stay on screen however far the board is
 * scrolled, or a card at the right has no lane.
 */
for (const width of [1440, 1024, 700]) {
  test(`at ${width} px every lane keeps its box over its columns and its name on screen`, async ({
    page,
    openBoard,
  }) => {
    const app = await openBoard();
    const stuck = await app.createTask('Renew the certificate', { assignee: 'alice', status: 'blocked' });
    await app.createTask('Write the weekly summary', { assignee: 'bob', status: 'done' });
    await page.setViewportSize({ width, height: 700 });
    const lane = page.getByTestId('lane-alice');
    await expect(lane.getByTestId(`card-${stuck.id}`)).toBeVisible();

    // The lane's box runs from its first column to its last, under the column heads.
    const [laneBox, first, last, head] = [
      await boxOf(lane),
      await boxOf(page.getByTestId('cell-alice-triage')),
      await boxOf(page.getByTestId('cell-alice-done')),
      await boxOf(page.getByTestId('column-done')),
    ];
    expect(laneBox.x).toBeLessThanOrEqual(first.x);
    expect(laneBox.x + laneBox.width).toBeGreaterThanOrEqual(last.x + last.width);
    expect(Math.abs(head.x - last.x)).toBeLessThanOrEqual(1);

    // Every filter is on screen, not past the window's right edge.
    const filters = page.getByRole('search').locator('input, select, label');
    for (const filter of await filters.all()) {
      const box = await boxOf(filter);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    await screenshot(page, `narrow-board-${width}`);

    // Scrolled all the way right: the name and the lane's controls are still on screen. A wide
    // window has nothing to scroll.
    const scrolled = await scrollBoardRight(page);
    if (width >= 1440) expect(scrolled).toBe(0);
    else expect(scrolled).toBeGreaterThan(0);
    for (const name of ['alice', 'bob']) {
      const row = page.getByTestId(`lane-${name}`);
      const label = await boxOf(row.locator('.lane-name'));
      expect(label.x).toBeGreaterThanOrEqual(0);
      expect(label.x + label.width).toBeLessThanOrEqual(width);
      const pause = await boxOf(row.getByTestId(`lane-pause-${name}`));
      expect(pause.x + pause.width).toBeLessThanOrEqual(width);
      // Still inside its own lane's box.
      const rowBox = await boxOf(row);
      expect(label.x).toBeGreaterThanOrEqual(rowBox.x);
    }
    await screenshot(page, `narrow-board-${width}-scrolled`);

    // Drag and drop still lands where the pointer is on a scrolled board: alice/blocked → bob/done.
    await drag(page, page.getByTestId(`card-${stuck.id}`), page.getByTestId('cell-bob-done'));
    await expect(page.getByTestId('cell-bob-done').getByTestId(`card-${stuck.id}`)).toBeVisible();
    await expect.poll(async () => (await app.task(stuck.id)).assignee).toBe('bob');
    expect((await app.task(stuck.id)).status).toBe('done');
  });
}
