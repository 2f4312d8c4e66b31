import { cli, expect, screenshot, test } from './support/switchyard';

/**
 * A board bigger than its snapshot (performance issue 6): the core sends the first cards of each
 * cell and every cell's count; the rest comes on "show more", and the search filter asks the core,
 * so it finds cards the board has not loaded.
 */
test('a long cell shows its first cards and pages the rest in; the filter finds cards not loaded', async ({
  page,
  home,
  openBoard,
}) => {
  const titles = Array.from({ length: 30 }, (_, i) => `bulk task ${String(i).padStart(2, '0')}`);
  for (let i = 0; i < titles.length; i += 6) {
    await Promise.all(
      titles.slice(i, i + 6).map((title) => cli(home, ['create', title, '--assignee', 'bulk'])),
    );
  }
  // Created last, so last in the cell's order (same priority, newest): never in the snapshot.
  await cli(home, ['create', 'the needle', '--assignee', 'bulk']);

  const app = await openBoard();
  const cell = page.getByTestId('cell-bulk-ready');
  await expect(cell.locator('article.card')).toHaveCount(12);
  await expect(page.getByTestId('column-count-ready')).toHaveText('31');
  await expect(page.getByTestId('lane-bulk').locator('.lane-counts')).toHaveText('31 tasks');
  await expect(cell.locator('.cell-more')).toHaveText('Show 19 more of 19');
  await expect(cell.getByText('the needle')).toHaveCount(0);

  // The filter reaches the whole board.
  await page.getByTestId('search').fill('needle');
  await expect(cell.locator('article.card')).toHaveCount(1);
  await expect(cell.getByText('the needle')).toBeVisible();
  await screenshot(page, 'big-board-search');
  await page.getByTestId('search').fill('');
  await expect(cell.locator('article.card')).toHaveCount(12);

  // Scrolling to the end of the cell pages the rest in, in order (as "show more" does).
  await cell.evaluate((element) => element.scrollTo(0, element.scrollHeight));
  await expect(cell.locator('article.card')).toHaveCount(31);
  await expect(cell.locator('article.card').last()).toContainText('the needle');
  await expect(cell.locator('.cell-more')).toHaveCount(0);

  // A change made elsewhere still reaches a card that was paged in.
  const needle = (await app.list()).find((task) => task.title === 'the needle');
  await cli(home, ['move', needle!.id, 'blocked']);
  await expect(page.getByTestId('cell-bulk-blocked').getByText('the needle')).toBeVisible();
  await expect(page.getByTestId('column-count-ready')).toHaveText('30');
});
