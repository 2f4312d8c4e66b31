import { expect, screenshot, test } from './support/switchyard';

/**
 * Issue 16: recurring tasks are managed from the lane view's dialog against the real core — added,
 * listed with their next run, paused — and each lane shows its next recurring task.
 */
test('add and pause a recurring task from the lane view; the lane shows its next run', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  await app.createTask('Existing work', { assignee: 'people' }); // past the first-run screen
  await page.getByTestId('view-lanes').click();
  await expect(page.getByTestId('lane-view')).toBeVisible();
  await page.getByTestId('open-recurrences').click();
  const dialog = page.getByTestId('recurrences-dialog');
  await expect(dialog).toContainText('None yet on this board.');

  const form = page.getByTestId('recurrence-form');
  await form.getByLabel('Title').fill('Bump dependencies ⬆');
  await form.getByLabel('Lane').fill('Bot');
  await form.getByLabel('Schedule (cron)').fill('0 3 * * *');
  await form.getByLabel('Time zone').fill('UTC');
  await page.getByTestId('recurrence-add').click();

  const stored = async () =>
    JSON.parse(await app.cli(['recur', 'list', '--json'])) as {
      id: string;
      title: string;
      lane: string;
      timeZone: string;
      paused: boolean;
      nextRunAt: number;
    }[];
  await expect.poll(async () => (await stored()).length).toBe(1);
  const [recurrence] = await stored();
  expect(recurrence).toMatchObject({
    title: 'Bump dependencies ⬆',
    lane: 'bot',
    timeZone: 'UTC',
    paused: false,
  });
  expect(new Date(recurrence!.nextRunAt).getUTCHours()).toBe(3);
  const row = page.getByTestId(`recurrence-${recurrence!.id}`);
  await expect(row).toContainText('Bump dependencies ⬆');
  await expect(row).toContainText('next');
  await expect(row).toContainText('skips while the last one is open');
  await screenshot(page, 'recurrences-dialog');

  // A bad schedule is refused by the core with its reason, and nothing is added.
  await form.getByLabel('Title').fill('Broken');
  await form.getByLabel('Schedule (cron)').fill('61 * * * *');
  await page.getByTestId('recurrence-add').click();
  await expect(page.getByText(/schedule "61 \* \* \* \*"/)).toBeVisible();
  expect(await stored()).toHaveLength(1);

  await page.getByTestId(`recurrence-pause-${recurrence!.id}`).click();
  await expect.poll(async () => (await stored())[0]?.paused).toBe(true);
  await expect(row).toContainText('paused');
  await page.getByTestId(`recurrence-pause-${recurrence!.id}`).click();
  await expect.poll(async () => (await stored())[0]?.paused).toBe(false);

  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('lane-next-recurrence-bot')).toContainText('next recurring task');
  await screenshot(page, 'lane-view-recurrence');
});
