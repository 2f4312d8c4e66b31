import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from './support/desktop';
import { screenshot, writeGatedAgentProfile } from './support/switchyard';

/**
 * The desktop shell around the board (docs/architecture.md §7, issue 19), through the real main process and preload
 * (test/desktop-harness/): the tray's dispatcher switch and counts, notifications, quitting with
 * workers running, the single instance, and the window's navigation locks.
 */

const LEAVE_RUNNING = 0;
const STOP_WORKERS = 1;
const CANCEL = 2;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the tray’s dispatcher checkbox pauses and resumes real dispatch, and its counts follow', async ({
  home,
  openDesktop,
  db,
}) => {
  const agent = writeGatedAgentProfile(home, 'builder');
  const app = await openDesktop();
  const page = await app.page();
  const toggle = page.getByTestId('dispatcher-toggle');
  await expect(toggle).toBeChecked();
  expect(app.trayMenu().getMenuItemById('dispatcher')?.checked).toBe(true);
  expect(app.trayMenu().getMenuItemById('counts')?.label).toBe('Running 0 · Ready 0');

  // Off from the tray: the board's switch follows, and a ready task is not started.
  app.trayMenu().click('dispatcher');
  await expect(toggle).not.toBeChecked();
  expect(app.trayMenu().getMenuItemById('dispatcher')?.checked).toBe(false);
  expect(app.record.trays[0]?.toolTip).toBe('Switchyard — dispatcher off');
  const task = await db.createTask('Build the changelog', { assignee: 'builder' });
  await expect.poll(async () => (await db.task(task.id)).skipReason).toBe('dispatcher_paused');
  await expect.poll(() => app.trayMenu().getMenuItemById('counts')?.label).toBe('Running 0 · Ready 1');
  expect((await db.show(task.id)).runs).toHaveLength(0);
  await expect(page.getByTestId('cell-builder-ready').getByTestId(`card-${task.id}`)).toBeVisible();
  await screenshot(page, 'desktop-dispatcher-off');

  // On again: the task runs, and the counts say so.
  app.trayMenu().click('dispatcher');
  await expect(toggle).toBeChecked();
  await expect(page.getByTestId('cell-builder-running').getByTestId(`card-${task.id}`)).toBeVisible();
  await expect.poll(() => app.trayMenu().getMenuItemById('counts')?.label).toBe('Running 1 · Ready 0');
  expect(app.record.trays[0]?.toolTip).toBe('Switchyard — Running 1 · Ready 0');
  agent.finish();
  await expect(page.getByTestId('cell-builder-done').getByTestId(`card-${task.id}`)).toBeVisible({
    timeout: 15_000,
  });
  await expect.poll(() => app.trayMenu().getMenuItemById('counts')?.label).toBe('Running 0 · Ready 0');
});

test('a notification click brings the window back and opens the card', async ({ openDesktop, db }) => {
  const app = await openDesktop();
  const window = await app.window();
  const page = await app.page();
  const task = await db.createTask('Answer the support ticket', { assignee: 'alice' });
  await expect(page.getByTestId(`card-${task.id}`)).toBeVisible();
  window.minimize();

  await db.cli(['claim', task.id]);
  await db.cli(['complete', task.id, '--summary', 'Answered']);
  await expect
    .poll(() => app.record.notifications.map((shown) => shown.options.title))
    .toEqual(['Switchyard: Done']);
  const [notification] = app.record.notifications;
  expect(notification?.options.body).toBe('Answer the support ticket');
  await expect(page.getByTestId('drawer')).toHaveCount(0);

  notification!.click();
  const drawer = page.getByTestId('drawer');
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText(task.id);
  await expect(drawer.getByTestId('drawer-status')).toHaveText('done');
  expect(window.isMinimized()).toBe(false);
  expect(window.isFocused()).toBe(true);
  await screenshot(page, 'desktop-notification-card');
});

test('quitting with a worker running asks; Cancel keeps the app, "Stop workers" stops it', async ({
  home,
  openDesktop,
  db,
}) => {
  writeGatedAgentProfile(home, 'builder');
  const app = await openDesktop();
  const page = await app.page();
  const task = await db.createTask('Refactor the parser', { assignee: 'builder' });
  await expect(page.getByTestId('cell-builder-running').getByTestId(`card-${task.id}`)).toBeVisible();
  const pid = (await db.show(task.id)).runs[0]!.pid!;
  expect(alive(pid)).toBe(true);

  // Cancel: nothing happens.
  const asked = app.nextDialog();
  app.trayMenu().click('quit');
  const first = await asked;
  expect(first.options.message).toBe('1 worker is still running.');
  expect(first.options.buttons).toEqual(['Leave running', 'Stop workers', 'Cancel']);
  first.answer(CANCEL);
  await expect(page.getByTestId('cell-builder-running').getByTestId(`card-${task.id}`)).toBeVisible();
  expect(app.app.exited).toBe(false);
  expect(alive(pid)).toBe(true);

  // Stop workers: the worker is ended and its task goes back to ready, then the app exits.
  expect(await app.quitFromTray(STOP_WORKERS)).toBe(0);
  expect(app.record.dialogs).toHaveLength(2);
  await expect.poll(() => alive(pid)).toBe(false);
  const after = await db.show(task.id);
  expect(after.runs[0]?.outcome).toBe('stopped');
  expect(after.task.status).not.toBe('running');
  expect(app.record.windows.every((window) => window.isDestroyed())).toBe(true);
});

