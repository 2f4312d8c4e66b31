import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./electron-stub'));

import * as electron from './electron-stub';
import { CALL_NAMES, type BoardEvent, type CallResult } from '../shared/contract';
import { createApi, type Api } from '../electron/core/api/api';
import * as commands from '../electron/core/commands/taskCommands';
import { bindIpc, IPC_CHANNELS, type IpcBinding } from '../electron/desktop/ipc';
import { bindNotifications } from '../electron/desktop/notifications';
import { countsLabel, createTray, TRAY_ITEM_IDS } from '../electron/desktop/tray';
import {
  createMainWindow,
  installContentSecurityPolicy,
  isAppUrl,
  lockNavigation,
  safeExternalUrl,
  type RendererSource,
} from '../electron/desktop/window';
import { electronBindingPath, requireElectronBinding } from '../electron/desktop/nativeBinding';
import type { Engine } from '../electron/core/dispatch/engine';
import {
  claudeLikeProfile,
  newEngine,
  tickUntil,
  writeAgentProfile,
  writeFastSettings,
} from './helpers/engine';
import { useTempHomes } from './helpers/home';
import { findTask } from '../electron/core/store/tasks';
import { runsOf } from '../electron/core/store/runs';
import { snapshotDatabase } from './helpers/snapshot';

const newHome = useTempHomes();
const indexHtml = path.resolve('dist/renderer/index.html');
const source: RendererSource = { kind: 'file', indexHtml };
const appUrl = pathToFileURL(indexHtml).href;
const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  electron.shell.openExternal.mockClear();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real engine over a temp home, not dispatching (the tests make the changes themselves). */
function engineAndApi(): { engine: Engine; api: Api } {
  const paths = newHome();
  writeFastSettings(paths);
  const engine = newEngine(paths, false);
  const api = createApi(engine, { logError: () => undefined });
  cleanups.push(() => engine.close({ stopWorkers: true }));
  cleanups.push(() => api.close());
  return { engine, api };
}

