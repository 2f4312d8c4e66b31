import type { BoardEvent, CallName, CallRequest, CallResponse } from '../../../shared/contract';
import { serverMessageSchema, type RequestId } from '../../../shared/webProtocol';
import { ApiError, type BoardApi } from './boardApi';
import {
  browserSocket,
  defaultSocketUrl,
  type SocketAhead,
  type WebSocketFactory,
  type WebSocketLike,
} from './socketAhead';

export type { WebSocketFactory, WebSocketLike } from './socketAhead';

/**
 * Web mode's BoardApi (docs/architecture.md §8): the contract over the server's WebSocket. Calls made while the
 * socket is down wait for it; it reconnects with a growing delay, and after a reconnect the
 * `onStreamReset` listeners are told to take a fresh snapshot (events may have been missed).
 */

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
   * The socket the page's first module opened and the calls it sent (socketAhead.ts): taken over
   * unless it closed already. A call sent ahead answers the first call of its name when that call
   * asks the same; otherwise it is dropped, so an answer from the page's start is never used later.
   */
  ahead?: SocketAhead;
}

export interface WebSocketApi extends BoardApi {
  /** Whether the socket is open right now. */
  connected(): boolean;
  close(): void;
}

const OPEN = 1;
/** Events kept for the first listener at most (see `heldEvents`). */
const MAX_HELD_EVENTS = 10_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: ApiError): void;
  timer: ReturnType<typeof setTimeout>;
}

export function createWebSocketApi(options: WebSocketApiOptions = {}): WebSocketApi {
  const url = options.url ?? options.ahead?.url ?? defaultSocketUrl();
  const createSocket: WebSocketFactory = options.createSocket ?? browserSocket;
  const firstDelay = options.reconnectDelayMs ?? 250;
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;

  const listeners = new Set<(event: BoardEvent) => void>();
  const resetListeners = new Set<() => void>();
  const pending = new Map<RequestId, Pending>();
  const outbox: string[] = [];
  /** Answers of calls sent ahead, by call name, until the first call of that name (see `ahead`). */
  const answersAhead = new Map<CallName, { key: string; answer: Promise<unknown> }>();
  /**
   * Events that came before anyone listened, for the first listener: with a socket taken over, the
   * snapshot's answer and the events after it may all have come before the board subscribed, and a
   * lost event would cost a resync. Bounded: past it the oldest go, and the gap resyncs.
   */
  let heldEvents: BoardEvent[] | null = [];
  let socket: WebSocketLike | null = null;
  let nextId = 1;
  let delay = firstDelay;
  let everOpened = false;
  let closed = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  const callKey = (name: CallName, request: unknown): string => `${name} ${JSON.stringify(request)}`;

  function connect(): void {
    if (closed) return;
    attach(createSocket(url));
  }

  function attach(current: WebSocketLike): void {
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

  /** Waits for the answer to call `id` (sent or queued by the caller). */
  function awaitAnswer(id: RequestId, name: CallName): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new ApiError('internal', `${name}: no answer from the Switchyard server`));
      }, callTimeoutMs);
      pending.set(id, { resolve, reject, timer });
    });
  }

  /** Takes over the socket the page's first module opened; false when it has closed meanwhile. */
  function takeOver(ahead: SocketAhead): boolean {
    if (ahead.closed) return false;
    attach(ahead.socket);
    for (const call of ahead.calls) {
      const answer = awaitAnswer(call.id, call.name);
      answer.catch(() => undefined); // an answer nobody takes must not be an unhandled rejection
      answersAhead.set(call.name, { key: callKey(call.name, call.request), answer });
      if (!ahead.sent) outbox.push(JSON.stringify(call));
    }
    // Sent means it opened: a later reconnect must resync, as after any open.
    if (ahead.sent) everOpened = true;
    for (const data of ahead.received.splice(0)) receive(data);
    return true;
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
      if (heldEvents && listeners.size === 0) {
        heldEvents.push(message.event);
        if (heldEvents.length > MAX_HELD_EVENTS) heldEvents.shift();
        return;
      }
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

  if (!options.ahead || !takeOver(options.ahead)) connect();

  return {
    call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
      if (closed) return Promise.reject(new ApiError('internal', 'the connection is closed'));
      const ahead = answersAhead.get(name);
      if (ahead) {
        answersAhead.delete(name);
        if (ahead.key === callKey(name, request)) return ahead.answer as Promise<CallResponse<N>>;
      }
      const id = nextId++;
      const answer = awaitAnswer(id, name) as Promise<CallResponse<N>>;
      const message = JSON.stringify({ id, name, request });
      if (socket && socket.readyState === OPEN) socket.send(message);
      else outbox.push(message);
      return answer;
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
