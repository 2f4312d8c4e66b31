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

/**
 * A board of more lanes than its first snapshot carries cards of (issue 17, target 7): the lanes
 * further down are counted at once and load their cards as they come near the screen, and live
 * changes in lanes not loaded yet keep the board right.
 */
test('lanes past the first screen load as they come near; cards leaving them show up', async ({
  page,
  home,
  openBoard,
}) => {
  const lanes = Array.from({ length: 14 }, (_, i) => `lane-${String(i).padStart(2, '0')}`);
  const jobs = lanes.flatMap((lane) =>
    [1, 2, 3].map((n) => ['create', `${lane} card ${n}`, '--assignee', lane, '--status', 'todo']),
  );
  for (let i = 0; i < jobs.length; i += 6) {
    await Promise.all(jobs.slice(i, i + 6).map((args) => cli(home, args)));
  }
  const app = await openBoard();
  await expect(page.getByTestId('column-count-todo')).toHaveText('42');
  await expect(page.getByTestId('lane-lane-13').locator('.lane-counts')).toHaveText('3 tasks');

  // A card of a far lane moves into the first one: it shows up there, the counts follow.
  const far = (await app.list()).find((task) => task.title === 'lane-12 card 1');
  await cli(home, ['assign', far!.id, 'lane-00']);
  await expect(page.getByTestId('cell-lane-00-todo').getByText('lane-12 card 1')).toBeVisible();
  await expect(page.getByTestId('lane-lane-00').locator('.lane-counts').first()).toHaveText('4 tasks');
  await expect(page.getByTestId('lane-lane-12').locator('.lane-counts').first()).toHaveText('2 tasks');

  // Scrolled near, the last lane shows its cards.
  await page.getByTestId('lane-lane-13').scrollIntoViewIfNeeded();
  const last = page.getByTestId('cell-lane-13-todo');
  await expect(last.locator('article.card')).toHaveCount(3);
  await expect(last.getByText('lane-13 card 2')).toBeVisible();
  await screenshot(page, 'big-board-far-lane');
  // A card moved into the lane now that it is loaded shows up there too.
  const first = (await app.list()).find((task) => task.title === 'lane-01 card 1');
  await cli(home, ['assign', first!.id, 'lane-13']);
  await expect(last.getByText('lane-01 card 1')).toBeVisible();
  await expect(page.getByTestId('column-count-todo')).toHaveText('42');
});

/** At 1200 px the six columns fit: no sideways scrolling, and every lane's count is on screen. */
test('a 1200 px window shows the whole board width with the lane counts', async ({
  page,
  home,
  openBoard,
}) => {
  await cli(home, [
    'create',
    'a card with a title long enough to wrap twice',
    '--assignee',
    'wide',
    '--status',
    'todo',
  ]);
  await openBoard();
  await page.setViewportSize({ width: 1200, height: 800 });
  const count = page.getByTestId('lane-wide').locator('.lane-counts');
  await expect(count).toHaveText('1 task');
  const main = await page.locator('.app-main').evaluate((element) => ({
    scrollWidth: element.scrollWidth,
    clientWidth: element.clientWidth,
  }));
  expect(main.scrollWidth).toBeLessThanOrEqual(main.clientWidth);
  const box = await count.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(1200);
  await screenshot(page, 'board-1200');
});
