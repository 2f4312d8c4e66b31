import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium';
import { createElectron, type DialogRequest, type InstanceLock, type StandInMenu } from './electronStandIn';

/**
 * The desktop app without the Electron binary (issue 19): the real main process bundle
 * (dist/electron/main.cjs) runs in this Node process with `require('electron')` answered by the
 * stand-in (electronStandIn.ts); its window is a Chromium page on the built renderer, loaded from the
 * URL main computes; the window's preload is dist/electron/preload.cjs as built (preloadWorld.ts).
 *
 * better-sqlite3: main opens the database with the binding `requireElectronBinding(app.getAppPath())`
 * finds at dist/native/electron/better_sqlite3.node, built for Electron's ABI. This process is Node,
 * so the harness stages an app root the way the packaged app is laid out — dist/renderer and build/
 * linked to the repository's, and dist/native/electron/ holding the Node build of better-sqlite3 (the
 * runtime that hosts main here) — and app.getAppPath() answers that root. The product is unchanged.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN_BUNDLE = path.join(REPO_ROOT, 'dist', 'electron', 'main.cjs');
export const PRELOAD_BUNDLE = path.join(REPO_ROOT, 'dist', 'electron', 'preload.cjs');
export const RENDERER_INDEX = path.join(REPO_ROOT, 'dist', 'renderer', 'index.html');

const TRAY_QUIT = 'quit';
const STOP_WORKERS = 1;

function link(target: string, at: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  // Junctions need no privilege on Windows; elsewhere the type is ignored.
  fs.symlinkSync(target, at, process.platform === 'win32' ? 'junction' : 'dir');
}

/** The app root main sees (see the module comment). */
function stageAppRoot(): string {
  for (const file of [MAIN_BUNDLE, PRELOAD_BUNDLE, RENDERER_INDEX])
    if (!fs.existsSync(file))
      throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`npm run build\` first`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-desktop-app-'));
  link(path.join(REPO_ROOT, 'dist', 'renderer'), path.join(root, 'dist', 'renderer'));
  link(path.join(REPO_ROOT, 'build'), path.join(root, 'build'));
  const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));
  const nodeBinding = path.join(
    path.dirname(requireFromRepo.resolve('better-sqlite3/package.json')),
    'build',
    'Release',
    'better_sqlite3.node',
  );
  const electronBinding = path.join(root, 'dist', 'native', 'electron', 'better_sqlite3.node');
  fs.mkdirSync(path.dirname(electronBinding), { recursive: true });
  fs.copyFileSync(nodeBinding, electronBinding);
  return root;
}

/** Runs main.cjs's exact bytes as a fresh CommonJS module whose `require('electron')` is `electron`. */
function runMainBundle(mainBundle: string, electron: object): void {
  const source = fs.readFileSync(mainBundle, 'utf8');
  const requireFromMain = createRequire(mainBundle);
  const moduleRequire = Object.assign((id: string) => (id === 'electron' ? electron : requireFromMain(id)), {
    resolve: requireFromMain.resolve,
    cache: requireFromMain.cache,
  });
  const module = { exports: {}, filename: mainBundle, id: mainBundle, loaded: false };
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: mainBundle },
  ) as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, moduleRequire, module, mainBundle, path.dirname(mainBundle));
  module.loaded = true;
}

/** One start of the desktop app (a process, in Electron). */
export class DesktopApp {
  private constructor(private readonly standIn: ReturnType<typeof createElectron>) {}

  static async start(
    browser: Browser,
    appRoot: string,
    instanceLock: InstanceLock,
    mainBundle: string,
  ): Promise<DesktopApp> {
    const context = await browser.newContext();
    const standIn = createElectron({ context, appRoot, instanceLock });
    await standIn.attach();
    runMainBundle(mainBundle, standIn.electron);
    standIn.electron.app.becomeReady();
    const started = new DesktopApp(standIn);
    void started.exited.then(() => context.close().catch(() => undefined));
    return started;
  }

  get record() {
    return this.standIn.record;
  }
  get app() {
    return this.standIn.electron.app;
  }
  get exited(): Promise<number> {
    return this.standIn.electron.app.exitedWith;
  }

