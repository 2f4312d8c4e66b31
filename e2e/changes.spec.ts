import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git } from '../test/helpers/gitRepo';
import { expect, screenshot, test, writeAgentProfile } from './support/switchyard';

/**
 * docs/architecture.md §9 in Chromium against `switchyard serve`: a board on a real git repository, an agent that
 * edits three files and commits in its worktree, the drawer's Changes tab with the multi-file
 * diff, and a merge refused because base changed the same line (base checkout untouched).
 */

test('the Changes tab shows a multi-file diff and a conflicting merge is refused', async ({
  page,
  home,
  openBoard,
}) => {
  test.setTimeout(120_000);
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-e2e-repo-'));
  try {
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'README.md'), '# Shop\n\nA small shop.\n');
    fs.writeFileSync(path.join(repo, 'old-name.txt'), 'kept\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    writeAgentProfile(home, 'coder', 'git-edit.mjs', [
      'src/cart.ts=export function total(items: number[]): number {\\n  return items.reduce((a, b) => a + b, 0);\\n}\\n',
      'src/cart.test.ts=import { total } from "./cart";\\nconsole.log(total([1, 2]));\\n',
      'README.md=# Shop\\n\\nA small shop with a cart.\\n',
    ]);
    const app = await openBoard();
    await app.cli(['boards', 'edit', 'default', '--repo', repo, '--base', 'main']);
    const task = await app.createTask('Add a cart total', { assignee: 'coder' });
    await expect.poll(async () => (await app.task(task.id)).status, { timeout: 60_000 }).toBe('done');

    await page.getByTestId(`card-${task.id}`).click();
    const drawer = page.getByTestId('drawer');
    await drawer.getByTestId('drawer-tab-changes').click();
    const files = drawer.getByTestId('changes-files');
    await expect(files).toContainText('src/cart.ts');
    await expect(files).toContainText('src/cart.test.ts');
    await expect(files).toContainText('README.md');
    await expect(drawer.getByTestId('file-diff')).toHaveCount(3);
    await expect(drawer.locator('.diff-code-insert').first()).toBeVisible();
    await screenshot(page, 'changes-tab');

    // Base edits the same line: the merge is refused with the file named; base is untouched.
    fs.writeFileSync(path.join(repo, 'README.md'), '# Shop\n\nA small shop, now open.\n');
    git(repo, 'commit', '-q', '-am', 'base edits the same line');
    const head = git(repo, 'rev-parse', 'HEAD');
    await drawer.getByTestId('changes-merge').click();
    await expect(page.getByTestId('toast').last()).toContainText('would conflict in README.md');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    await screenshot(page, 'changes-refused-merge');
  } finally {
    fs.rmSync(repo, { recursive: true, force: true });
  }
});
