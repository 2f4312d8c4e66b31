import fs from 'node:fs';
import path from 'node:path';
import {
  E2E_AGENTS,
  expect,
  setDispatcherSettings,
  test,
  writeAgentProfile,
  writeProfileJson,
} from './support/switchyard';

/**
 * docs/architecture.md §7 drawer, live log tail: a drawer left open while a task is retried shows
 * the new attempt's log from its first line. The tail asked the core for the bytes after the old
 * attempt's offset, so a retry whose log was shorter than the first attempt's showed "No output
 * yet." for good, even with the failing attempt's error in its log.
 */
test('the drawer shows a retried run’s log from its start, numbered as the runs table numbers it', async ({
  page,
  home,
  openBoard,
}) => {
  // Two failures give up, with no backoff between them.
  setDispatcherSettings(home, { failureLimit: 2 });
  // The worker prints `tick N` until the gate exists and exits 0 without reporting: a failure
  // under completion "report". Its second run finds the gate and stops after a line or two.
  const gate = path.join(home, 'flaky.finish');
  writeProfileJson(
    home,
    'flaky',
    JSON.stringify({
      command: [process.execPath, path.join(E2E_AGENTS, 'until-file.mjs'), gate],
      completion: 'report',
    }),
  );
  // Another task's run comes first, so run ids and the task's own run numbers differ.
  writeAgentProfile(home, 'once', 'exit0.mjs');
  await page.clock.install();
  const app = await openBoard();
  const warmUp = await app.createTask('Warm up', { assignee: 'once' });
  await expect.poll(async () => (await app.task(warmUp.id)).status, { timeout: 15_000 }).toBe('done');
  const task = await app.createTask('Flaky build', { assignee: 'flaky' });

  await page.getByTestId(`card-${task.id}`).click();
  const drawer = page.getByTestId('drawer');
  const log = drawer.getByTestId('log-tail');
  // The first run's log grows well past what the second run will print.
  await expect(log).toContainText('tick 12');
  // Stop the page's clock while the second run starts, writes and ends, so its log is whole when
  // the drawer next looks (the drawer seeing it still empty would hide the fault). pauseAt runs
  // the page's clock forward to the time given, a little past where it is by then.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 5_000);
  fs.writeFileSync(gate, 'done\n');
  await expect.poll(async () => (await app.task(task.id)).status, { timeout: 15_000 }).toBe('blocked');
  const runs = (await app.show(task.id)).runs;
  expect(runs).toHaveLength(2);
  await page.clock.resume();

  await expect(drawer.getByTestId('drawer-status')).toHaveText('blocked');
  // The second run's whole log, and none of the first's.
  const secondLog = fs.readFileSync(path.join(home, 'logs', task.id, `${runs[1]!.id}.log`), 'utf8');
  expect(secondLog).toContain('until-file: working until');
  await expect(log).toHaveText(secondLog);
  // Its heading names it as the runs table does: the task's second run, whatever its id.
  expect(runs[1]!.id).not.toBe(2);
  await expect(drawer.getByTestId('drawer-log').locator('h3')).toContainText('run 2');
  await expect(drawer.getByTestId('drawer-runs').locator('tbody tr td').first()).toHaveText('2');
});
