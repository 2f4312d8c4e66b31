import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git, makeRepo } from '../test/helpers/gitRepo';
import { expect, screenshot, test, writeAgentProfile } from './support/switchyard';

/**
 * docs/architecture.md §9 review as a state, in Chromium against `switchyard serve` on a real repository: the
 * board's repository set in the settings panel (a bad path refused with one line, nothing saved),
 * two agents' work on the cards (files, +/−, "needs review"), "conflicts with base" appearing when
 * base moves, the toolbar's needs-review filter and count and the lane view's count, a merge from
 * the card menu (the commits on base, the worktree gone, "merged"), a conflicting merge refused, and
 * its review waived from the drawer (asked first; the card leaves the filter, the branch stays).
 */

test('needs review: settings, card chips, filter and counts, merge from the card', async ({
  page,
  home,
  openBoard,
}) => {
  test.setTimeout(150_000);
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-e2e-review-'));
  const repo = makeRepo(parent, 'shop repo', { 'README.md': '# Shop\n\nA small shop.\n' });
  try {
    const plain = path.join(parent, 'not a repository');
    fs.mkdirSync(plain);
    writeAgentProfile(home, 'coder', 'git-edit.mjs', [
      'src/cart.ts=export function total(items: number[]): number {\\n  return items.reduce((a, b) => a + b, 0);\\n}\\n',
      'src/cart.test.ts=import { total } from "./cart";\\nconsole.log(total([1, 2]));\\n',
    ]);
    writeAgentProfile(home, 'writer', 'git-edit.mjs', ['README.md=# Shop\\n\\nA small shop with a blog.\\n']);
    const app = await openBoard();
    const closeSettings = () =>
      page.getByTestId('settings-panel').getByRole('button', { name: 'Close', exact: true }).click();

    // The board's repository, set in the settings panel with the CLI's checks.
    await page.getByTestId('open-settings').click();
    const settings = page.getByTestId('repository-settings');
    await settings.getByTestId('repository-path').fill(plain);
    await settings.getByTestId('repository-save').click();
    await expect(settings.getByTestId('repository-error')).toHaveText(`${plain} is not a git repository`);
    await screenshot(page, 'review-settings-refused');
    await closeSettings();
    await page.getByTestId('open-settings').click();
    await expect(settings.getByTestId('repository-path')).toHaveValue('');
    await settings.getByTestId('repository-path').fill(repo);
    await settings.getByTestId('repository-merge-mode').selectOption('squash');
    await settings.getByTestId('repository-save').click();
    await expect(settings.getByTestId('repository-base')).toHaveValue('main');
    await expect(settings.getByTestId('repository-error')).toHaveCount(0);
    await screenshot(page, 'review-settings');
    await closeSettings();

    const cart = await app.createTask('Add a cart total', { assignee: 'coder' });
    const blog = await app.createTask('Mention the blog', { assignee: 'writer' });
    const plan = await app.createTask('Plan the launch');
    for (const task of [cart, blog]) {
      await expect.poll(async () => (await app.task(task.id)).status, { timeout: 60_000 }).toBe('done');
    }

    // The cards: figures and "needs review", pushed by the core.
    await expect(page.getByTestId(`change-figures-${cart.id}`)).toHaveText('2 files +5 −0');
    await expect(page.getByTestId(`change-figures-${blog.id}`)).toHaveText('1 file +1 −1');
    await expect(page.getByTestId(`needs-review-${cart.id}`)).toBeVisible();
    await expect(page.getByTestId(`needs-review-${blog.id}`)).toBeVisible();

    // Base changes the line the writer changed: the card says so without anyone asking.
    fs.writeFileSync(path.join(repo, 'README.md'), '# Shop\n\nA small shop, now open.\n');
    git(repo, 'commit', '-q', '-am', 'base edits the same line');
    await expect(page.getByTestId(`change-conflicts-${blog.id}`)).toBeVisible({ timeout: 20_000 });

    // The toolbar's filter and count: only the two tasks that wait for a review.
    await expect(page.getByTestId('review-count')).toHaveText('2');
    await page.getByTestId('filter-review').check();
    await expect(page.getByTestId(`card-${cart.id}`)).toBeVisible();
    await expect(page.getByTestId(`card-${blog.id}`)).toBeVisible();
    await expect(page.getByTestId(`card-${plan.id}`)).toHaveCount(0);
    await screenshot(page, 'review-needs-review-filter');

    // The lane view counts them per lane; its chip leads back to the filtered board.
    await page.getByTestId('view-lanes').click();
    await expect(page.getByTestId('lane-status-coder').getByTestId('lane-needs-review')).toHaveText(
      '1 needs review',
    );
    await page.getByTestId('lane-status-writer').getByTestId('lane-needs-review').click();
    await expect(page.getByTestId(`card-${blog.id}`)).toBeVisible();
    await expect(page.getByTestId(`card-${cart.id}`)).toHaveCount(0);
    await page.getByTestId('filter-review').uncheck();
    await page.getByTestId('filter-lane').selectOption('__all__');

    // Merge from the card menu: base gets the work (squashed), the worktree goes, the card says merged.
    const baseBefore = git(repo, 'rev-parse', 'main');
    await page.getByTestId(`move-${cart.id}`).click();
    await page.getByTestId(`card-merge-${cart.id}`).click();
    await expect(page.getByTestId(`change-merged-${cart.id}`)).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId(`needs-review-${cart.id}`)).toHaveCount(0);
    expect(git(repo, 'show', 'main:src/cart.ts')).toContain('export function total');
    expect(git(repo, 'log', '-1', '--format=%s', 'main')).toBe('Add a cart total');
    expect(git(repo, 'rev-parse', 'main^')).toBe(baseBefore);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(fs.existsSync(path.join(home, 'workspaces', cart.id))).toBe(false);
    await expect(page.getByTestId('review-count')).toHaveText('1');

    // The conflicting one is refused from the card too, base untouched.
    const head = git(repo, 'rev-parse', 'main');
    await page.getByTestId(`move-${blog.id}`).click();
    await page.getByTestId(`card-merge-${blog.id}`).click();
    await expect(page.getByTestId('toast').last()).toContainText('would conflict in README.md');
    expect(git(repo, 'rev-parse', 'main')).toBe(head);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    await screenshot(page, 'review-card-chips');

    // Waive its review from the drawer's Changes tab: asked first (what it means), then the card
    // leaves the needs-review filter and the count; the work stays unmerged on its branch.
    await page.getByTestId('filter-review').check();
    await page.getByTestId(`card-${blog.id}`).click();
    const drawer = page.getByTestId('drawer');
    await drawer.getByTestId('drawer-tab-changes').click();
    await drawer.getByTestId('changes-waive').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toContainText('Waive the review of “Mention the blog”?');
    await expect(dialog).toContainText('tasks waiting for its merge go ahead without it');
    await screenshot(page, 'review-waive-confirm');
    await page.getByTestId('confirm-ok').click();
    await expect(page.getByTestId(`card-${blog.id}`)).toHaveCount(0, { timeout: 20_000 });
    await expect(page.getByTestId('review-count')).toHaveText('0');
    expect(git(repo, 'rev-parse', 'main')).toBe(head);
    expect(git(repo, 'branch', '--list', `switchyard/${blog.id}-*`)).toContain(blog.id);
    await screenshot(page, 'review-waived');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
