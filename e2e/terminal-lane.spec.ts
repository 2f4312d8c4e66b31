import { expect, screenshot, test } from './support/switchyard';

/**
 * docs/architecture.md §3 terminal lanes: a task created in the UI for an assignee with no profile is never spawned;
 * the card says so, and a separate `switchyard claim` / `complete` moves it on screen.
 */
test('a task created in the dialog on a terminal lane waits for claim, then follows claim and complete', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();

  // An empty home opens on the first-run screen; its New task button works from there too.
  await expect(page.getByTestId('first-run')).toBeVisible();
  await screenshot(page, 'first-run');
  await page.getByTestId('new-task').click();
  const form = page.getByTestId('create-task-form');
  await form.getByLabel('Title').fill('Review the release notes');
  // A lane nobody uses yet: "New lane…" in the picker, with the note that it is a terminal lane.
  await form.getByTestId('create-lane').selectOption({ label: 'New lane…' });
  await form.getByTestId('create-new-lane').fill('Alice');
  await expect(form.getByTestId('new-lane-note')).toContainText('new terminal lane');
  await screenshot(page, 'create-task');
  await page.getByTestId('create-task-submit').click();
  await expect(form).toHaveCount(0);

  const [created] = await app.list();
  expect(created).toMatchObject({ title: 'Review the release notes', assignee: 'alice', status: 'ready' });
  const id = created!.id;
  const card = page.getByTestId(`card-${id}`);
  await expect(page.getByTestId('cell-alice-ready').getByTestId(`card-${id}`)).toBeVisible();
  await expect(page.getByTestId('lane-kind-alice')).toHaveText('terminal');

  // The dispatcher (ticking every 100 ms) skips it as a terminal lane — first in the database,
  // then on the card, with the hint on hover.
  await expect.poll(async () => (await app.task(id)).skipReason).toBe('terminal_lane');
  const badge = page.getByTestId(`skip-${id}`);
  await expect(badge).toContainText('terminal lane — waiting for switchyard claim');
  await expect(badge.locator('code')).toHaveText('switchyard claim');
  await expect(page.getByTestId(`lane-hint-${id}`)).toHaveText('no profile named "alice"');
  await expect(badge).toHaveAttribute('title', /no profile named "alice"/);
  expect(await app.task(id)).toMatchObject({ status: 'ready' });
  expect((await app.show(id)).runs).toHaveLength(0);
  await expect(card).toHaveAttribute('data-status', 'ready');

  // Another process claims it: the card follows on screen without a reload. No timed check here (a
  // 1 s one can fail on a slower, loaded machine for no bug): how soon is a bench figure (row 6).
  await app.cli(['claim', id]);
  await expect(page.getByTestId('cell-alice-running').getByTestId(`card-${id}`)).toBeVisible();
  await expect(page.getByTestId(`worker-${id}`)).toContainText('claimed by');
  await expect(badge).toHaveCount(0);
  expect(await app.task(id)).toMatchObject({ status: 'running' });

  await app.cli(['complete', id, '--summary', 'Notes reviewed, two typos fixed']);
  await expect(page.getByTestId('cell-alice-done').getByTestId(`card-${id}`)).toBeVisible();
  await expect(page.getByTestId('column-count-done')).toHaveText('1');
  expect(await app.task(id)).toMatchObject({ status: 'done', result: 'Notes reviewed, two typos fixed' });
});
