import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALL_NAMES } from '../shared/contract';
import { MAIN_BUNDLE, PRELOAD_BUNDLE } from '../test/desktop-harness/harness';
import { preloadInitScript } from '../test/desktop-harness/preloadWorld';
import { expect, test } from './support/desktop';
import { drag } from './support/pointer';
import { screenshot, writeGatedAgentProfile } from './support/switchyard';

/**
 * The board as the desktop app shows it (issue 19): the real main process (dist/electron/main.cjs)
 * and the preload bundle as built, through the harness in test/desktop-harness/. Every call below
 * goes page → preload → IPC → ipc.ts → API → engine, and every update comes back the same way.
 */

test('the board loads through the preload bridge, from the URL main computes, with the preload as built', async ({
  openDesktop,
  desktop,
}) => {
  const app = await openDesktop();
  const page = await app.page();
  await expect(page.getByTestId('first-run')).toBeVisible();
  // main.ts: <app root>/dist/renderer/index.html over file://.
  expect(page.url()).toBe(pathToFileURL(path.join(desktop.appRoot, 'dist', 'renderer', 'index.html')).href);

  // The page has the bridge — every call of the contract — and nothing of Node or of the harness.
  const globals = await page.evaluate(() => ({
    bridge: Object.keys(window.switchyard ?? {}).sort(),
    calls: Object.keys(window.switchyard?.calls ?? {}).sort(),
    frozen: Object.isFrozen(window.switchyard),
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    harnessBinding: typeof (window as unknown as Record<string, unknown>).__switchyardHarnessIpc,
  }));
  expect(globals).toEqual({
    bridge: ['call', 'calls', 'onEvent', 'onOpenTask'],
    calls: [...CALL_NAMES].sort(),
    frozen: true,
    require: 'undefined',
    process: 'undefined',
    harnessBinding: 'undefined',
  });

  // The window's preload is main's `webPreferences.preload`: dist/electron/preload.cjs, byte for byte,
  // and the script put on the page holds it verbatim.
  const [preload] = app.record.preloads;
  expect(preload?.path).toBe(PRELOAD_BUNDLE);
  expect(preload?.source).toBe(fs.readFileSync(PRELOAD_BUNDLE, 'utf8'));
  expect(preloadInitScript(preload!.source, preload!.path)).toContain(
    fs.readFileSync(PRELOAD_BUNDLE, 'utf8'),
  );
  expect(app.record.windows[0]?.options.webPreferences).toMatchObject({
    contextIsolation: true,
    sandbox: true,
  });
  expect(fs.existsSync(MAIN_BUNDLE)).toBe(true);

  // The snapshot came over IPC, and the page said it was ready for events.
  const calls = app.record.fromRenderer.filter((message) => message.channel === 'switchyard:call');
  expect(calls.map((message) => message.args[0])).toContain('snapshot');
  expect(app.record.fromRenderer.some((message) => message.channel === 'switchyard:ready')).toBe(true);
  await screenshot(page, 'desktop-first-run');
});

test('a task created in the dialog on a terminal lane waits for claim, then follows claim and complete', async ({
  openDesktop,
  db,
}) => {
  const app = await openDesktop();
  const page = await app.page();
  await page.getByTestId('new-task').click();
  const form = page.getByTestId('create-task-form');
  await form.getByLabel('Title').fill('Review the release notes');
  await form.getByTestId('create-lane').selectOption({ label: 'New lane…' });
  await form.getByTestId('create-new-lane').fill('Alice');
  await page.getByTestId('create-task-submit').click();
  await expect(form).toHaveCount(0);

  const [created] = await db.list();
  expect(created).toMatchObject({ title: 'Review the release notes', assignee: 'alice', status: 'ready' });
  const id = created!.id;
  expect(
    app.record.fromRenderer.some(
      (message) => message.channel === 'switchyard:call' && message.args[0] === 'createTask',
    ),
  ).toBe(true);
  await expect(page.getByTestId('cell-alice-ready').getByTestId(`card-${id}`)).toBeVisible();
  await expect(page.getByTestId('lane-kind-alice')).toHaveText('terminal');
  await expect(page.getByTestId(`skip-${id}`)).toContainText('terminal lane — waiting for switchyard claim');
  expect((await db.show(id)).runs).toHaveLength(0);

  // Another process claims and completes it: the events reach the window through webContents.send.
  await db.cli(['claim', id]);
  await expect(page.getByTestId('cell-alice-running').getByTestId(`card-${id}`)).toBeVisible();
  await db.cli(['complete', id, '--summary', 'Notes reviewed']);
  await expect(page.getByTestId('cell-alice-done').getByTestId(`card-${id}`)).toBeVisible();
  expect(await db.task(id)).toMatchObject({ status: 'done', result: 'Notes reviewed' });
});

