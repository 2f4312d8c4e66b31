import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Frame, Page, Route } from '@playwright/test';
import { HARNESS_BINDING, HARNESS_DELIVER, preloadInitScript, type InvokeAnswer } from './preloadWorld';

/**
 * The `electron` module as the desktop harness hands it to the real main process bundle
 * (dist/electron/main.cjs): one instance per app start, so a restart or a second instance is a fresh
 * module with fresh state, as a new process would be. Windows are real Chromium pages (Playwright)
 * of one browser context per start; IPC crosses between them and the main process with structured
 * clones and real sender objects (the page's frame and URL at the time of the call), so ipc.ts's
 * sender check and the API's validation run unchanged. Tray, Menu, Notification, dialog, shell and
 * app record what main does to them and can be driven by the specs.
 */

export interface StandInOptions {
  context: BrowserContext;
  /** What app.getAppPath() answers (the staged app root, see harness.ts). */
  appRoot: string;
  /** The single-instance lock, shared by every start of one harness (Electron keys it per user data dir). */
  instanceLock: InstanceLock;
}

export interface InstanceLock {
  holder: StandInApp | null;
}

export interface DialogRequest {
  options: { message?: string; detail?: string; buttons?: string[]; cancelId?: number };
  /** Clicks the button with this index (what showMessageBox resolves with). */
  answer(response: number): void;
}

export interface WindowOpenRecord {
  url: string;
  action: string;
}

/** Everything one start of the app did to Electron, for the specs to read. */
export interface StandInRecord {
  windows: StandInWindow[];
  trays: StandInTray[];
  notifications: StandInNotification[];
  dialogs: DialogRequest[];
  errorBoxes: { title: string; content: string }[];
  openedExternally: string[];
  refusedNavigations: string[];
  windowOpens: WindowOpenRecord[];
  /** Preload scripts read for windows (path and exact bytes). */
  preloads: { path: string; source: string }[];
  /** renderer → main IPC messages by channel. */
  fromRenderer: { kind: 'invoke' | 'send'; channel: string; args: unknown[] }[];
  pageErrors: string[];
}

interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

