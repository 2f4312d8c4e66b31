import { cli, expect, screenshot, test } from './support/switchyard';

/**
 * The toolbar's "N ready" is of the board shown, against `switchyard serve`: an empty Default board
 * said "1 ready" while another board had one ready task (the dispatcher's own count is of every
 * board; it stays the tray's figure).
 */
test('the toolbar counts the ready tasks of the board shown', async ({ page, home, openBoard }) => {
  await cli(home, ['boards', 'create', 'web']);
  await cli(home, ['create', 'Plan the launch', '--board', 'web']);
  const app = await openBoard();
  const counts = page.getByTestId('dispatcher-counts');
  await expect(counts).toHaveText(/ in all boards · 0 ready$/);
  await screenshot(page, 'toolbar-ready-default');

  // Live, per board: one more on web, one on Default.
  await app.cli(['create', 'Write the post', '--board', 'web']);
  await app.cli(['create', 'Fix the footer']);
  await expect(counts).toHaveText(/ in all boards · 1 ready$/);
  await page.getByTestId('board-select').selectOption('web');
  await expect(counts).toHaveText(/ in all boards · 2 ready$/);
  await page.getByTestId('board-select').selectOption('default');
  await expect(counts).toHaveText(/ in all boards · 1 ready$/);
});
