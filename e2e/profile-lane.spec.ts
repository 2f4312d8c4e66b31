import { expect, screenshot, test, writeGatedAgentProfile } from './support/switchyard';

/**
 * docs/architecture.md §4/§5 on screen: a ready task on a profile lane is claimed and spawned by serve's dispatcher;
 * the card shows the live worker (pid, last output line) and lands in done when it exits 0.
 */
test('a profile lane runs its task: ready → running with a live worker → done', async ({
  page,
  home,
  openBoard,
}) => {
  // The fake agent prints `tick N` every 100 ms until `finish()`, then exits 0.
  const agent = writeGatedAgentProfile(home, 'builder');
  const app = await openBoard();
  await expect(page.getByTestId('lane-kind-builder')).toHaveText('profile');
  await expect(page.getByTestId('lane-capacity-builder')).toHaveText('0/1');

  const task = await app.createTask('Build the changelog', { assignee: 'builder' });
  const id = task.id;

  const running = page.getByTestId('cell-builder-running').getByTestId(`card-${id}`);
  await expect(running).toBeVisible();
  await expect(page.getByTestId('lane-capacity-builder')).toHaveText('1/1');
  const worker = page.getByTestId(`worker-${id}`);
  await expect(worker).toContainText(/pid \d+/);
  await expect(worker.locator('.card-output')).toHaveText(/^tick \d+$/);

  // The pid on the card is the run's pid in the database.
  const details = await app.show(id);
  expect(details.task.status).toBe('running');
  expect(details.runs).toHaveLength(1);
  await expect(worker).toContainText(`pid ${details.runs[0]!.pid}`);
  // The last output line keeps moving while the worker prints.
  const first = await worker.locator('.card-output').textContent();
  await expect(worker.locator('.card-output')).not.toHaveText(first ?? '');
  await screenshot(page, 'board-running');

  // Open the drawer while it runs: live log tail and the run.
  await running.click();
  const drawer = page.getByTestId('drawer');
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId('drawer-status')).toHaveText('running');
  await expect(drawer.getByTestId('log-tail')).toContainText('until-file: working until');
  await expect(drawer.getByTestId('action-stop')).toBeVisible();
  await expect(drawer.getByTestId('drawer-runs')).toContainText('builder');
  await screenshot(page, 'drawer-running');
  await page.keyboard.press('Escape');
  await expect(drawer).toHaveCount(0);

  // The worker exits 0: the card goes to done and the worker line leaves it.
  agent.finish();
  await expect(page.getByTestId('cell-builder-done').getByTestId(`card-${id}`)).toBeVisible({
    timeout: 10_000,
  });
  await expect(worker).toHaveCount(0);
  await expect(page.getByTestId('lane-capacity-builder')).toHaveText('0/1');
  const after = await app.show(id);
  expect(after.task.status).toBe('done');
  expect(after.runs).toHaveLength(1);
  expect(after.runs[0]).toMatchObject({ outcome: 'completed', exitCode: 0 });
});