function preventable<T extends object>(fields: T): T & PreventableEvent {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

/** Electron's WebFrameMain, as far as the main process reads it: url, parent, top. */
export interface StandInFrame {
  url: string;
  name: string;
  parent: StandInFrame | null;
  top: StandInFrame | null;
  isDestroyed(): boolean;
}

function frameOf(frame: Frame): StandInFrame {
  const parentFrame = frame.parentFrame();
  const parent = parentFrame ? frameOf(parentFrame) : null;
  const standIn: StandInFrame = {
    url: frame.url(),
    name: frame.name(),
    parent,
    top: null,
    isDestroyed: () => frame.isDetached(),
  };
  standIn.top = parent ? (parent.top ?? parent) : standIn;
  return standIn;
}

export type StandInApp = InstanceType<ReturnType<typeof createElectron>['App']>;
export type StandInWindow = InstanceType<ReturnType<typeof createElectron>['BrowserWindow']>;
export type StandInTray = InstanceType<ReturnType<typeof createElectron>['Tray']>;
export type StandInNotification = InstanceType<ReturnType<typeof createElectron>['Notification']>;
export type StandInMenu = InstanceType<ReturnType<typeof createElectron>['Menu']>;

export function createElectron(options: StandInOptions) {
  const record: StandInRecord = {
    windows: [],
    trays: [],
    notifications: [],
    dialogs: [],
    errorBoxes: [],
    openedExternally: [],
    refusedNavigations: [],
    windowOpens: [],
    preloads: [],
    fromRenderer: [],
    pageErrors: [],
  };
  let nextContentsId = 1;
  const contentsByPage = new Map<Page, WebContents>();
  const dialogWaiters: (() => void)[] = [];
  /** Navigations of pages main did not create (popups), refused before they loaded anything. */
  const popupNavigations: string[] = [];

  // ---------------------------------------------------------------------------------------------
  // IPC

  type Handler = (event: unknown, ...args: unknown[]) => unknown;
  class IpcMain extends EventEmitter {
    readonly handlers = new Map<string, Handler>();
    handle(channel: string, handler: Handler): void {
      if (this.handlers.has(channel))
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      this.handlers.set(channel, handler);
    }
    handleOnce(channel: string, handler: Handler): void {
      this.handle(channel, (event, ...args) => {
        this.removeHandler(channel);
        return handler(event, ...args);
      });
    }
    removeHandler(channel: string): void {
      this.handlers.delete(channel);
    }
  }
  const ipcMain = new IpcMain();

  // ---------------------------------------------------------------------------------------------
  // webContents and windows

  type WindowOpenHandler = (details: Record<string, unknown>) => { action: 'allow' | 'deny' };

  class WebContents extends EventEmitter {
    readonly id = nextContentsId++;
    readonly session = session.defaultSession;
    page: Page | null = null;
    /** Messages main sent with send() (channel and cloned args). */
    readonly sent: { channel: string; args: unknown[] }[] = [];
    private windowOpenHandler: WindowOpenHandler | null = null;
    private destroyed = false;
    /** A loadURL in progress: browser-initiated, so no will-navigate (as in Electron). */
    private loading: string | null = null;
    private delivery: Promise<unknown> = Promise.resolve();
    readonly opened: Promise<Page>;

    constructor(
      readonly owner: BrowserWindow,
      preload: string | undefined,
    ) {
      super();
      this.opened = this.open(preload);
    }

    private async open(preload: string | undefined): Promise<Page> {
      const page = await options.context.newPage();
      this.page = page;
      contentsByPage.set(page, this);
      page.on('pageerror', (error) => record.pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') record.pageErrors.push(message.text());
      });
      page.on('close', () => this.destroy());
      if (preload) {
        const source = fs.readFileSync(preload, 'utf8');
        record.preloads.push({ path: preload, source });
        await page.exposeBinding(HARNESS_BINDING, (caller, op: string, channel: string, args: unknown[]) =>
          this.fromRenderer(caller.frame, op, channel, args),
        );
        await page.addInitScript({ content: preloadInitScript(source, preload) });
      }
      return page;
    }

    /** ipcRenderer.invoke / send arriving from `frame` of this page. */
    private async fromRenderer(
      frame: Frame,
      op: string,
      channel: string,
      args: unknown[],
    ): Promise<InvokeAnswer | undefined> {
      const cloned = structuredClone(args);
      const event = { sender: this, senderFrame: frameOf(frame), processId: 1, frameId: 1 };
      if (op === 'send') {
        record.fromRenderer.push({ kind: 'send', channel, args: cloned });
        ipcMain.emit(channel, event, ...cloned);
        return undefined;
      }
      record.fromRenderer.push({ kind: 'invoke', channel, args: cloned });
      const handler = ipcMain.handlers.get(channel);
      const failed = (error: unknown): InvokeAnswer => ({
        ok: false,
        message: `Error invoking remote method '${channel}': ${String(error)}`,
      });
      if (!handler) return failed(new Error(`No handler registered for '${channel}'`));
      try {
        return { ok: true, value: structuredClone(await handler(event, ...cloned)) };
      } catch (error) {
        return failed(error);
      }
    }

    /** The context's route handler for requests of this page: navigation rules before anything loads. */
    async route(route: Route): Promise<void> {
      const request = route.request();
      const page = this.page;
      if (!page || !request.isNavigationRequest() || request.frame() !== page.mainFrame())
        return route.continue();
      const url = request.url();
      if (this.loading === url) {
        this.loading = null;
      } else {
        const event = preventable({ url, isMainFrame: true });
        this.emit(request.redirectedFrom() ? 'will-redirect' : 'will-navigate', event, url);
        if (event.defaultPrevented) {
          record.refusedNavigations.push(url);
          return route.abort('aborted');
        }
      }
      this.emit('did-start-navigation', { url, isMainFrame: true, isSameDocument: false });
      return route.continue();
    }

    async loadURL(url: string): Promise<void> {
      const page = await this.opened;
      this.loading = url;
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      this.emit('dom-ready');
      this.owner.emit('ready-to-show');
      await page.waitForLoadState('load');
      this.emit('did-finish-load');
    }

    get mainFrame(): StandInFrame | null {
      return this.page ? frameOf(this.page.mainFrame()) : null;
    }
    getURL(): string {
      return this.page?.url() ?? '';
    }
    send(channel: string, ...args: unknown[]): void {
      if (this.destroyed) throw new Error('Object has been destroyed');
      const cloned = structuredClone(args);
      this.sent.push({ channel, args: cloned });
      const page = this.page;
      if (!page) return;
      // One message after the other, in order, as one IPC pipe would.
      this.delivery = this.delivery
        .then(() =>
          page.evaluate(
            ([deliver, name, payload]) =>
              (window as unknown as Record<string, (c: unknown, a: unknown) => void>)[deliver as string]?.(
                name,
                payload,
              ),
            [HARNESS_DELIVER, channel, cloned] as const,
          ),
        )
        .catch(() => undefined);
    }
    setWindowOpenHandler(handler: WindowOpenHandler): void {
      this.windowOpenHandler = handler;
    }
    /** Asks the window-open handler about a popup the page opened (Electron asks before creating it). */
    askWindowOpen(url: string): string {
      const answer = this.windowOpenHandler
        ? this.windowOpenHandler({
            url,
            frameName: '',
            features: '',
            disposition: 'new-window',
            referrer: { url: this.getURL(), policy: 'strict-origin-when-cross-origin' },
          })
        : { action: 'allow' as const };
      record.windowOpens.push({ url, action: answer.action });
      return answer.action;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    isLoading(): boolean {
      return this.loading !== null;
    }
    focus(): void {
      this.owner.focus();
    }
    reload(): void {
      void this.page?.reload();
    }
    openDevTools(): void {}
    destroy(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      this.emit('destroyed');
      void this.page?.close().catch(() => undefined);
    }
  }

  class BrowserWindow extends EventEmitter {
    static getAllWindows(): BrowserWindow[] {
      return record.windows.filter((window) => !window.isDestroyed());
    }
    static getFocusedWindow(): BrowserWindow | null {
      return BrowserWindow.getAllWindows().find((window) => window.focused) ?? null;
    }

    readonly webContents: WebContents;
    visible = false;
    focused = false;
    minimized = false;
    private destroyed = false;
    /** How often main showed, focused and restored this window (a second instance does all three). */
    readonly calls = { show: 0, focus: 0, restore: 0 };

    constructor(
      readonly options: { width?: number; height?: number; webPreferences?: { preload?: string } },
    ) {
      super();
      this.webContents = new WebContents(this, options.webPreferences?.preload);
      record.windows.push(this);
      app.emit('web-contents-created', preventable({}), this.webContents);
      void this.webContents.opened.then((page) =>
        page.setViewportSize({ width: options.width ?? 800, height: options.height ?? 600 }),
      );
    }
    loadURL(url: string): Promise<void> {
      return this.webContents.loadURL(url);
    }
    show(): void {
      this.calls.show++;
      this.visible = true;
      this.minimized = false;
    }
    hide(): void {
      this.visible = false;
    }
    focus(): void {
      this.calls.focus++;
      this.focused = true;
      void this.webContents.page?.bringToFront().catch(() => undefined);
    }
    blur(): void {
      this.focused = false;
    }
    /** What the user does with the window (specs drive it). */
    minimize(): void {
      this.minimized = true;
      this.focused = false;
    }
    isMinimized(): boolean {
      return this.minimized;
    }
    restore(): void {
      this.calls.restore++;
      this.minimized = false;
    }
    isVisible(): boolean {
      return this.visible;
    }
    isFocused(): boolean {
      return this.focused;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    close(): void {
      const event = preventable({});
      this.emit('close', event);
      if (!event.defaultPrevented) this.destroy();
    }
    destroy(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      this.webContents.destroy();
      this.emit('closed');
      if (BrowserWindow.getAllWindows().length === 0 && !app.exited) app.emit('window-all-closed');
    }
    setMenuBarVisibility(): void {}
    setTitle(): void {}
  }

  // ---------------------------------------------------------------------------------------------
  // Menus, tray, notifications, dialogs, shell

  interface MenuItemOptions {
    id?: string;
    label?: string;
    type?: string;
    checked?: boolean;
    enabled?: boolean;
    click?: (item: MenuItem, window: unknown, event: unknown) => void;
  }
  class MenuItem {
    id?: string;
    label: string;
    type: string;
    checked: boolean;
    enabled: boolean;
    click?: MenuItemOptions['click'];
    constructor(item: MenuItemOptions) {
      this.id = item.id;
      this.label = item.label ?? '';
      this.type = item.type ?? 'normal';
      this.checked = item.checked ?? false;
      this.enabled = item.enabled ?? true;
      this.click = item.click;
    }
  }
  class Menu {
    static buildFromTemplate(template: MenuItemOptions[]): Menu {
      return new Menu(template.map((item) => new MenuItem(item)));
    }
    static setApplicationMenu(_menu: Menu | null): void {}
    constructor(readonly items: MenuItem[] = []) {}
    getMenuItemById(id: string): MenuItem | null {
      return this.items.find((item) => item.id === id) ?? null;
    }
    /** The user clicks an item: disabled ones do nothing, a checkbox flips before its click runs. */
    click(id: string): void {
      const item = this.getMenuItemById(id);
      if (!item) throw new Error(`the menu has no item ${id}`);
      if (!item.enabled) return;
      if (item.type === 'checkbox') item.checked = !item.checked;
      item.click?.(item, undefined, {});
    }
  }

  class Tray extends EventEmitter {
    menu: Menu | null = null;
    toolTip = '';
    private destroyed = false;
    constructor(readonly image: unknown) {
      super();
      record.trays.push(this);
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

  class Notification extends EventEmitter {
    static isSupported(): boolean {
      return true;
    }
    shown = false;
    constructor(readonly options: { title?: string; body?: string; urgency?: string }) {
      super();
    }
    show(): void {
      this.shown = true;
      record.notifications.push(this);
      this.emit('show', {});
    }
    close(): void {
      this.emit('close', {});
    }
    /** The user clicks it. */
    click(): void {
      this.emit('click', {});
    }
  }

  const dialog = {
    showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
      const boxOptions = (args.length > 1 ? args[1] : args[0]) as DialogRequest['options'];
      return new Promise((resolve) => {
        record.dialogs.push({
          options: boxOptions,
          answer: (response) => resolve({ response, checkboxChecked: false }),
        });
        for (const wake of dialogWaiters.splice(0)) wake();
      });
    },
    showErrorBox(title: string, content: string): void {
      record.errorBoxes.push({ title, content });
    },
  };

  const shell = {
    async openExternal(url: string): Promise<void> {
      record.openedExternally.push(url);
    },
  };

  // ---------------------------------------------------------------------------------------------
  // session, nativeImage, app

  const session = {
    defaultSession: {
      webRequest: {
        onHeadersReceived(_listener: unknown): void {},
      },
      setPermissionRequestHandler(_handler: unknown): void {},
    },
  };

  const nativeImage = {
    createFromPath(file: string) {
      const image = { file, isEmpty: () => !fs.existsSync(file), resize: () => image };
      return image;
    },
    createEmpty() {
      const image = { file: '', isEmpty: () => true, resize: () => image };
      return image;
    },
  };

  class App extends EventEmitter {
    readonly isPackaged = false;
    exited = false;
    exitCode: number | null = null;
    quitCalls = 0;
    private readyNow = false;
    private markReady!: () => void;
    private readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
    private markExited!: (code: number) => void;
    /** Resolves with the exit code once main calls app.exit (or quits without stopping it). */
    readonly exitedWith = new Promise<number>((resolve) => (this.markExited = resolve));
    readonly dock = { hide(): void {}, show(): void {} };

    /** The harness calls this once main's module has run, as Electron does. */
    becomeReady(): void {
      this.readyNow = true;
      this.markReady();
      this.emit('ready', {}, {});
    }
    whenReady(): Promise<void> {
      return this.ready;
    }
    isReady(): boolean {
      return this.readyNow;
    }
    getAppPath(): string {
      return options.appRoot;
    }
    getPath(_name: string): string {
      return path.join(options.appRoot, 'user-data');
    }
    getVersion(): string {
      return '0.0.0-harness';
    }
    getName(): string {
      return 'Switchyard';
    }
    setAppUserModelId(_id: string): void {}
    focus(): void {}

    requestSingleInstanceLock(additionalData: unknown = {}): boolean {
      const holder = options.instanceLock.holder;
      if (holder && !holder.exited) {
        // Electron tells the first instance, which owns the lock, about the second one.
        setImmediate(() =>
          holder.emit('second-instance', preventable({}), ['electron', '.'], process.cwd(), additionalData),
        );
        return false;
      }
      options.instanceLock.holder = this;
      return true;
    }
    releaseSingleInstanceLock(): void {
      if (options.instanceLock.holder === this) options.instanceLock.holder = null;
    }

    /** Electron's quit: before-quit may prevent it; else windows close and the app exits. */
    quit(): void {
      this.quitCalls++;
      const event = preventable({});
      this.emit('before-quit', event);
      if (event.defaultPrevented) return;
      const willQuit = preventable({});
      this.emit('will-quit', willQuit);
      if (willQuit.defaultPrevented) return;
      this.exit(0);
    }
    /** Ends the app at once: no events, windows closed. */
    exit(code = 0): void {
      if (this.exited) return;
      this.exited = true;
      this.exitCode = code;
      this.releaseSingleInstanceLock();
      for (const window of record.windows) window.destroy();
      this.markExited(code);
    }
  }
  const app = new App();

  /** Requests of pages this start created: their window's navigation rules; popups never load. */
  async function routeRequest(route: Route): Promise<void> {
    let page: Page | null = null;
    try {
      page = route.request().frame().page();
    } catch {
      // A popup's first navigation comes before its frame exists.
    }
    const contents = page ? contentsByPage.get(page) : undefined;
    if (contents) return contents.route(route);
    if (route.request().isNavigationRequest()) popupNavigations.push(route.request().url());
    return route.abort('blockedbyclient');
  }

  /** A page the app did not create (window.open): Electron asks the opener's handler first. */
  async function onForeignPage(page: Page): Promise<void> {
    // The context announces the windows' own pages too, before newPage() hands them over.
    await Promise.all(record.windows.map((window) => window.webContents.opened.catch(() => undefined)));
    if (contentsByPage.has(page)) return;
    const opener = await page.opener();
    const contents = opener ? contentsByPage.get(opener) : undefined;
    // window.open(url)'s navigation, which routeRequest refused to load; window.open() has none.
    let url = popupNavigations.shift();
    for (let waited = 0; url === undefined && waited < 2_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      url = popupNavigations.shift();
    }
    url ??= page.url();
    const action = contents ? contents.askWindowOpen(url) : 'deny';
    // This stand-in creates windows only for main's own BrowserWindows.
    if (action !== 'allow' || !contents) await page.close().catch(() => undefined);
  }

  const electron = {
    app,
    BrowserWindow,
    dialog,
    ipcMain,
    Menu,
    MenuItem,
    nativeImage,
    Notification,
    session,
    shell,
    Tray,
  };

  return {
    electron,
    record,
    App,
    BrowserWindow,
    Tray,
    Notification,
    Menu,
    /** Installs the routing of the start's browser context. */
    async attach(): Promise<void> {
      await options.context.route('**/*', routeRequest);
      options.context.on('page', (page) => void onForeignPage(page));
    },
    /** Resolves once main has asked a question (dialog.showMessageBox) beyond the `seen` ones. */
    nextDialog(seen: number): Promise<DialogRequest> {
      return new Promise((resolve) => {
        const check = (): void => {
          const request = record.dialogs[seen];
          if (request) resolve(request);
          else dialogWaiters.push(check);
        };
        check();
      });
    },
  };
}
