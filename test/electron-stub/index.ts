import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/**
 * A stand-in for the `electron` module, so main-process code runs under Vitest in plain Node
 * (the Electron binary is not needed). Use it with
 *   vi.mock('electron', () => import('../test/electron-stub'));
 * Objects record what was done to them and offer `emit…`/`simulate…` helpers to drive them.
 */

// ---------------------------------------------------------------------------------------------
// webContents, frames, windows

export class StubWebFrame {
  constructor(
    public url: string,
    public parent: StubWebFrame | null = null,
  ) {}
}

type WindowOpenHandler = (details: {
  url: string;
  frameName: string;
  features: string;
  disposition: string;
}) => {
  action: 'allow' | 'deny';
};

let nextContentsId = 1;

export class StubWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  readonly mainFrame: StubWebFrame;
  windowOpenHandler: WindowOpenHandler | null = null;
  destroyed = false;
  readonly session = session.defaultSession;

  constructor(url = '') {
    super();
    this.mainFrame = new StubWebFrame(url);
  }

  getURL(): string {
    return this.mainFrame.url;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  focus(): void {}
  openDevTools(): void {}

  /** Fires will-navigate like Electron does; returns whether the navigation was prevented. */
  simulateNavigation(url: string, eventName: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) };
    this.emit(eventName, event, url);
    if (!prevented) this.mainFrame.url = url;
    return prevented;
  }
  /** Asks the window-open handler, as `window.open(url)` in the page would. */
  simulateWindowOpen(url: string): { action: 'allow' | 'deny' } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window' });
  }
  simulateDestroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export interface StubWindowOptions {
  webPreferences?: Record<string, unknown>;
  [key: string]: unknown;
}

export class BrowserWindow extends EventEmitter {
  static readonly all: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.all.filter((window) => !window.destroyed);
  }

  readonly webContents = new StubWebContents();
  loadedUrl: string | null = null;
  loadedFile: string | null = null;
  visible = false;
  focused = false;
  minimized = false;
  destroyed = false;

  constructor(readonly options: StubWindowOptions = {}) {
    super();
    BrowserWindow.all.push(this);
  }

  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.mainFrame.url = url;
  }
  async loadFile(file: string): Promise<void> {
    this.loadedFile = file;
    this.webContents.mainFrame.url = `file://${file}`;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroy();
  }
  destroy(): void {
    this.destroyed = true;
    this.webContents.simulateDestroy();
    this.emit('closed');
  }
  setMenuBarVisibility(): void {}
  override once(event: string, listener: (...args: unknown[]) => void): this {
    if (event === 'ready-to-show') queueMicrotask(() => listener());
    return super.once(event, listener);
  }
}

// ---------------------------------------------------------------------------------------------
// IPC

type Handler = (event: unknown, ...args: unknown[]) => unknown;

class StubIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke(channel, ...args)` from `sender`'s frame at `frameUrl` would get. */
  async simulateInvoke(
    channel: string,
    sender: StubWebContents,
    frameUrl: string | null,
    ...args: unknown[]
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const senderFrame = frameUrl === null ? null : new StubWebFrame(frameUrl);
    return handler({ sender, senderFrame, processId: 1, frameId: 1 }, ...args);
  }
  /** What `ipcRenderer.send(channel, ...args)` would do. */
  simulateSend(channel: string, sender: StubWebContents, frameUrl: string | null, ...args: unknown[]): void {
    const senderFrame = frameUrl === null ? null : new StubWebFrame(frameUrl);
    this.emit(channel, { sender, senderFrame, processId: 1, frameId: 1 }, ...args);
  }
}
export const ipcMain = new StubIpcMain();

class StubIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  readonly sentToMain: { channel: string; args: unknown[] }[] = [];
  invokeResult: unknown = { ok: true, value: null };
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.invokeResult;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sentToMain.push({ channel, args });
  }
}
export const ipcRenderer = new StubIpcRenderer();

export const contextBridge = {
  exposed: {} as Record<string, unknown>,
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed[key] = api;
  },
};

// ---------------------------------------------------------------------------------------------
// Menus, tray, notifications, dialogs

export interface StubMenuItemOptions {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  checked?: boolean;
  enabled?: boolean;
  click?: (item: StubMenuItem, window: unknown, event: unknown) => void;
}

export class StubMenuItem {
  id?: string;
  label: string;
  type: string;
  checked: boolean;
  enabled: boolean;
  click?: StubMenuItemOptions['click'];
  constructor(options: StubMenuItemOptions) {
    this.id = options.id;
    this.label = options.label ?? '';
    this.type = options.type ?? 'normal';
    this.checked = options.checked ?? false;
    this.enabled = options.enabled ?? true;
    this.click = options.click;
  }
}

export class Menu {
  readonly items: StubMenuItem[];
  constructor(items: StubMenuItem[] = []) {
    this.items = items;
  }
  static buildFromTemplate(template: StubMenuItemOptions[]): Menu {
    return new Menu(template.map((options) => new StubMenuItem(options)));
  }
  static setApplicationMenu = vi.fn();
  getMenuItemById(id: string): StubMenuItem | null {
    return this.items.find((item) => item.id === id) ?? null;
  }
  /** Clicks an item the way Electron does: a checkbox flips before its click handler runs. */
  simulateClick(id: string): void {
    const item = this.getMenuItemById(id);
    if (!item) throw new Error(`no menu item ${id}`);
    if (item.type === 'checkbox') item.checked = !item.checked;
    item.click?.(item, undefined, {});
  }
}

export class Tray extends EventEmitter {
  static readonly all: Tray[] = [];
  menu: Menu | null = null;
  toolTip = '';
  destroyed = false;
  constructor(readonly image: unknown) {
    super();
    Tray.all.push(this);
  }
  setContextMenu(menu: Menu | null): void {
    this.menu = menu;
  }
  setToolTip(text: string): void {
    this.toolTip = text;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class Notification extends EventEmitter {
  static readonly shown: Notification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return Notification.supported;
  }
  constructor(readonly options: { title?: string; body?: string; silent?: boolean; urgency?: string }) {
    super();
  }
  show(): void {
    Notification.shown.push(this);
  }
  close(): void {}
  simulateClick(): void {
    this.emit('click', {});
  }
}

export const dialog = {
  showMessageBox: vi.fn(async (..._args: unknown[]) => ({ response: 0, checkboxChecked: false })),
  showErrorBox: vi.fn(),
};

export const shell = {
  openExternal: vi.fn(async (_url: string) => undefined),
};

// ---------------------------------------------------------------------------------------------
// app, session, nativeImage

type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]>; cancel?: boolean }) => void,
) => void;

export const session = {
  defaultSession: {
    webRequest: {
      headersListener: null as HeadersListener | null,
      onHeadersReceived(listener: HeadersListener): void {
        this.headersListener = listener;
      },
    },
    permissionRequestHandler: null as unknown,
    setPermissionRequestHandler(handler: unknown): void {
      this.permissionRequestHandler = handler;
    },
  },
};

class StubApp extends EventEmitter {
  isPackaged = false;
  quitCalls = 0;
  exitCode: number | null = null;
  singleInstance = true;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  simulateReady(): void {
    this.readyResolve();
    this.emit('ready');
  }
  quit(): void {
    this.quitCalls++;
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
  getAppPath(): string {
    return process.cwd();
  }
  getPath(_name: string): string {
    return process.cwd();
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  setAppUserModelId(): void {}
  dock = { hide: vi.fn(), show: vi.fn() };
}
export const app = new StubApp();

export const nativeImage = {
  createFromPath: (file: string) => ({ file, isEmpty: () => false, resize: () => ({ file }) }),
  createFromDataURL: (url: string) => ({ url, isEmpty: () => false }),
  createEmpty: () => ({ isEmpty: () => true }),
};

export default {
  app,
  BrowserWindow,
  contextBridge,
  dialog,
  ipcMain,
  ipcRenderer,
  Menu,
  nativeImage,
  Notification,
  session,
  shell,
  Tray,
};
