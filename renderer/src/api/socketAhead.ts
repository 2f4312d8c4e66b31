import type { CallName, CallRequest } from '../../../shared/contract';
import { WS_PATH } from '../../../shared/constants';

/**
 * Web mode's socket, opened by the page's first module before the board's code has loaded
 * (performance issue 17, target 7). The board's code (React, the store, the contract's schemas) is
 * most of the page: while Chromium fetches, compiles and runs it, the server already reads the
 * snapshot the board will ask for first and sends it, and the answer waits here. The WebSocket API
 * takes the socket over (`createWebSocketApi({ ahead })`) and reads what came, in order, as if it had
 * arrived then. This module imports no zod and no React: it is all the first module runs.
 */

/** The part of the browser's WebSocket the client uses (the `ws` package's matches it too). */
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

/** A call sent before the WebSocket API existed; its id is a string, which the API's own (numbers) never are. */
export interface CallSentAhead<N extends CallName = CallName> {
  id: string;
  name: N;
  request: CallRequest<N>;
}

export interface SocketAhead {
  readonly url: string;
  readonly socket: WebSocketLike;
  readonly calls: readonly CallSentAhead[];
  /** The messages that came before the API took the socket over, in order (raw, checked on takeover). */
  readonly received: unknown[];
  /** Whether the calls went out (the socket opened). */
  sent: boolean;
  /** Whether the socket closed before the API took it over (the API then opens its own). */
  closed: boolean;
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

export const browserSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;

/** Opens the socket and sends `calls` as soon as it is open; keeps whatever comes back until taken over. */
export function openSocketAhead(
  url: string,
  calls: readonly { name: CallName; request: CallRequest<CallName> }[],
  createSocket: WebSocketFactory = browserSocket,
): SocketAhead {
  const socket = createSocket(url);
  const ahead: SocketAhead = {
    url,
    socket,
    calls: calls.map((call, index) => ({ id: `ahead-${index + 1}`, name: call.name, request: call.request })),
    received: [],
    sent: false,
    closed: false,
  };
  socket.onopen = () => {
    for (const call of ahead.calls) socket.send(JSON.stringify(call));
    ahead.sent = true;
  };
  socket.onmessage = (event) => void ahead.received.push(event.data);
  socket.onerror = () => undefined; // onclose follows
  socket.onclose = () => {
    ahead.closed = true;
  };
  return ahead;
}
