import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { BoardEvent, CallResult } from '../../shared/contract';
import type { Api } from '../core/api/api';
import { IPC_CHANNELS } from './ipcChannels';

/**
 * Binds the contract to the API over Electron IPC (docs/architecture.md "Typed IPC"): one channel for calls,
 * one for events, a ready handshake. Only the app's own page may call: the sending frame's URL is
 * checked on every message, and each request is validated by the API against the contract.
 */

export { IPC_CHANNELS };

/** Events kept for a page that has not said it is ready; beyond this it resyncs from a snapshot. */
const MAX_QUEUED_EVENTS = 2_000;

export interface IpcOptions {
  api: Pick<Api, 'callByName' | 'subscribe'>;
  /** The app's own renderer URL (file:// index.html or the dev server), see window.ts isAppUrl. */
  isTrustedUrl(url: string): boolean;
  /**
   * Called once a snapshot answer has been handed to IPC. The engine holds its cold first tick
   * back until the board has its snapshot (a long tick would stall it); this releases it at once
   * instead of after the engine's fallback delay, as web mode does after writing to the socket.
   */
  afterSnapshot?(): void;
}

interface Target {
  contents: WebContents;
  ready: boolean;
  queue: BoardEvent[];
  pendingTaskToOpen: string | null;
}

export interface IpcBinding {
  /** Starts sending events to a window's page (queued until it signals ready). */
  attach(contents: WebContents): void;
  /** Asks the page to open a task's card (queued until ready). */
  openTask(contents: WebContents, taskId: string): void;
  dispose(): void;
}

type SenderEvent = Pick<IpcMainEvent | IpcMainInvokeEvent, 'senderFrame' | 'sender'>;

export function bindIpc(options: IpcOptions): IpcBinding {
  const targets = new Map<number, Target>();

  function trusted(event: SenderEvent): boolean {
    const frame = event.senderFrame;
    // Only a top-level frame showing our own page; a frame that navigated away or an iframe is refused.
    return frame !== null && frame.parent === null && options.isTrustedUrl(frame.url);
  }

  function deliver(target: Target, event: BoardEvent): void {
    if (target.contents.isDestroyed()) return;
    if (target.ready) {
      target.contents.send(IPC_CHANNELS.event, event);
      return;
    }
    target.queue.push(event);
    if (target.queue.length > MAX_QUEUED_EVENTS)
      target.queue.splice(0, target.queue.length - MAX_QUEUED_EVENTS);
  }

  ipcMain.handle(
    IPC_CHANNELS.call,
    async (event, name: unknown, request: unknown): Promise<CallResult<unknown>> => {
      if (!trusted(event)) {
        console.warn(`switchyard: refused an IPC call from ${event.senderFrame?.url ?? 'a closed frame'}`);
        return {
          ok: false,
          error: { code: 'forbidden', message: 'calls are accepted only from the Switchyard board' },
        };
      }
      const result = await options.api.callByName(name, request);
      // A timer runs after the reply has been serialised and sent, not before.
      if (name === 'snapshot' && result.ok && options.afterSnapshot) setTimeout(options.afterSnapshot, 0);
      return result;
    },
  );

  const onReady = (event: IpcMainEvent): void => {
    if (!trusted(event)) return;
    const target = targets.get(event.sender.id);
    if (!target) return;
    target.ready = true;
    for (const queued of target.queue.splice(0)) target.contents.send(IPC_CHANNELS.event, queued);
    if (target.pendingTaskToOpen) {
      target.contents.send(IPC_CHANNELS.openTask, target.pendingTaskToOpen);
      target.pendingTaskToOpen = null;
    }
  };
  ipcMain.on(IPC_CHANNELS.ready, onReady);

  const unsubscribe = options.api.subscribe((event) => {
    for (const target of targets.values()) deliver(target, event);
  });

  return {
    attach(contents) {
      if (targets.has(contents.id)) return;
      const target: Target = { contents, ready: false, queue: [], pendingTaskToOpen: null };
      targets.set(contents.id, target);
      // A reload starts a new page that has to say it is ready again (and takes a new snapshot).
      contents.on('did-start-navigation', (details: { isMainFrame?: boolean; isSameDocument?: boolean }) => {
        if (details?.isMainFrame === false || details?.isSameDocument) return;
        target.ready = false;
        target.queue = [];
      });
      contents.on('destroyed', () => targets.delete(contents.id));
    },
    openTask(contents, taskId) {
      const target = targets.get(contents.id);
      if (!target || contents.isDestroyed()) return;
      if (target.ready) contents.send(IPC_CHANNELS.openTask, taskId);
      else target.pendingTaskToOpen = taskId;
    },
    dispose() {
      unsubscribe();
      ipcMain.removeHandler(IPC_CHANNELS.call);
      ipcMain.off(IPC_CHANNELS.ready, onReady);
      targets.clear();
    },
  };
}
