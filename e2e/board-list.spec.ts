import { expect, test } from './support/switchyard';

/**
 * docs/architecture.md "How a change travels": boards created or archived by another process (the
 * CLI beside the app) reach the open board's picker through the one change path, without a reload.
 */

test('a board the CLI creates or archives shows in the open board picker', async ({ page, openBoard }) => {
  const app = await openBoard(['--no-dispatch']);
  const picker = page.getByTestId('board-select');
  await expect(picker.locator('option[value="web"]')).toHaveCount(0);

  await app.cli(['boards', 'create', 'web', '--name', 'Web shop']);
  await expect(picker.locator('option[value="web"]')).toHaveText('Web shop (web)');
  // Still the board that was open: the new one is offered, not switched to.
  await expect(picker).toHaveValue('default');

  await app.cli(['boards', 'archive', 'web']);
  await expect(picker.locator('option[value="web"]')).toHaveCount(0);
});
