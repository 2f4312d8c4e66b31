import type { Task } from '../shared/domain';
import { cliJson, expect, screenshot, test } from './support/switchyard';

/**
 * docs/architecture.md §9: a task working in a repository opens on Details with a Changes tab
 * beside it. QA found them drawn as bare buttons (their style came with the Changes tab's sheet,
 * loaded only once that tab opened) and deaf to the arrow keys.
 */
test('the drawer’s Details / Changes switch is a styled tab strip driven by ←/→', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  const task = await cliJson<Task>(app.home, [
    'create',
    'Tidy the changelog',
    '--assignee',
    'alice',
    '--status',
    'todo',
    '--workspace',
    'repo',
  ]);
  await page.getByTestId(`card-${task.id}`).click();
  const drawer = page.getByTestId('drawer');
  const strip = drawer.getByRole('tablist', { name: 'Task views' });
  const details = strip.getByRole('tab', { name: 'Details' });
  const changes = strip.getByRole('tab', { name: 'Changes' });
  await expect(details).toHaveAttribute('aria-selected', 'true');
  await expect(changes).toHaveAttribute('aria-selected', 'false');
  // One Tab stop: the selected tab.
  await expect(details).toHaveAttribute('tabindex', '0');
  await expect(changes).toHaveAttribute('tabindex', '-1');
  await expect(drawer.getByRole('tabpanel', { name: 'Details' })).toBeVisible();

  // Read as tabs before the Changes tab ever loads: no button frame, the selected one underlined
  // in the accent colour, the other not.
  const look = (tab: typeof details) =>
    tab.evaluate((element) => {
      const style = getComputedStyle(element);
      return {
        frame: style.borderTopWidth,
        underline: style.borderBottomWidth,
        underlineColor: style.borderBottomColor,
        color: style.color,
      };
    });
  const [selectedLook, otherLook] = [await look(details), await look(changes)];
  expect(selectedLook.frame).toBe('0px');
  expect(otherLook.frame).toBe('0px');
  expect(selectedLook.underline).toBe('2px');
  expect(selectedLook.underlineColor).toBe(selectedLook.color);
  expect(otherLook.underlineColor).toBe('rgba(0, 0, 0, 0)');
  expect(otherLook.color).not.toBe(selectedLook.color);
  await screenshot(page, 'drawer-tabs');

  // ←/→ move the selection (and the focus), wrapping at the ends.
  await details.focus();
  await page.keyboard.press('ArrowRight');
  await expect(changes).toHaveAttribute('aria-selected', 'true');
  await expect(changes).toBeFocused();
  await expect(drawer.getByRole('tabpanel', { name: 'Changes' })).toBeVisible();
  await expect(drawer.getByRole('tabpanel', { name: 'Details' })).toHaveCount(0);
  await page.keyboard.press('ArrowRight');
  await expect(details).toHaveAttribute('aria-selected', 'true');
  await expect(details).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(changes).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(details).toHaveAttribute('aria-selected', 'true');
  await expect(drawer.getByRole('tabpanel', { name: 'Details' })).toBeVisible();
});
