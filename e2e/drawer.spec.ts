import { expect, screenshot, test } from './support/switchyard';

interface ShownTask {
  task: { title: string; status: string; priority: number; blockReason: string | null };
  parents: { id: string }[];
  comments: { body: string }[];
  events: { kind: string }[];
}

/**
 * docs/architecture.md §7 drawer: edit, comment, link a parent, block from the drawer — each lands in the database
 * and on the card. Then the toolbar's search filter narrows the board.
 */
test('the drawer edits, comments, links and blocks; the search filter narrows the board', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  const parent = await app.createTask('Design the schema', { assignee: 'alice' });
  const child = await app.createTask('Write the migration', { assignee: 'alice' });
  const card = page.getByTestId(`card-${child.id}`);
  await expect(card).toBeVisible();

  await card.click();
  const drawer = page.getByTestId('drawer');
  await expect(drawer.getByTestId('drawer-status')).toHaveText('ready');

  // Edit title and priority.
  await drawer.getByLabel('Title').fill('Write the v2 migration');
  await drawer.getByLabel('Priority').fill('3');
  await drawer.getByTestId('edit-save').click();
  await expect(card.locator('.card-title')).toHaveText('Write the v2 migration');
  await expect(card.locator('.card-priority')).toHaveText('P3');

  // Comment.
  await drawer.getByLabel('New comment').fill('Keep the old columns until v3.');
  await drawer.getByTestId('comment-submit').click();
  await expect(drawer.getByTestId('drawer-comments')).toContainText('Keep the old columns until v3.');

  // Link a parent: the child waits for it in todo, and the card counts its parents.
  await drawer.getByTestId('link-id').fill(parent.id);
  await drawer.getByTestId('add-parent').click();
  await expect(drawer.getByTestId('drawer-dependencies')).toContainText(parent.id);
  await expect(page.getByTestId('cell-alice-todo').getByTestId(`card-${child.id}`)).toBeVisible();
  await expect(page.getByTestId(`deps-${child.id}`)).toHaveText('deps 0/1');

  let shown = await app.cli(['show', child.id, '--json']).then((text) => JSON.parse(text) as ShownTask);
  expect(shown.task).toMatchObject({ title: 'Write the v2 migration', priority: 3, status: 'todo' });
  expect(shown.parents.map((p) => p.id)).toEqual([parent.id]);
  expect(shown.comments.map((c) => c.body)).toEqual(['Keep the old columns until v3.']);
  await expect(drawer.getByTestId('drawer-events')).toContainText('commented');
  await screenshot(page, 'drawer');

  // Block with a reason from the actions.
  await drawer.getByTestId('action-block').click();
  await drawer.getByTestId('action-text').fill('waiting for the DBA review');
  await drawer.getByTestId('action-submit').click();
  await expect(drawer.getByTestId('drawer-status')).toHaveText('blocked');
  await expect(page.getByTestId('cell-alice-blocked').getByTestId(`card-${child.id}`)).toContainText(
    'waiting for the DBA review',
  );
  shown = await app.cli(['show', child.id, '--json']).then((text) => JSON.parse(text) as ShownTask);
  expect(shown.task).toMatchObject({ status: 'blocked', blockReason: 'waiting for the DBA review' });
  await drawer.getByTestId('drawer-close').click();
  await expect(drawer).toHaveCount(0);

  // Search narrows the board to matching cards; clearing brings the rest back.
  await page.getByTestId('search').fill('schema');
  await expect(card).toHaveCount(0);
  await expect(page.getByTestId(`card-${parent.id}`)).toBeVisible();
  await page.getByTestId('filter-status').selectOption('blocked');
  await expect(page.getByText('No card matches the filter.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(card).toBeVisible();
  await expect(page.getByTestId(`card-${parent.id}`)).toBeVisible();
});
