import fs from 'node:fs';
import path from 'node:path';
import { drag } from './support/pointer';
import {
  expect,
  screenshot,
  test,
  writeAgentProfile,
  writeGatedAgentProfile,
  writeProfileJson,
} from './support/switchyard';

/**
 * What a new user trips over in the first hour (issue 15), on the board in Chromium against
 * `switchyard serve`; each test fails on the board before the fix.
 */

test('the drawer’s live log follows the tail, stops when scrolled up, and jumps to the latest', async ({
  page,
  home,
  openBoard,
}) => {
  const gate = writeGatedAgentProfile(home, 'coder');
  const app = await openBoard();
  const task = await app.createTask('Port the parser', { assignee: 'coder' });
  try {
    await expect(page.getByTestId(`worker-${task.id}`)).toBeVisible();
    await page.getByTestId(`card-${task.id}`).click();
    const log = page.getByTestId('log-tail');
    // More lines than the box shows: following means the last one is in view.
    await expect(log).toContainText('tick 40', { timeout: 20_000 });
    const atBottom = () =>
      log.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight < 8);
    await expect.poll(atBottom).toBe(true);
    await expect(log).toContainText('tick 50', { timeout: 20_000 });
    await expect.poll(atBottom).toBe(true);
    await screenshot(page, 'drawer-live-log');

    // Scrolled up: the reader's place is kept while output goes on.
    await log.evaluate((element) => {
      element.scrollTop = 0;
    });
    await expect(page.getByTestId('log-jump')).toBeVisible();
    const textBefore = await log.textContent();
    await expect.poll(async () => (await log.textContent()) !== textBefore, { timeout: 10_000 }).toBe(true);
    expect(await log.evaluate((element) => element.scrollTop)).toBe(0);

    await page.getByTestId('log-jump').click();
    await expect(page.getByTestId('log-jump')).toHaveCount(0);
    await expect.poll(atBottom).toBe(true);

    // The runs table: pid and elapsed time of the running run, numbered per task.
    const runs = page.getByTestId('drawer-runs');
    await expect(runs.locator('td').first()).toHaveText('1');
    await expect(runs.locator('[data-testid^="run-exit-"]').first()).toHaveText(/^pid \d+$/);
    await expect(runs.locator('[data-testid^="run-took-"]').first()).toHaveText(/^\d+\s*s$|^\d+m/);
    // "Claimed by" says what the claim event says.
    const shown = await app.show(task.id);
    const claimed = (shown.events as { kind: string; payload?: { by?: string } }[]).find(
      (event) => event.kind === 'claimed',
    );
    await expect(page.getByTestId('drawer')).toContainText(`Claimed by${claimed?.payload?.by ?? '?'}`);
  } finally {
    gate.finish();
  }
});

test('the Move to… menu near the bottom of the screen opens inside the viewport, every item clickable', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  for (const lane of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']) {
    await app.createTask(`Work for ${lane}`, { assignee: lane });
  }
  const last = await app.createTask('Last card on the screen', { assignee: 'zed', status: 'triage' });
  const card = page.getByTestId(`card-${last.id}`);
  await card.scrollIntoViewIfNeeded();
  // Put the card at the very bottom of the window.
  await page.setViewportSize({ width: 1440, height: 900 });
  const box = await card.boundingBox();
  expect(box).not.toBeNull();
  await page.getByTestId(`move-${last.id}`).click();
  const menu = page.getByTestId(`move-menu-${last.id}`);
  await expect(menu).toBeVisible();
  const menuBox = await menu.boundingBox();
  const viewport = page.viewportSize() as { width: number; height: number };
  expect(menuBox).not.toBeNull();
  if (menuBox) {
    expect(menuBox.y).toBeGreaterThanOrEqual(0);
    expect(menuBox.y + menuBox.height).toBeLessThanOrEqual(viewport.height);
    expect(menuBox.x + menuBox.width).toBeLessThanOrEqual(viewport.width);
  }
  await screenshot(page, 'move-menu-bottom');
  // The last item (a lane far down the list) is clickable: elementFromPoint finds it, not a cell.
  const lastItem = menu.getByTestId('move-to-lane-alice');
  await lastItem.scrollIntoViewIfNeeded();
  await lastItem.click();
  await expect.poll(async () => (await app.task(last.id)).assignee).toBe('alice');
});

