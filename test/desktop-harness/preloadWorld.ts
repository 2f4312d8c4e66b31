/**
 * The page side of the desktop harness: what Electron's sandboxed preload gets, built as a Playwright
 * init script around the preload bundle's exact bytes (dist/electron/preload.cjs, read from the path
 * main.ts put in `webPreferences.preload`).
 *
 * A sandboxed preload runs in the renderer, before the page's scripts, with a `require` that knows
 * 'electron' (contextBridge, ipcRenderer) and no Node. Here it runs the same way in Chromium: the
 * bundle is wrapped in a CommonJS function and called from this init script in the top frame of
 * every new document. `contextBridge.exposeInMainWorld` copies its API onto `window` the way the
 * bridge does (functions wrapped, objects copied and frozen, promises resolved and copied);
 * `ipcRenderer.invoke/send` structured-clone their arguments and hand them to the main process (in
 * Node) through one Playwright binding, which this script takes off `window` before the page runs,
 * so the page itself cannot reach it; the main process's `webContents.send` comes back through a
 * non-enumerable deliver function. What differs from Electron: the preload runs in the page's own
 * JavaScript world rather than an isolated one.
 */

/** The binding the preload's ipcRenderer uses to reach the main process. */
export const HARNESS_BINDING = '__switchyardHarnessIpc';
/** How the main process's `webContents.send` reaches the preload's ipcRenderer listeners. */
export const HARNESS_DELIVER = '__switchyardHarnessDeliver';

/** An invoke's answer from the main process: Electron rejects with the handler's error text. */
export type InvokeAnswer = { ok: true; value: unknown } | { ok: false; message: string };

type RunPreload = (
  exports: object,
  require: (id: string) => unknown,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

/** Runs in the page (serialised with toString): it may use nothing from this module's scope. */
function installPreloadWorld(binding: string, deliver: string, preloadPath: string, runPreload: RunPreload) {
  const scope = window as unknown as Record<string, unknown>;
  const toMain = scope[binding] as (op: string, channel: string, args: unknown[]) => Promise<unknown>;
  delete scope[binding];
  // nodeIntegrationInSubFrames is off: preloads run in the main frame only.
  if (window.top !== window || typeof toMain !== 'function') return;

  type Listener = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Listener[]>();
  const onceWrappers = new WeakMap<Listener, Listener>();

  const ipcRenderer = {
    invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      let cloned: unknown[];
      try {
        cloned = structuredClone(args);
      } catch {
        return Promise.reject(new Error('An object could not be cloned.'));
      }
      return toMain('invoke', channel, cloned).then((answer) => {
        const result = answer as InvokeAnswer;
        if (result.ok) return result.value;
        throw new Error(result.message);
      });
    },
    send(channel: string, ...args: unknown[]): void {
      void toMain('send', channel, structuredClone(args));
    },
    on(channel: string, listener: Listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    },
    once(channel: string, listener: Listener) {
      const wrapper: Listener = (event, ...args) => {
        ipcRenderer.removeListener(channel, listener);
        listener(event, ...args);
      };
      onceWrappers.set(listener, wrapper);
      return ipcRenderer.on(channel, wrapper);
    },
    removeListener(channel: string, listener: Listener) {
      const wrapped = onceWrappers.get(listener);
      const kept = (listeners.get(channel) ?? []).filter((each) => each !== listener && each !== wrapped);
      listeners.set(channel, kept);
      return ipcRenderer;
    },
    off(channel: string, listener: Listener) {
      return ipcRenderer.removeListener(channel, listener);
    },
    removeAllListeners(channel?: string) {
      if (channel === undefined) listeners.clear();
      else listeners.delete(channel);
      return ipcRenderer;
    },
  };

  Object.defineProperty(window, deliver, {
    enumerable: false,
    value: (channel: string, args: unknown[]) => {
      const event = { sender: ipcRenderer, senderId: 0, ports: [] };
      for (const listener of listeners.get(channel) ?? []) listener(event, ...args);
    },
  });

  // What crosses contextBridge: copies, never the preload world's own objects.
  const cross = (value: unknown): unknown => {
    if (typeof value === 'function') {
      const original = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => cross(original(...args.map(cross)));
    }
    if (value instanceof Promise) return value.then(cross);
    if (Array.isArray(value)) return Object.freeze(value.map(cross));
    if (value instanceof Error) return new Error(value.message);
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(value)) copy[key] = cross(member);
      return Object.freeze(copy);
    }
    return value;
  };
  const contextBridge = {
    exposeInMainWorld(key: string, api: unknown): void {
      if (key in window)
        throw new Error(`Cannot bind an API on top of an existing property on the window object`);
      Object.defineProperty(window, key, { value: cross(api), enumerable: true });
    },
  };

  const require = (id: string): unknown => {
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`module not found: ${id}`);
  };
  const module = { exports: {} };
  try {
    runPreload(module.exports, require, module, preloadPath, preloadPath.replace(/[\\/][^\\/]*$/, ''));
  } catch (error) {
    // What Electron does with a preload that throws: log it, and load the page without its API.
    console.error(`Unable to load preload script: ${preloadPath}\n`, error);
  }
}

/** The init script: the preload's source, verbatim, as the body of a CommonJS wrapper. */
export function preloadInitScript(preloadSource: string, preloadPath: string): string {
  return [
    `(${installPreloadWorld.toString()})(${JSON.stringify(HARNESS_BINDING)}, ${JSON.stringify(HARNESS_DELIVER)}, ${JSON.stringify(preloadPath)},`,
    'function (exports, require, module, __filename, __dirname) {',
    preloadSource,
    '\n});',
  ].join('\n');
}