describe('the board window', () => {
  it('is created with the secure webPreferences', () => {
    const window = createMainWindow({
      source,
      preload: 'dist/electron/preload.cjs',
    }) as unknown as electron.BrowserWindow;
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(path.isAbsolute(prefs.preload as string)).toBe(true);
    expect(window.loadedUrl).toBe(appUrl);
  });

  it('prevents navigation away from the app and opens only checked web links externally', () => {
    const window = createMainWindow({ source, preload: 'preload.cjs' }) as unknown as electron.BrowserWindow;
    const contents = window.webContents;
    expect(contents.simulateNavigation('https://example.com/docs')).toBe(true);
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/docs');
    expect(contents.simulateNavigation('file:///etc/passwd')).toBe(true);
    expect(contents.simulateNavigation('javascript:alert(1)')).toBe(true);
    expect(contents.simulateNavigation('https://user:pw@example.com/')).toBe(true);
    expect(contents.simulateNavigation('https://example.com/redirected', 'will-redirect')).toBe(true);
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(2);
    expect(contents.simulateNavigation(`${appUrl}#/task/t_12345678`)).toBe(false);
  });

  it('denies window.open, handing http(s) links to the browser', () => {
    const window = createMainWindow({ source, preload: 'preload.cjs' }) as unknown as electron.BrowserWindow;
    expect(window.webContents.simulateWindowOpen('https://example.com/')).toEqual({ action: 'deny' });
    expect(window.webContents.simulateWindowOpen(appUrl)).toEqual({ action: 'deny' });
    expect(window.webContents.simulateWindowOpen('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal.mock.calls).toEqual([['https://example.com/']]);
  });

  it('hands a refused web link to the browser once, though main locks every webContents again', () => {
    const window = createMainWindow({ source, preload: 'preload.cjs' }) as unknown as electron.BrowserWindow;
    // main.ts's app-wide 'web-contents-created' lock reaches the window's own webContents too.
    lockNavigation(window.webContents as never, source);
    expect(window.webContents.simulateNavigation('https://example.com/once')).toBe(true);
    expect(electron.shell.openExternal.mock.calls).toEqual([['https://example.com/once']]);
  });

  it('recognises only its own page', () => {
    expect(isAppUrl(appUrl, source)).toBe(true);
    expect(isAppUrl(pathToFileURL('/tmp/index.html').href, source)).toBe(false);
    expect(isAppUrl('https://evil.example/', source)).toBe(false);
    const dev: RendererSource = { kind: 'dev', url: 'http://localhost:5173/' };
    expect(isAppUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(safeExternalUrl('mailto:a@b.c')).toBeNull();
    expect(safeExternalUrl('https://example.com/x?y=1')).toBe('https://example.com/x?y=1');
  });

  it('adds a strict CSP to responses and refuses permission requests', () => {
    installContentSecurityPolicy(electron.session.defaultSession as never);
    let headers: Record<string, string[]> | undefined;
    electron.session.defaultSession.webRequest.headersListener?.(
      { url: 'http://localhost:5173/', responseHeaders: {} },
      (r) => {
        headers = r.responseHeaders;
      },
    );
    expect(headers?.['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    expect(headers?.['Content-Security-Policy']?.[0]).toContain("object-src 'none'");
    const handler = electron.session.defaultSession.permissionRequestHandler as (
      c: unknown,
      p: string,
      cb: (granted: boolean) => void,
    ) => void;
    const answer = vi.fn();
    handler(null, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
  });
});

describe('IPC binding', () => {
  function bind(): { engine: Engine; ipc: IpcBinding; contents: electron.StubWebContents } {
    const { engine, api } = engineAndApi();
    const ipc = bindIpc({ api, isTrustedUrl: (url) => isAppUrl(url, source) });
    cleanups.push(() => ipc.dispose());
    const contents = new electron.StubWebContents(appUrl);
    ipc.attach(contents as never);
    return { engine, ipc, contents };
  }

  const invoke = (
    contents: electron.StubWebContents,
    frameUrl: string | null,
    name: unknown,
    request: unknown,
  ) =>
    electron.ipcMain.simulateInvoke(IPC_CHANNELS.call, contents, frameUrl, name, request) as Promise<
      CallResult<unknown>
    >;

  it('refuses calls from any other sender with "forbidden" and changes nothing', async () => {
    const { engine, contents } = bind();
    const before = snapshotDatabase(engine.paths.database);
    const request = { board: 'default', title: 'sneaky' };
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', 'about:blank', null]) {
      const result = await invoke(contents, url, 'createTask', request);
      expect(result, String(url)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(snapshotDatabase(engine.paths.database)).toEqual(before);
  });

  it('validates payloads: malformed → "validation" and no database change; valid → done', async () => {
    const { engine, contents } = bind();
    const before = snapshotDatabase(engine.paths.database);
    for (const [name, request] of [
      ['createTask', { board: 'default', title: '' }],
      ['createTask', { board: 'default', title: 'x', status: 'running' }],
      ['createTask', 'a string'],
      ['moveTask', { id: 'not-an-id', status: 'done' }],
      ['noSuchCall', {}],
      [{ toString: null }, {}],
    ] as const) {
      const result = await invoke(contents, appUrl, name, request);
      expect(result, JSON.stringify(name)).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(snapshotDatabase(engine.paths.database)).toEqual(before);
    const created = await invoke(contents, appUrl, 'createTask', { board: 'default', title: 'legit' });
    expect(created).toMatchObject({ ok: true, value: { title: 'legit' } });
  });

  it("releases the engine's first tick once a snapshot answer has gone out, not for other calls", async () => {
    const { api } = engineAndApi();
    const afterSnapshot = vi.fn();
    const ipc = bindIpc({ api, isTrustedUrl: (url) => isAppUrl(url, source), afterSnapshot });
    cleanups.push(() => ipc.dispose());
    const contents = new electron.StubWebContents(appUrl);
    ipc.attach(contents as never);
    await invoke(contents, appUrl, 'listBoards', {});
    await invoke(contents, appUrl, 'snapshot', { board: 'no-such-board' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(afterSnapshot).not.toHaveBeenCalled();
    const snapshot = await invoke(contents, appUrl, 'snapshot', { board: 'default' });
    expect(snapshot).toMatchObject({ ok: true });
    expect(afterSnapshot).not.toHaveBeenCalled(); // only after the reply has been handed over
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(afterSnapshot).toHaveBeenCalledTimes(1);
  });

  it('queues events until the page says it is ready, then streams them', () => {
    const { engine, ipc, contents } = bind();
    engine.setDispatcherEnabled(false);
    ipc.openTask(contents as never, 't_12345678');
    expect(contents.sent).toEqual([]);
    electron.ipcMain.simulateSend(IPC_CHANNELS.ready, contents, 'https://evil.example/');
    expect(contents.sent).toEqual([]);
    electron.ipcMain.simulateSend(IPC_CHANNELS.ready, contents, appUrl);
    expect(contents.sent.map((message) => message.channel)).toEqual([
      IPC_CHANNELS.event,
      IPC_CHANNELS.openTask,
    ]);
    expect(contents.sent[0]?.args[0]).toMatchObject({ type: 'dispatcher', state: { enabled: false } });
    expect(contents.sent[1]?.args).toEqual(['t_12345678']);
    engine.setDispatcherEnabled(true);
    expect(contents.sent.at(-1)?.args[0]).toMatchObject({ type: 'dispatcher', state: { enabled: true } });
    // A reload starts over: not ready, nothing queued from the old page.
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    engine.setDispatcherEnabled(false);
    expect(contents.sent.length).toBe(3);
    contents.simulateDestroy();
    engine.setDispatcherEnabled(true);
  });
});

describe('tray', () => {
  it('toggles the dispatcher from its checkbox and keeps the counts current', () => {
    const { engine } = engineAndApi();
    const onOpenBoard = vi.fn();
    const onQuit = vi.fn();
    const tray = createTray({ engine, icon: 'icon.png', onOpenBoard, onQuit });
    cleanups.push(() => tray.dispose());
    const item = (id: string) => tray.menu().getMenuItemById(id) as unknown as electron.StubMenuItem;
    const menu = () => tray.menu() as unknown as electron.Menu;
    expect(item(TRAY_ITEM_IDS.dispatcher)).toMatchObject({ type: 'checkbox', checked: true });
    expect(item(TRAY_ITEM_IDS.counts).label).toBe('Running 0 · Ready 0');

    menu().simulateClick(TRAY_ITEM_IDS.dispatcher);
    expect(engine.dispatcherState().enabled).toBe(false);
    expect(item(TRAY_ITEM_IDS.dispatcher).checked).toBe(false);
    menu().simulateClick(TRAY_ITEM_IDS.dispatcher);
    expect(engine.dispatcherState().enabled).toBe(true);

    commands.createTask(engine.db, { title: 'a' }, engine.actor);
    commands.createTask(engine.db, { title: 'b' }, engine.actor);
    engine.setDispatcherEnabled(true); // emits a dispatcher state event, as a tick would
    expect(item(TRAY_ITEM_IDS.counts).label).toBe('Running 0 · Ready 2');
    expect(countsLabel({ running: 1, ready: 3, stuck: true })).toBe('Running 1 · Ready 3 · Stuck');

    menu().simulateClick(TRAY_ITEM_IDS.open);
    menu().simulateClick(TRAY_ITEM_IDS.quit);
    expect(onOpenBoard).toHaveBeenCalledTimes(1);
    expect(onQuit).toHaveBeenCalledTimes(1);
  });
  it('pauses and resumes real dispatch: no spawn while off, a spawn once back on', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'coder', 'exit0.mjs');
    const engine = newEngine(paths);
    cleanups.push(() => engine.close({ stopWorkers: true }));
    const tray = createTray({ engine, icon: 'icon.png', onOpenBoard: vi.fn(), onQuit: vi.fn() });
    cleanups.push(() => tray.dispose());
    const menu = () => tray.menu() as unknown as electron.Menu;

    menu().simulateClick(TRAY_ITEM_IDS.dispatcher);
    const task = commands.createTask(engine.db, { title: 'waits', assignee: 'coder' }, engine.actor);
    for (let tick = 0; tick < 5; tick++) engine.runTick();
    expect(findTask(engine.db, task.id)).toMatchObject({ status: 'ready', skipReason: 'dispatcher_paused' });
    expect(runsOf(engine.db, task.id)).toHaveLength(0);

    menu().simulateClick(TRAY_ITEM_IDS.dispatcher);
    await tickUntil(engine, () => findTask(engine.db, task.id)?.status === 'done', 'the task to run');
    expect(runsOf(engine.db, task.id).map((run) => run.outcome)).toEqual(['completed']);
  });
});

describe('tray: budgets (docs/architecture.md §10)', () => {
  it('lists a lane whose daily budget is spent, and a notification says so once', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    // A structured agent reporting $0.002 a run, on a lane allowed $0.001 a day.
    fs.mkdirSync(path.join(paths.profiles, 'claude'), { recursive: true });
    fs.writeFileSync(
      path.join(paths.profiles, 'claude', 'profile.json'),
      JSON.stringify(claudeLikeProfile()),
    );
    fs.writeFileSync(
      paths.lanesFile,
      JSON.stringify({ lanes: { claude: { budget: { usdPerDay: 0.001 } } } }),
    );
    const engine = newEngine(paths);
    cleanups.push(() => engine.close({ stopWorkers: true }));
    const api = createApi(engine, { logError: () => undefined });
    cleanups.push(() => api.close());
    cleanups.push(bindNotifications({ api, onClick: vi.fn() }));
    const tray = createTray({ engine, icon: 'icon.png', onOpenBoard: vi.fn(), onQuit: vi.fn() });
    cleanups.push(() => tray.dispose());
    const budgetItem = () => tray.menu().getMenuItemById(`${TRAY_ITEM_IDS.budget}:claude`);
    const shownBefore = electron.Notification.shown.length;
    expect(budgetItem()).toBeNull();

    const spender = commands.createTask(engine.db, { title: 'spend', assignee: 'claude' }, engine.actor);
    await tickUntil(engine, () => findTask(engine.db, spender.id)?.status === 'done', 'the paid run');
    const waiting = commands.createTask(engine.db, { title: 'waits', assignee: 'claude' }, engine.actor);
    await tickUntil(
      engine,
      () => findTask(engine.db, waiting.id)?.skipReason === 'budget_exhausted',
      'the budget to stop the lane',
    );
    expect(budgetItem()?.label).toBe(
      `Budget spent: claude — ${findTask(engine.db, waiting.id)?.skipDetail ?? ''}`,
    );
    expect(budgetItem()?.label).toMatch(/^Budget spent: claude — spent \$0\.0020 of \$0\.0010 today/);
    expect((electron.Tray.all.at(-1) as electron.Tray).toolTip).toContain('budget spent: claude');
    for (let tick = 0; tick < 3; tick++) engine.runTick();
    const titles = electron.Notification.shown.slice(shownBefore).map((shown) => shown.options.title);
    expect(titles.filter((title) => title === 'Switchyard: Budget exhausted: claude')).toHaveLength(1);
  });
});

describe('notifications', () => {
  it('shows notice events and opens the card on click', () => {
    const { engine, api } = engineAndApi();
    const onClick = vi.fn();
    const stop = bindNotifications({ api, onClick });
    cleanups.push(stop);
    const before = electron.Notification.shown.length;
    // A block is a notice; a create and the state it changes are none.
    const task = commands.createTask(engine.db, { title: 'Deploy', assignee: 'ops' }, engine.actor);
    commands.blockTask(engine.db, task.id, 'needs a key', engine.actor);
    engine.flush();
    const shown = electron.Notification.shown.slice(before);
    expect(shown.map((n) => n.options.title)).toEqual(['Switchyard: Blocked']);
    expect(shown[0]?.options.body).toBe('Deploy: needs a key');
    shown[0]?.simulateClick();
    expect(onClick).toHaveBeenCalledWith(task.id);
  });
});

describe('preload bridge', () => {
  it('exposes the contract calls by name and the event stream, nothing else', async () => {
    await import('../electron/desktop/preload');
    const bridge = electron.contextBridge.exposed.switchyard as Record<string, unknown> & {
      calls: Record<string, (request: unknown) => Promise<unknown>>;
      onEvent(listener: (event: BoardEvent) => void): () => void;
    };
    expect(Object.keys(bridge).sort()).toEqual(['call', 'calls', 'onEvent', 'onOpenTask']);
    expect(Object.keys(bridge.calls).sort()).toEqual([...CALL_NAMES].sort());
    await bridge.calls.createTask!({ board: 'default', title: 'x' });
    expect(electron.ipcRenderer.invoked.at(-1)).toEqual({
      channel: IPC_CHANNELS.call,
      args: ['createTask', { board: 'default', title: 'x' }],
    });
    const received: BoardEvent[] = [];
    const off = bridge.onEvent((event) => received.push(event));
    bridge.onEvent(() => undefined);
    expect(electron.ipcRenderer.sentToMain.filter((m) => m.channel === IPC_CHANNELS.ready)).toHaveLength(1);
    const event: BoardEvent = { type: 'workers', seq: 1, workers: [] };
    electron.ipcRenderer.emit(IPC_CHANNELS.event, {}, event);
    off();
    electron.ipcRenderer.emit(IPC_CHANNELS.event, {}, event);
    expect(received).toEqual([event]);
  });
});

describe('native binding for Electron', () => {
  it('is looked up next to the app (unpacked from asar when packaged) with a clear error when missing', () => {
    expect(electronBindingPath('/opt/Switchyard/resources/app.asar')).toBe(
      '/opt/Switchyard/resources/app.asar.unpacked/dist/native/electron/better_sqlite3.node',
    );
    expect(() => requireElectronBinding('/nowhere', () => false)).toThrow(/npm run rebuild:electron-sqlite/);
    expect(requireElectronBinding('/app', () => true)).toBe('/app/dist/native/electron/better_sqlite3.node');
  });
});
