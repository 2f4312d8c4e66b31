import { spawn } from 'node:child_process';
import {
  CLI_ENTRY,
  REPO_ROOT,
  childEnv,
  expect,
  screenshot,
  test,
  writeAgentProfile,
} from './support/switchyard';

/**
 * The toolbar says whether tasks are actually started (docs/architecture.md "Is anyone
 * dispatching"): under `switchyard serve --no-dispatch` the stored switch is on but nothing runs,
 * so it says off and why; a `switchyard dispatch --watch` started elsewhere turns it on (elsewhere),
 * and its end turns it off again.
 */
test('under serve --no-dispatch the toolbar says no dispatcher runs, and follows one started elsewhere', async ({
  page,
  home,
  openBoard,
}) => {
  writeAgentProfile(home, 'coder', 'exit0.mjs');
  const app = await openBoard(['--no-dispatch']);
  const task = await app.createTask('Build it', { assignee: 'coder' });
  const label = page.getByTestId('dispatcher-label');
  const toggle = page.getByTestId('dispatcher-toggle');
  await expect(label).toHaveText('Dispatcher off — this server runs with --no-dispatch');
  await expect(toggle).not.toBeChecked();
  await expect(toggle).toBeDisabled();
  await expect(page.getByTestId(`card-${task.id}`)).toBeVisible();
  await screenshot(page, 'no-dispatch-toolbar');
  expect((await app.task(task.id)).status).toBe('ready');

  const watcher = spawn(process.execPath, [CLI_ENTRY, 'dispatch', '--watch'], {
    cwd: REPO_ROOT,
    env: childEnv(home),
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => watcher.once('exit', () => resolve()));
  try {
    await expect(label).toHaveText('Dispatcher on (elsewhere)', { timeout: 15_000 });
    await expect(toggle).toBeChecked();
    await expect(toggle).toBeEnabled();
    await expect.poll(async () => (await app.task(task.id)).status, { timeout: 15_000 }).toBe('done');
  } finally {
    watcher.kill('SIGTERM');
    await exited;
  }
  // It released the lease as it stopped: nobody dispatches any more.
  await expect(label).toHaveText('Dispatcher off — this server runs with --no-dispatch', { timeout: 10_000 });
});
