import { expect, screenshot, test } from './support/switchyard';

/**
 * The one modal (renderer/src/dialogs/Modal.tsx): Escape closes it and Tab stays inside it, also
 * after a refused submit. The submit button is disabled while its call runs, which drops the focus
 * to the page; Escape and Tab then went to the board behind the dialog, and only a click on
 * Cancel got out.
 */
test('after the core refuses a new task, the dialog keeps the focus: text kept, Escape closes it', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  await page.getByTestId('new-task').click();
  const form = page.getByTestId('create-task-form');
  await form.getByLabel('Title').fill('Paste the whole log');
  // Over the 64 KiB a body may hold: the core refuses it.
  // One line: Chromium's textarea takes seconds to fill with thousands of lines, whoever's page.
  const body = 'x'.repeat(65 * 1024 + 1);
  await form.getByLabel('Description (markdown)').fill(body);
  await form.getByTestId('create-task-submit').click();
  // One plain sentence for a person: the field once, no call name ("createTask: body: body is …").
  await expect(page.getByTestId('toast').locator('.toast-message')).toHaveText('body is larger than 64 KiB');
  await screenshot(page, 'refused-task-toast');

  // Nothing was created and nothing typed is lost.
  expect(await app.list()).toEqual([]);
  await expect(form.getByLabel('Title')).toHaveValue('Paste the whole log');
  await expect(form.getByLabel('Description (markdown)')).toHaveValue(body);
  // The focus is still in the dialog: Tab stays there, Escape closes it.
  expect(await form.evaluate((dialog) => dialog.contains(document.activeElement))).toBe(true);
  await page.keyboard.press('Tab');
  expect(await form.evaluate((dialog) => dialog.contains(document.activeElement))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
});
