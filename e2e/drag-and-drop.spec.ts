import { drag } from './support/pointer';
import { expect, screenshot, test } from './support/switchyard';

/**
 * docs/architecture.md §2/§7 moves: drag and drop changes status and/or lane; the core agrees (CLI reads the DB);
 * an illegal drop (into running) snaps back with the reason; keyboard and "Move to…" do the same.
 * Lanes here are terminal lanes (no profile), so the dispatcher never starts anything.
 */

test('dragging a card to another column and to another lane moves it in the database', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  const task = await app.createTask('Sort the inbox', { assignee: 'alice', status: 'triage' });
  await app.createTask('Write the weekly summary', { assignee: 'bob', status: 'todo' });
  const id = task.id;
  const card = page.getByTestId(`card-${id}`);
  await expect(page.getByTestId('cell-alice-triage').getByTestId(`card-${id}`)).toBeVisible();

  // Column: triage → todo in the same lane. The overlay follows the pointer during the drag.
  await drag(page, card, page.getByTestId('cell-alice-todo'), {
    beforeDrop: async () => {
      await expect(page.getByTestId(`overlay-${id}`)).toBeVisible();
      await expect(page.getByTestId('cell-alice-todo').locator('.drop-hint')).toHaveText('→ alice · todo');
    },
  });
  await expect(page.getByTestId('cell-alice-todo').getByTestId(`card-${id}`)).toBeVisible();
  await expect(page.getByTestId(`overlay-${id}`)).toHaveCount(0);
  await expect.poll(async () => (await app.task(id)).status).toBe('todo');
  expect((await app.task(id)).assignee).toBe('alice');

  // Lane and column at once: alice/todo → bob/ready.
  await drag(page, card, page.getByTestId('cell-bob-ready'));
  await expect(page.getByTestId('cell-bob-ready').getByTestId(`card-${id}`)).toBeVisible();
  await expect.poll(async () => (await app.task(id)).assignee).toBe('bob');
  expect((await app.task(id)).status).toBe('ready');
  const events = (await app.show(id)).events.map((event) => event.kind);
  expect(events).toEqual(expect.arrayContaining(['moved', 'assigned']));
  await screenshot(page, 'board');
});

test('an illegal drag into running snaps back with the reason and changes nothing', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  const task = await app.createTask('Triage the bug reports', { assignee: 'alice', status: 'todo' });
  const id = task.id;
  const home = page.getByTestId(`cell-alice-todo`);
  await expect(home.getByTestId(`card-${id}`)).toBeVisible();
  const before = await app.show(id);

  await drag(page, page.getByTestId(`card-${id}`), page.getByTestId('cell-alice-running'), {
    beforeDrop: async () => {
      // The cell says before the drop that it will refuse, and why.
      await expect(page.getByTestId('cell-alice-running').locator('.drop-hint.refused')).toContainText(
        'only a claim puts a task in running',
      );
    },
  });
  const toast = page.getByTestId('toast').filter({ hasText: id });
  await expect(toast).toContainText('only a claim puts a task in running');
  await expect(home.getByTestId(`card-${id}`)).toBeVisible();
  await expect(page.getByTestId('cell-alice-running').getByTestId(`card-${id}`)).toHaveCount(0);

  const after = await app.show(id);
  expect(after.task).toMatchObject({ status: 'todo', assignee: 'alice', updatedAt: before.task.updatedAt });
  expect(after.events).toHaveLength(before.events.length);
  expect(after.runs).toHaveLength(0);
});

test('keyboard moves and the "Move to…" menu change status and lane', async ({ page, openBoard }) => {
  const app = await openBoard();
  const task = await app.createTask('Plan the sprint', { assignee: 'alice', status: 'triage' });
  await app.createTask('Fix the flaky test', { assignee: 'bob', status: 'blocked' });
  const id = task.id;
  const card = page.getByTestId(`card-${id}`);
  await expect(page.getByTestId('cell-alice-triage').getByTestId(`card-${id}`)).toBeVisible();

  // Keyboard: space picks the card up, → moves one column, space drops; a screen reader hears it.
  await card.focus();
  await page.keyboard.press('Space');
  await expect(page.locator('[id^="DndLiveRegion"]')).toContainText('Picked up card “Plan the sprint”');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[id^="DndLiveRegion"]')).toContainText('is over lane alice, column todo');
  await page.keyboard.press('Space');
  await expect(page.locator('[id^="DndLiveRegion"]')).toContainText('was dropped on lane alice, column todo');
  await expect(page.getByTestId('cell-alice-todo').getByTestId(`card-${id}`)).toBeVisible();
  await expect.poll(async () => (await app.task(id)).status).toBe('todo');

  // Menu: refused columns are disabled with the reason; the lane list moves it to bob.
  await page.getByTestId(`move-${id}`).click();
  await expect(page.getByTestId('move-to-status-running')).toBeDisabled();
  await expect(page.getByTestId('move-to-status-running')).toHaveAttribute('title', /only a claim/);
  await page.getByTestId('move-to-lane-bob').click();
  await expect(page.getByTestId('cell-bob-todo').getByTestId(`card-${id}`)).toBeVisible();
  await expect.poll(async () => (await app.task(id)).assignee).toBe('bob');
  expect((await app.task(id)).status).toBe('todo');
});

/**
 * The "Move to…" menu with the keyboard alone: Enter on ⋯ opens it with focus on its first
 * move, arrow keys go through the moves, Enter makes one. Focus stayed on ⋯ (the menu was still
 * hidden while being placed when it asked for focus), so Tab left for the next card and the
 * menu's moves were out of a keyboard's reach.
 */
test('the "Move to…" menu works from the keyboard alone', async ({ page, openBoard }) => {
  const app = await openBoard();
  const task = await app.createTask('Plan the sprint', { assignee: 'alice', status: 'triage' });
  await app.createTask('Fix the flaky test', { assignee: 'bob', status: 'blocked' });
  const id = task.id;
  await expect(page.getByTestId('cell-alice-triage').getByTestId(`card-${id}`)).toBeVisible();

  await page.getByTestId(`move-${id}`).focus();
  await page.keyboard.press('Enter');
  const menu = page.getByTestId(`move-menu-${id}`);
  await expect(menu).toBeVisible();
  await expect(page.getByTestId('move-to-status-todo')).toBeFocused();
  // Down skips the refused column (running) and wraps; Up comes back.
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('move-to-status-ready')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('move-to-status-blocked')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('move-to-status-ready')).toBeFocused();
  await page.keyboard.press('End');
  const lastItem = menu.getByRole('menuitem').last();
  await expect(lastItem).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('move-to-status-todo')).toBeFocused();
  // To bob's lane, and Enter moves the card there; the focus follows the card.
  for (let presses = 0; presses < 20; presses += 1) {
    if (await page.getByTestId('move-to-lane-bob').evaluate((item) => item === document.activeElement)) break;
    await page.keyboard.press('ArrowDown');
  }
  await expect(page.getByTestId('move-to-lane-bob')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveCount(0);
  await expect(page.getByTestId('cell-bob-triage').getByTestId(`card-${id}`)).toBeVisible();
  await expect.poll(async () => (await app.task(id)).assignee).toBe('bob');
  await expect(page.getByTestId(`card-${id}`)).toBeFocused();
});
