import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, shell, type Session, type WebContents } from 'electron';

/**
 * The board window and its locks (docs/architecture.md §7 "Security"): an isolated, sandboxed renderer without
 * Node, a strict Content-Security-Policy, and no navigation or new windows — links to the web open
 * in the user's browser after their URL has been checked.
 */

/** Where the renderer comes from: the built files, or Vite's dev server (`SWITCHYARD_DEV_URL`). */
export type RendererSource = { kind: 'file'; indexHtml: string } | { kind: 'dev'; url: string };

export function rendererUrl(source: RendererSource): string {
  return source.kind === 'file' ? pathToFileURL(source.indexHtml).href : new URL(source.url).href;
}

/** True for the app's own pages only: the exact index.html file, or the dev server's origin. */
export function isAppUrl(url: string, source: RendererSource): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (source.kind === 'file') {
    const own = new URL(rendererUrl(source));
    return parsed.protocol === 'file:' && parsed.host === '' && parsed.pathname === own.pathname;
  }
  return parsed.origin === new URL(source.url).origin;
}

/** An http(s) URL without credentials that may be handed to the system browser, or null. */
export function safeExternalUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  if (parsed.username || parsed.password) return null;
  if (!parsed.hostname) return null;
  return parsed.href;
}

export function openExternally(url: string): boolean {
  const safe = safeExternalUrl(url);
  if (!safe) return false;
  shell
    .openExternal(safe)
    .catch((error: unknown) => console.error(`switchyard: cannot open ${safe}:`, error));
  return true;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The CSP for everything the session loads over http(s) (the dev server); built files carry the
 * same policy in index.html's meta tag, since file:// responses have no headers to change.
 */
export function installContentSecurityPolicy(target: Session): void {
  target.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  // The board needs no camera, microphone, geolocation or notifications permission from the page.
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

/** webContents already locked: the window's own are locked twice (createMainWindow and main.ts). */
const locked = new WeakSet<WebContents>();

/** Navigation and window-open rules for any webContents (also applied app-wide in main.ts). */
export function lockNavigation(contents: WebContents, source: RendererSource): void {
  // Twice would mean two will-navigate listeners, each handing a refused web link to the browser.
  if (locked.has(contents)) return;
  locked.add(contents);
  const refuse = (event: { preventDefault(): void }, url: string): void => {
    if (isAppUrl(url, source)) return;
    event.preventDefault();
    openExternally(url);
  };
  contents.on('will-navigate', (event, url) => refuse(event, url ?? event.url));
  contents.on('will-redirect', (event, url) => refuse(event, url ?? event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

export interface MainWindowOptions {
  source: RendererSource;
  /** dist/electron/preload.cjs */
  preload: string;
  icon?: string;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Switchyard',
    backgroundColor: '#15171c',
    icon: options.icon,
    // Spelled out inside `new BrowserWindow(...)` on purpose: the security scan (scripts/security-scan.mjs,
    // docs/security.md) reads this object literal and fails CI if, e.g., sandbox stops being `true`.
    webPreferences: {
      preload: path.resolve(options.preload),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  lockNavigation(window.webContents, options.source);
  window.once('ready-to-show', () => window.show());
  const url = rendererUrl(options.source);
  window.loadURL(url).catch((error: unknown) => console.error(`switchyard: cannot load ${url}:`, error));
  return window;
}
