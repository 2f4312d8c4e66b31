import type { BoardEvent, CallName, CallRequest, CallResponse } from '../../../shared/contract';
import { serverMessageSchema, type RequestId, type ServerMessage } from '../../../shared/webProtocol';
import { ApiError, type BoardApi } from './boardApi';
import { EARLY_SNAPSHOT_ID, type EarlySocket } from './earlySocket';
import { defaultSocketUrl } from './socketUrl';

/**
 * Web mode's BoardApi (docs/architecture.md §8): the contract over the server's WebSocket. Calls made while the
 * socket is down wait for it; it reconnects with a growing delay, and after a reconnect the
 * `onStreamReset` listeners are told to take a fresh snapshot (events may have been missed).
 */

/** The part of the browser's WebSocket this client uses (the `ws` package's matches it too). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export interface WebSocketApiOptions {
  /** Full ws:// URL with the token; by default derived from the page's location. */
  url?: string;
  createSocket?: WebSocketFactory;
  /** First reconnect delay; it doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** A call without an answer after this long is rejected (the socket is probably dead). */
  callTimeoutMs?: number;
  /**
   * The page's boot script's socket (`takeEarlySocket`), to use instead of opening one: its
   * snapshot answers the first snapshot call for the same board, and events it brings wait for
   * the first listener. Its address replaces `url`.
   */
  early?: EarlySocket | null;
}

export interface WebSocketApi extends BoardApi {
  /** Whether the socket is open right now. */
  connected(): boolean;
  close(): void;
}

const OPEN = 1;

type ServerAnswer = Extract<ServerMessage, { result: unknown }>['result'];

interface Pending {
  resolve(value: unknown): void;
  reject(error: ApiError): void;
  timer: ReturnType<typeof setTimeout>;
}

export function createWebSocketApi(options: WebSocketApiOptions = {}): WebSocketApi {
  let early = options.early ?? null;
  const url = early?.url ?? options.url ?? defaultSocketUrl();
  const createSocket: WebSocketFactory =
    options.createSocket ?? ((target) => new WebSocket(target) as unknown as WebSocketLike);
  const firstDelay = options.reconnectDelayMs ?? 250;
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;

  const listeners = new Set<(event: BoardEvent) => void>();
  const resetListeners = new Set<() => void>();
  const pending = new Map<RequestId, Pending>();
  const outbox: string[] = [];
  let socket: WebSocketLike | null = null;
  let nextId = 1;
  let delay = firstDelay;
  let everOpened = false;
  let closed = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The boot script's snapshot call until a snapshot call for its board claims it. */
  let earlySnapshot: { board: string; answer: ServerAnswer | null } | null = early
    ? { board: early.board, answer: null }
    : null;
  /** Events of the boot script's socket that came before anyone subscribed (null: none wait). */
  let heldEvents: BoardEvent[] | null = early ? [] : null;

  function connect(): void {
    if (closed) return;
    const adopted = early;
    early = null;
    const current = adopted ? adopted.socket : createSocket(url);
    socket = current;
    // The boot script's snapshot call, when it had not gone out yet, goes first in the outbox.
    let afterEarlyAsked = adopted && !adopted.sent ? adopted.afterAsked : null;
    const opened = () => {
      delay = firstDelay;
      for (const message of outbox.splice(0)) current.send(message);
      afterEarlyAsked?.();
      afterEarlyAsked = null;
      if (everOpened) for (const listener of [...resetListeners]) listener();
      everOpened = true;
    };
    current.onopen = opened;
    current.onmessage = (event) => receive(event.data);
    current.onerror = () => undefined; // onclose follows and handles it
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      // The boot script's snapshot, if not claimed yet, goes with its socket: the store asks anew.
      earlySnapshot = null;
      // Calls in flight may or may not have run: their callers must hear about it.
      for (const [id, call] of pending) {
        clearTimeout(call.timer);
        call.reject(new ApiError('internal', 'lost the connection to the Switchyard server'));
        pending.delete(id);
      }
      if (closed) return;
      reconnectTimer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, maxDelay);
    };
    if (!adopted) return;
    if (!adopted.sent) outbox.unshift(adopted.message);
    if (current.readyState === OPEN) opened();
    for (const data of adopted.received.splice(0)) receive(data);
  }

  function receive(data: unknown): void {
    let parsed;
    try {
      parsed = serverMessageSchema.safeParse(JSON.parse(String(data)));
    } catch {
      console.warn('switchyard: ignored a message that is not JSON');
      return;
    }
    if (!parsed.success) {
      console.warn('switchyard: ignored a malformed server message', parsed.error.issues[0]);
      return;
    }
    const message = parsed.data;
    if ('event' in message) {
      if (heldEvents) heldEvents.push(message.event);
      for (const listener of [...listeners]) listener(message.event);
      return;
    }
    if (message.id === null) {
      console.warn('switchyard: the server refused a message', message.result);
      return;
    }
    const call = pending.get(message.id);
    if (!call) {
      if (message.id === EARLY_SNAPSHOT_ID && earlySnapshot) earlySnapshot.answer = message.result;
      return;
    }
    pending.delete(message.id);
    settle(call, message.result);
  }

  function settle(call: Pending, result: ServerAnswer): void {
    clearTimeout(call.timer);
    if (result.ok) call.resolve(result.value);
    else call.reject(new ApiError(result.error.code, result.error.message));
  }

  /** Whether this call is the one the boot script already sent (same call, same board). */
  function isEarlySnapshot(name: CallName, request: unknown): boolean {
    return (
      earlySnapshot !== null &&
      name === 'snapshot' &&
      JSON.stringify(request) === JSON.stringify({ board: earlySnapshot.board })
    );
  }

  connect();

  return {
    call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
      if (closed) return Promise.reject(new ApiError('internal', 'the connection is closed'));
      const claimed = isEarlySnapshot(name, request) ? earlySnapshot : null;
      if (claimed) earlySnapshot = null;
      const id = claimed ? EARLY_SNAPSHOT_ID : nextId++;
      return new Promise<CallResponse<N>>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new ApiError('internal', `${name}: no answer from the Switchyard server`));
        }, callTimeoutMs);
        const call: Pending = { resolve: resolve as (value: unknown) => void, reject, timer };
        if (claimed?.answer) return settle(call, claimed.answer);
        pending.set(id, call);
        if (claimed) return; // asked by the boot script; its answer settles this call
        const message = JSON.stringify({ id, name, request });
        if (socket && socket.readyState === OPEN) socket.send(message);
        else outbox.push(message);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      const held = heldEvents;
      heldEvents = null;
      for (const event of held ?? []) listener(event);
      return () => listeners.delete(listener);
    },
    onStreamReset(listener) {
      resetListeners.add(listener);
      return () => resetListeners.delete(listener);
    },
    connected: () => socket !== null && socket.readyState === OPEN,
    close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      socket?.close(1000, 'closed by the page');
      socket = null;
      for (const call of pending.values()) {
        clearTimeout(call.timer);
        call.reject(new ApiError('internal', 'the connection is closed'));
      }
      pending.clear();
    },
  };
}
