import type { BoardEvent, CallName, CallRequest, CallResponse } from '../../../shared/contract';
import { serverMessageSchema, WS_PATH, type RequestId } from '../../../shared/webProtocol';
import { ApiError, type BoardApi } from './boardApi';

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
}

export interface WebSocketApi extends BoardApi {
  /** Whether the socket is open right now. */
  connected(): boolean;
  close(): void;
}

const OPEN = 1;

interface Pending {
  resolve(value: unknown): void;
  reject(error: ApiError): void;
  timer: ReturnType<typeof setTimeout>;
}

const TOKEN_KEY = 'switchyard.token';

/**
 * The token from `?token=` (the URL `switchyard serve` printed), kept in sessionStorage — scoped to
 * this origin and port, unlike a cookie — and then dropped from the address bar and history
 * (issue 18). A reload finds it in sessionStorage; null when neither has it.
 */
export function takeToken(
  location: Pick<Location, 'search' | 'pathname' | 'hash'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  replaceUrl: (url: string) => void,
): string | null {
  const query = new URLSearchParams(location.search);
  const fromQuery = query.get('token');
  if (fromQuery) {
    storage.setItem(TOKEN_KEY, fromQuery);
    query.delete('token');
    const rest = query.toString();
    replaceUrl(`${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    return fromQuery;
  }
  return storage.getItem(TOKEN_KEY);
}

export function defaultSocketUrl(): string {
  const token = takeToken(window.location, window.sessionStorage, (url) =>
    window.history.replaceState(window.history.state, '', url),
  );
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${window.location.host}${WS_PATH}${query}`;
}

export function createWebSocketApi(options: WebSocketApiOptions = {}): WebSocketApi {
  const url = options.url ?? defaultSocketUrl();
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

  function connect(): void {
    if (closed) return;
    const current = createSocket(url);
    socket = current;
    current.onopen = () => {
      delay = firstDelay;
      for (const message of outbox.splice(0)) current.send(message);
      if (everOpened) for (const listener of [...resetListeners]) listener();
      everOpened = true;
    };
    current.onmessage = (event) => receive(event.data);
    current.onerror = () => undefined; // onclose follows and handles it
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
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
      for (const listener of [...listeners]) listener(message.event);
      return;
    }
    if (message.id === null) {
      console.warn('switchyard: the server refused a message', message.result);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.result.ok) call.resolve(message.result.value);
    else call.reject(new ApiError(message.result.error.code, message.result.error.message));
  }

  connect();

  return {
    call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
      if (closed) return Promise.reject(new ApiError('internal', 'the connection is closed'));
      const id = nextId++;
      return new Promise<CallResponse<N>>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new ApiError('internal', `${name}: no answer from the Switchyard server`));
        }, callTimeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        const message = JSON.stringify({ id, name, request });
        if (socket && socket.readyState === OPEN) socket.send(message);
        else outbox.push(message);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
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