test('a drop onto a profile lane says it starts the agent; the toast’s Undo stops it and moves it back', async ({
  page,
  home,
  openBoard,
}) => {
  const gate = writeGatedAgentProfile(home, 'coder');
  const app = await openBoard();
  try {
    const task = await app.createTask('Fix the flaky test', { assignee: 'alice' });
    await app.createTask('Keep the coder lane on the board', { assignee: 'coder', status: 'triage' });
    const card = page.getByTestId(`card-${task.id}`);
    await expect(card).toBeVisible();
    await drag(page, card, page.getByTestId('cell-coder-ready'), {
      beforeDrop: async () => {
        await expect(page.getByTestId('cell-coder-ready').getByTestId('drop-hint')).toHaveText(
          '→ coder · ready — starts coder now',
        );
      },
    });
    const toast = page.getByTestId('toast').filter({ hasText: 'Fix the flaky test' });
    await expect(toast).toContainText('to coder · ready — coder starts it now');
    await expect.poll(async () => (await app.task(task.id)).status, { timeout: 15_000 }).toBe('running');
    await toast.getByTestId('toast-undo').click();
    await expect
      .poll(async () => {
        const now = await app.task(task.id);
        return `${now.assignee}/${now.status}`;
      })
      .toBe('alice/ready');
    const runs = (await app.show(task.id)).runs;
    expect(runs.at(-1)?.outcome).not.toBeNull(); // the worker was stopped
  } finally {
    gate.finish();
  }
});

test('config problems show as a banner on the board and the Lanes view; descriptions and terminal lanes in the lane view', async ({
  page,
  home,
  openBoard,
}) => {
  fs.writeFileSync(
    path.join(home, 'lanes.json'),
    JSON.stringify({
      lanes: {
        'orion-cc': { kind: 'terminal', description: 'Claude Code in tmux, window 2' },
        typo: { kind: 'terminal', paused: 'yes' },
      },
    }),
  );
  writeProfileJson(
    home,
    'coder',
    JSON.stringify({ command: [process.execPath, '-e', '0'], description: 'Runs the test suite agent' }),
  );
  const app = await openBoard();
  await app.createTask('Review the migration', { assignee: 'orion-cc' });
  await app.createTask('Review the docs', { assignee: 'orion-cc' });
  const banner = page.getByTestId('problems-banner');
  await expect(banner).toContainText('lanes.json');
  await expect(banner).toContainText('paused');
  await page.getByTestId('view-lanes').click();
  await expect(page.getByTestId('problems-banner')).toContainText('lanes.json');
  const terminal = page.getByTestId('lane-status-orion-cc');
  await expect(terminal.getByTestId('lane-description')).toHaveText('Claude Code in tmux, window 2');
  await expect(page.getByTestId('lane-status-coder').getByTestId('lane-description')).toHaveText(
    'Runs the test suite agent',
  );
  // No concurrency for a lane that runs no workers; its ready tasks wait for a claim.
  await expect(page.getByTestId('lane-concurrency-orion-cc')).toHaveCount(0);
  await expect(page.getByTestId('lane-concurrency-coder')).toHaveCount(1);
  await expect(terminal).toContainText('2 waiting for claim');
  await screenshot(page, 'lane-view-problems');
});

