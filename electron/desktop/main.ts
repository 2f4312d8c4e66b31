import path from 'node:path';
import { app, BrowserWindow, dialog, nativeImage, session } from 'electron';
import { DEFAULT_BOARD } from '../../shared/domain';
import { createApi, type Api } from '../core/api/api';
import { startEngine, type Engine } from '../core/dispatch/engine';
import { bindIpc, type IpcBinding } from './ipc';
import { requireElectronBinding } from './nativeBinding';
import { bindNotifications } from './notifications';
import { createTray, type BoardTray } from './tray';
import {
  createMainWindow,
  installContentSecurityPolicy,
  isAppUrl,
  lockNavigation,
  type RendererSource,
} from './window';

/**
 * The desktop app (docs/architecture.md §7): one instance, the engine with the dispatcher inside the main process,
 * the board window, the tray and notifications. Closing the window keeps the dispatcher running in
 * the tray; quitting asks what to do with running workers.
 */

// Bundled to dist/electron/main.cjs: the app's root is two levels up (or app.asar when packaged).
const appRoot = app.getAppPath();
const devUrl = !app.isPackaged ? process.env.SWITCHYARD_DEV_URL : undefined;
const source: RendererSource = devUrl
  ? { kind: 'dev', url: devUrl }
  : { kind: 'file', indexHtml: path.join(appRoot, 'dist', 'renderer', 'index.html') };
const preload = path.join(__dirname, 'preload.cjs');
const iconPath = path.join(appRoot, 'build', 'icon.png');

let engine: Engine | undefined;
let api: Api | undefined;
let ipc: IpcBinding | undefined;
let tray: BoardTray | undefined;
let window: BrowserWindow | undefined;
let stopNotifications: (() => void) | undefined;
let quitting = false;

function showBoard(taskId?: string | null): void {
  if (!window || window.isDestroyed()) {
    window = createMainWindow({ source, preload, icon: iconPath });
    ipc?.attach(window.webContents);
    window.on('closed', () => (window = undefined));
  }
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  if (taskId) ipc?.openTask(window.webContents, taskId);
}

async function start(): Promise<void> {
  installContentSecurityPolicy(session.defaultSession);
  engine = await startEngine({ dispatch: true, nativeBinding: requireElectronBinding(appRoot) });
  api = createApi(engine);
  ipc = bindIpc({
    api,
    isTrustedUrl: (url) => isAppUrl(url, source),
    afterSnapshot: () => engine?.wake(),
  });
  tray = createTray({
    engine,
    icon: nativeImage.createFromPath(iconPath).resize({ width: 22, height: 22 }),
    onOpenBoard: () => showBoard(),
    onQuit: () => app.quit(),
  });
  stopNotifications = bindNotifications({ api, onClick: (taskId) => showBoard(taskId) });
  showBoard();
  // The window loads in its own process meanwhile: read the board it opens first ahead.
  api.prefetchSnapshot(DEFAULT_BOARD);
}

/** docs/architecture.md §5/§7: quitting with workers running asks whether to stop them or leave them for adoption. */
async function shutDown(): Promise<void> {
  let stopWorkers = false;
  const running = engine?.dispatcherState().workers.length ?? 0;
  if (engine && running > 0) {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      title: 'Switchyard',
      message: `${running} worker${running === 1 ? ' is' : 's are'} still running.`,
      detail:
        'Stop them now, or leave them running? Workers left running keep working and are picked up ' +
        'again the next time Switchyard starts.',
      buttons: ['Leave running', 'Stop workers', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
    });
    if (response === 2) {
      quitting = false;
      return;
    }
    stopWorkers = response === 1;
  }
  stopNotifications?.();
  ipc?.dispose();
  tray?.dispose();
  api?.close();
  try {
    await engine?.close({ stopWorkers });
  } catch (error) {
    console.error('switchyard: closing the engine failed:', error);
  }
  app.exit(0);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the database and the dispatcher: it shows its window instead.
  app.quit();
} else {
  app.on('second-instance', () => showBoard());
  // Every webContents (also ones we did not create) gets the same navigation rules.
  app.on('web-contents-created', (_event, contents) => lockNavigation(contents, source));
  // The dispatcher keeps running in the tray when the window is closed.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => showBoard());
  app.on('before-quit', (event) => {
    if (quitting) return event.preventDefault();
    quitting = true;
    event.preventDefault();
    void shutDown();
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      dialog.showErrorBox('Switchyard cannot start', (error as Error).message ?? String(error));
      app.exit(1);
    });
}
