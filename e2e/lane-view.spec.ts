import { expect, screenshot, test, writeGatedAgentProfile, writeProfileJson } from './support/switchyard';

/**
 * docs/architecture.md §3 and §7 lane status view: a broken profile says exactly what is wrong (and is never
 * spawned); pausing a lane from the UI stops the dispatcher from starting anything there.
 */
test('the lane view shows broken profiles with their reason, and pausing a lane stops spawns', async ({
  page,
  home,
  openBoard,
}) => {
  writeProfileJson(home, 'garbled', '{ "command": [ "node", ');
  writeProfileJson(
    home,
    'ghost',
    JSON.stringify({ command: ['switchyard-no-such-agent-program', '{prompt}'] }),
  );
  const agent = writeGatedAgentProfile(home, 'worker');
  const app = await openBoard();
  const stranded = await app.createTask('Summarise the design doc', { assignee: 'ghost' });

  await page.getByTestId('view-lanes').click();
  const view = page.getByTestId('lane-view');
  await expect(view).toBeVisible();
  const garbled = page.getByTestId('lane-status-garbled');
  await expect(garbled.locator('.kind-badge')).toHaveText('broken');
  await expect(garbled.getByTestId('lane-problem')).toContainText('profile.json');
  const ghost = page.getByTestId('lane-status-ghost');
  await expect(ghost.locator('.kind-badge')).toHaveText('broken');
  await expect(ghost.getByTestId('lane-problem')).toContainText(
    '`switchyard-no-such-agent-program` not found',
  );
  await expect(ghost).toContainText('1 broken profile');
  await expect(page.getByTestId('lane-status-worker').locator('.kind-badge')).toHaveText('profile');

  // The task of the broken lane is skipped with the problem, never run.
  expect(await app.task(stranded.id)).toMatchObject({ status: 'ready', skipReason: 'profile_broken' });
  expect((await app.show(stranded.id)).runs).toHaveLength(0);

  // Pause the healthy lane from the UI; the core has it paused. The button shows the lane the core
  // answered with (LaneStatusView's update), so once it is pressed the setting is stored: one look,
  // not a poll whose 10 s budget a loaded machine spent on two CLI starts.
  await page.getByTestId('lane-status-pause-worker').click();
  await expect(page.getByTestId('lane-status-pause-worker')).toHaveAttribute('aria-pressed', 'true');
  const { lanes } = JSON.parse(await app.cli(['lanes', '--json'])) as {
    lanes: { name: string; paused: boolean }[];
  };
  expect(lanes).toContainEqual(expect.objectContaining({ name: 'worker', paused: true }));
  await screenshot(page, 'lane-view');

  // A ready task in the paused lane waits with the paused reason, on the board and in the DB.
  const held = await app.createTask('Regenerate the fixtures', { assignee: 'worker' });
  await page.getByRole('button', { name: 'Board', exact: true }).click();
  const badge = page.getByTestId(`skip-${held.id}`);
  await expect(badge).toContainText(/paused/i);
  await expect(page.getByTestId('cell-worker-ready').getByTestId(`card-${held.id}`)).toBeVisible();
  await expect(page.getByTestId('lane-worker').locator('.lane-paused-chip')).toBeVisible();
  const details = await app.show(held.id);
  expect(details.task).toMatchObject({ status: 'ready', skipReason: 'lane_paused' });
  expect(details.runs).toHaveLength(0);
  await expect(page.getByTestId(`skip-${stranded.id}`)).toContainText('not found');
  await screenshot(page, 'board-skip-reasons');

  // Resume from the board's lane header: now it runs.
  await page.getByTestId('lane-pause-worker').click();
  await expect(page.getByTestId('cell-worker-running').getByTestId(`card-${held.id}`)).toBeVisible();
  // Running on the board is the claim, written in one transaction with its run: one look here too.
  expect((await app.show(held.id)).runs).toHaveLength(1);
  agent.finish();
  await expect(page.getByTestId('cell-worker-done').getByTestId(`card-${held.id}`)).toBeVisible();
});