test('the create dialog picks the lane from a list, and a new name says it is a new terminal lane', async ({
  page,
  home,
  openBoard,
}) => {
  writeAgentProfile(home, 'reviewer', 'exit0.mjs');
  fs.writeFileSync(
    path.join(home, 'lanes.json'),
    JSON.stringify({ lanes: { 'orion-cc': { kind: 'terminal' } } }),
  );
  const app = await openBoard();
  await app.createTask('Already here', { assignee: 'alice', status: 'triage' });
  await page.getByTestId('new-task').click();
  const form = page.getByTestId('create-task-form');
  await form.getByLabel('Title').fill('Review the login change');
  const picker = form.getByTestId('create-lane');
  const groups = await picker.locator('optgroup').evaluateAll((nodes) =>
    nodes.map((node) => ({
      label: node.getAttribute('label'),
      names: [...node.querySelectorAll('option')].map((option) => option.textContent),
    })),
  );
  expect(groups).toEqual([
    { label: 'Profiles — started by the dispatcher', names: ['reviewer'] },
    { label: 'Terminal lanes — declared, claimed by people', names: ['orion-cc'] },
    { label: 'Other lanes in use', names: ['alice'] },
  ]);
  await picker.selectOption({ label: 'New lane…' });
  await form.getByTestId('create-new-lane').fill('Reviewr');
  await expect(form.getByTestId('new-lane-note')).toContainText('new terminal lane');
  await expect(form.getByTestId('new-lane-note')).toContainText('Did you mean reviewer?');
  await screenshot(page, 'create-lane-picker');
  await form.getByRole('button', { name: 'reviewer' }).click();
  await expect(picker).toHaveValue('reviewer');
  await picker.selectOption({ label: 'New lane…' });
  await form.getByTestId('create-new-lane').fill('orion-c');
  await form.getByTestId('create-task-submit').click();
  await expect(form).toHaveCount(0);
  const created = (await app.list()).find((task) => task.title === 'Review the login change');
  expect(created?.assignee).toBe('orion-c');
  // The card of a lane nobody declared says no profile has that name.
  await expect(page.getByTestId(`lane-hint-${created?.id}`)).toHaveText('no profile named "orion-c"');
});

test('the board is title-first and dense: empty lanes are one line, density is remembered', async ({
  page,
  home,
  openBoard,
}) => {
  writeAgentProfile(home, 'coder', 'exit0.mjs');
  writeProfileJson(home, 'idle', JSON.stringify({ command: [process.execPath, '-e', '0'] }));
  const app = await openBoard();
  const titles = [
    'Refactor the session store',
    'Write the release notes for 0.2',
    'Investigate the memory growth in the tick',
  ];
  for (const title of titles) await app.createTask(title, { assignee: 'alice', status: 'triage' });
  for (let i = 0; i < 6; i++)
    await app.createTask(`Done thing ${i + 1}`, { assignee: 'bob', status: 'done' });
  const blocked = await app.createTask('Waiting on the API key', { assignee: 'bob', status: 'blocked' });
  const card = page.getByTestId(`card-${blocked.id}`);
  await expect(card).toBeVisible();

  // Title first: the title is the card's first line, the id after it.
  const order = await card.evaluate((element) => {
    const title = element.querySelector('.card-title') as HTMLElement;
    const id = element.querySelector('.card-id') as HTMLElement;
    return title.getBoundingClientRect().top < id.getBoundingClientRect().top;
  });
  expect(order).toBe(true);

  // An empty lane (a profile with no tasks) is a one-line header.
  const idle = page.getByTestId('lane-idle');
  await expect(idle).toBeVisible();
  expect((await idle.boundingBox())?.height).toBeLessThan(48);
  await screenshot(page, 'board-comfortable');

  const comfortable = (await page.getByTestId('lane-bob').boundingBox())?.height ?? 0;
  await page.getByTestId('density').selectOption('compact');
  await expect(page.locator('body')).toHaveClass(/density-compact/);
  const compact = (await page.getByTestId('lane-bob').boundingBox())?.height ?? 0;
  expect(compact).toBeLessThan(comfortable * 0.8);
  await screenshot(page, 'board-compact');

  await page.reload();
  await expect(page.getByTestId('loading')).toHaveCount(0);
  await expect(page.getByTestId('density')).toHaveValue('compact');
  await expect(page.locator('body')).toHaveClass(/density-compact/);
});