test('a task created in the dialog on a profile lane runs in the app’s dispatcher with live output, to done', async ({
  home,
  openDesktop,
  db,
}) => {
  const agent = writeGatedAgentProfile(home, 'builder');
  const app = await openDesktop();
  const page = await app.page();
  await expect(page.getByTestId('lane-kind-builder')).toHaveText('profile');

  await page.getByTestId('new-task').click();
  const form = page.getByTestId('create-task-form');
  await form.getByLabel('Title').fill('Build the changelog');
  await form.getByTestId('create-lane').selectOption('builder');
  await page.getByTestId('create-task-submit').click();
  await expect(form).toHaveCount(0);
  const [created] = await db.list();
  const id = created!.id;

  const running = page.getByTestId('cell-builder-running').getByTestId(`card-${id}`);
  await expect(running).toBeVisible();
  const worker = page.getByTestId(`worker-${id}`);
  const details = await db.show(id);
  expect(details.runs).toHaveLength(1);
  await expect(worker).toContainText(`pid ${details.runs[0]!.pid}`);
  await expect(worker.locator('.card-output')).toHaveText(/^tick \d+$/);
  const first = await worker.locator('.card-output').textContent();
  await expect(worker.locator('.card-output')).not.toHaveText(first ?? '');
  await screenshot(page, 'desktop-running');

  agent.finish();
  await expect(page.getByTestId('cell-builder-done').getByTestId(`card-${id}`)).toBeVisible({
    timeout: 15_000,
  });
  await expect(worker).toHaveCount(0);
  const after = await db.show(id);
  expect(after.runs[0]).toMatchObject({ outcome: 'completed', exitCode: 0 });
});

test('dragging a card across lanes moves it in the database', async ({ openDesktop, db }) => {
  const task = await db.createTask('Sort the inbox', { assignee: 'alice', status: 'triage' });
  await db.createTask('Write the weekly summary', { assignee: 'bob', status: 'todo' });
  const app = await openDesktop();
  const page = await app.page();
  const id = task.id;
  const card = page.getByTestId(`card-${id}`);
  await expect(page.getByTestId('cell-alice-triage').getByTestId(`card-${id}`)).toBeVisible();

  await drag(page, card, page.getByTestId('cell-bob-todo'), {
    beforeDrop: async () => {
      await expect(page.getByTestId(`overlay-${id}`)).toBeVisible();
    },
  });
  await expect(page.getByTestId('cell-bob-todo').getByTestId(`card-${id}`)).toBeVisible();
  await expect.poll(async () => (await db.task(id)).assignee).toBe('bob');
  expect((await db.task(id)).status).toBe('todo');
  const events = (await db.show(id)).events.map((event) => event.kind);
  expect(events).toEqual(expect.arrayContaining(['moved', 'assigned']));
  expect(
    app.record.fromRenderer.some(
      (message) => message.channel === 'switchyard:call' && message.args[0] === 'moveTask',
    ),
  ).toBe(true);
  await screenshot(page, 'desktop-board');
});