test('quitting with "Leave running" keeps the worker, and the next start adopts it', async ({
  home,
  desktop,
  openDesktop,
  db,
}) => {
  // Two starts and a worker whose report is a CLI process of its own: slow on a loaded machine.
  test.slow();
  // An adopted worker's exit code is unknown to the new start: this one reports its result.
  const agent = writeGatedAgentProfile(home, 'builder', { reportComplete: true });
  const app = await openDesktop();
  const page = await app.page();
  const task = await db.createTask('Migrate the settings', { assignee: 'builder' });
  await expect(page.getByTestId('cell-builder-running').getByTestId(`card-${task.id}`)).toBeVisible();
  const pid = (await db.show(task.id)).runs[0]!.pid!;

  expect(await app.quitFromTray(LEAVE_RUNNING)).toBe(0);
  expect(alive(pid)).toBe(true);
  expect((await db.task(task.id)).status).toBe('running');

  // The next start picks the worker up instead of running the task again.
  const next = await desktop.start();
  const nextPage = await next.page();
  await expect(nextPage.getByTestId('cell-builder-running').getByTestId(`card-${task.id}`)).toBeVisible();
  await expect(nextPage.getByTestId(`worker-${task.id}`)).toContainText(`pid ${pid}`);
  await expect
    .poll(async () => (await db.show(task.id)).events.map((event) => event.kind))
    .toContain('adopted');
  await screenshot(nextPage, 'desktop-adopted');
  agent.finish();
  await expect(nextPage.getByTestId('cell-builder-done').getByTestId(`card-${task.id}`)).toBeVisible({
    timeout: 30_000,
  });
  const details = await db.show(task.id);
  expect(details.runs).toHaveLength(1);
  expect(details.runs[0]).toMatchObject({ pid, outcome: 'completed' });
  expect(details.task.result).toBe('until-file: done');
});

test('a second instance quits and focuses the first one’s window', async ({ desktop, openDesktop, db }) => {
  const first = await openDesktop();
  const window = await first.window();
  window.minimize();
  const before = { ...window.calls };

  const second = await desktop.start();
  expect(await second.exited).toBe(0);
  expect(second.app.quitCalls).toBe(1);
  expect(second.record.windows).toHaveLength(0);
  expect(second.record.trays).toHaveLength(0);

  await expect.poll(() => window.calls.restore).toBe(before.restore + 1);
  expect(window.calls.focus).toBe(before.focus + 1);
  expect(window.isMinimized()).toBe(false);
  expect(window.isFocused()).toBe(true);
  // The first instance is still the app.
  const task = await db.createTask('Still here', { assignee: 'alice' });
  await expect((await first.page()).getByTestId(`card-${task.id}`)).toBeVisible();
});

test('a page that navigates away or opens a window is refused; a foreign URL cannot call', async ({
  home,
  openDesktop,
  db,
}) => {
  const app = await openDesktop();
  const page = await app.page();
  const boardUrl = page.url();

  // A web link: refused in the window, handed to the system browser.
  await page.evaluate(() => {
    window.location.href = 'https://example.com/elsewhere';
  });
  await expect.poll(() => app.record.refusedNavigations).toEqual(['https://example.com/elsewhere']);
  expect(app.record.openedExternally).toEqual(['https://example.com/elsewhere']);
  // A local file: refused, and not opened anywhere.
  await page.evaluate(() => {
    window.location.href = 'file:///etc/hostname';
  });
  await expect.poll(() => app.record.refusedNavigations).toContain('file:///etc/hostname');
  expect(app.record.openedExternally).toEqual(['https://example.com/elsewhere']);

  // window.open: the handler says no; the link goes to the system browser, no window stays open.
  await page.evaluate(() => void window.open('https://example.com/popup'));
  await expect
    .poll(() => app.record.windowOpens)
    .toEqual([{ url: 'https://example.com/popup', action: 'deny' }]);
  await expect.poll(() => page.context().pages().length).toBe(1);
  expect(app.record.openedExternally).toContain('https://example.com/popup');

  // The board stayed where it was and still gets its events.
  expect(page.url()).toBe(boardUrl);
  const task = await db.createTask('Still on the board', { assignee: 'alice' });
  await expect(page.getByTestId(`card-${task.id}`)).toBeVisible();

  // And the contract's validation runs in main: a bad request is refused there.
  const invalid = await page.evaluate(() =>
    window.switchyard?.call('createTask', { board: 'default', title: '' }),
  );
  expect(invalid).toMatchObject({ ok: false, error: { code: 'validation' } });

  // ipc.ts checks the sending frame's URL on every call: the same preload in a page at another
  // address (loaded the way main loads pages, so no navigation rule stops it) is refused.
  const foreign = path.join(home, 'foreign.html');
  fs.writeFileSync(foreign, '<!doctype html><title>not the board</title>');
  await app.record.windows[0]!.webContents.loadURL(pathToFileURL(foreign).href);
  expect(page.url()).toBe(pathToFileURL(foreign).href);
  const refused = await page.evaluate(() => window.switchyard?.call('dispatcherState', {}));
  expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
});
