import type { Task } from '../shared/domain';
import { cli, cliJson, expect, screenshot, test, writeGatedAgentProfile } from './support/switchyard';

/**
 * The toolbar's running count, against `switchyard serve` with two boards: a board with nothing
 * running said "1/4 running" while a worker ran on another board. Now it says what runs on the
 * board shown, and the dispatcher's count of every board against its global limit (SPEC §3: the
 * limit is one for the whole dispatcher), each named; that figure is of workers, so a terminal's
 * claim runs here without filling it.
 */
test('the toolbar says what runs on the board shown and in all boards', async ({ page, home, openBoard }) => {
  const agent = writeGatedAgentProfile(home, 'builder');
  await cli(home, ['boards', 'create', 'web']);
  await openBoard();
  const task = await cliJson<Task>(home, [
    'create',
    'Build the changelog',
    '--assignee',
    'builder',
    '--board',
    'web',
  ]);
  const counts = page.getByTestId('dispatcher-counts');

  // Default shows nothing running here, one running in all boards.
  await expect(counts).toHaveText('0 running here · 1/4 workers in all boards · 0 ready');
  await screenshot(page, 'toolbar-running-other-board');

  await page.getByTestId('board-select').selectOption('web');
  await expect(page.getByTestId(`worker-${task.id}`)).toBeVisible();
  await expect(counts).toHaveText('1 running here · 1/4 workers in all boards · 0 ready');
  await screenshot(page, 'toolbar-running-this-board');

  // When the worker is done, both figures go back to nothing.
  agent.finish();
  await expect(counts).toHaveText('0 running here · 0/4 workers in all boards · 0 ready');

  // A terminal's claim runs on the board shown but takes none of the dispatcher's worker slots.
  const desk = await cliJson<Task>(home, [
    'create',
    'Review by hand',
    '--assignee',
    'desk',
    '--board',
    'web',
  ]);
  await cli(home, ['claim', desk.id]);
  await expect(counts).toHaveText('1 running here · 0/4 workers in all boards · 0 ready');
  await screenshot(page, 'toolbar-running-terminal-claim');
});