  /** The board window once its page has loaded (fails with main's error box if it could not start). */
  async window() {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [window] = this.record.windows;
      if (window) {
        const page = await window.webContents.opened;
        // A new page is about:blank until main's loadURL reaches it.
        await page.waitForURL((url) => url.href !== 'about:blank', {
          waitUntil: 'domcontentloaded',
          timeout: Math.max(deadline - Date.now(), 1),
        });
        return window;
      }
      const [box] = this.record.errorBoxes;
      if (box) throw new Error(`the app could not start: ${box.title}: ${box.content}`);
      if (this.app.exited) throw new Error(`the app exited (${this.app.exitCode}) without a window`);
      if (Date.now() > deadline) throw new Error('the app opened no window within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async page(): Promise<Page> {
    return (await this.window()).webContents.opened;
  }

  /** The tray's menu as last set (it is rebuilt when the dispatcher's state changes). */
  trayMenu(): StandInMenu {
    const tray = this.record.trays[0];
    if (!tray?.menu) throw new Error('the app has no tray menu');
    return tray.menu as StandInMenu;
  }

  /** The next question main asks with dialog.showMessageBox. */
  nextDialog(): Promise<DialogRequest> {
    return this.standIn.nextDialog(this.record.dialogs.length);
  }

  /** Quit from the tray, as a user would; `answer` is the button to press if main asks. */
  async quitFromTray(answer?: number): Promise<number> {
    const asked = this.standIn.nextDialog(this.record.dialogs.length);
    this.trayMenu().click(TRAY_QUIT);
    if (answer !== undefined) (await asked).answer(answer);
    return this.exited;
  }

  /** Ends a start a spec left running: quit, stopping workers if main asks. */
  async shutDown(): Promise<void> {
    if (this.app.exited) return;
    const asked = this.standIn.nextDialog(this.record.dialogs.length);
    void asked.then((dialog) => dialog.answer(STOP_WORKERS));
    this.app.quit();
    const timeout = new Promise((resolve) => setTimeout(resolve, 15_000));
    await Promise.race([this.exited, timeout]);
    if (!this.app.exited) this.app.exit(1);
  }
}

/** A browser, a staged app root and a home; starts the app on them as often as a spec needs. */
export class DesktopHarness {
  /** Every start, in order. */
  readonly starts: DesktopApp[] = [];
  private readonly instanceLock: InstanceLock = { holder: null };
  private readonly previousEnv: Record<string, string | undefined>;

  private constructor(
    readonly home: string,
    readonly appRoot: string,
    private readonly browser: Browser,
    private readonly mainBundle: string,
  ) {
    this.previousEnv = {
      SWITCHYARD_HOME: process.env.SWITCHYARD_HOME,
      SWITCHYARD_DEV_URL: process.env.SWITCHYARD_DEV_URL,
      SWITCHYARD_ACTOR: process.env.SWITCHYARD_ACTOR,
    };
    // main reads its home from the environment, as the app does.
    process.env.SWITCHYARD_HOME = home;
    delete process.env.SWITCHYARD_DEV_URL;
    delete process.env.SWITCHYARD_ACTOR;
  }

  /**
   * `mainBundle` is dist/electron/main.cjs; a spec may point it at a copy of dist/electron/ (inside
   * the repository, so node_modules resolve) to prove that a broken preload next to it fails.
   */
  static async launch(home: string, options: { mainBundle?: string } = {}): Promise<DesktopHarness> {
    const appRoot = stageAppRoot();
    // Electron's file:// pages load module scripts next to them; plain Chromium needs this flag.
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--allow-file-access-from-files'],
    });
    return new DesktopHarness(home, appRoot, browser, options.mainBundle ?? MAIN_BUNDLE);
  }

  /** Starts the app (again): main.cjs runs anew with a fresh `electron`. */
  async start(): Promise<DesktopApp> {
    const started = await DesktopApp.start(this.browser, this.appRoot, this.instanceLock, this.mainBundle);
    this.starts.push(started);
    return started;
  }

  async close(): Promise<void> {
    for (const started of [...this.starts].reverse()) await started.shutDown();
    await this.browser.close();
    fs.rmSync(this.appRoot, { recursive: true, force: true });
    for (const [key, value] of Object.entries(this.previousEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
