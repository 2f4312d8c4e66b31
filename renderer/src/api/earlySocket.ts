import type { CallRequest } from '../../../shared/contract';
import type { ClientMessage } from '../../../shared/webProtocol';
import { initialBoard } from '../store/storedBoard';
import { defaultSocketUrl } from './socketUrl';
import type { WebSocketFactory, WebSocketLike } from './webSocketApi';

/**
 * Web mode's socket opened by the page's boot script (`boot.ts`), which runs as soon as the HTML is
 * parsed, with the snapshot of the board the window opens asked at once: the board's code (480 KB)
 * is still downloading and compiling then, and on "large" the snapshot's round trip used to start
 * only after it had run (bench/RESULTS.md, row 7, engineer paint). The WebSocket API takes the
 * socket over (`takeEarlySocket`) and gives the answer to the store's first snapshot call for the
 * same board. Nothing here validates or parses: messages wait, as received, for the API, which
 * checks them with zod like every other message.
 */

/** The boot script's snapshot call; the WebSocket API numbers its own calls from 1. */
export const EARLY_SNAPSHOT_ID = 0;

export interface EarlySocket {
  readonly url: string;
  readonly socket: WebSocketLike;
  /** The board whose snapshot the boot script asked for. */
  readonly board: string;
  /** The snapshot call as sent, or to be sent once the socket opens. */
  readonly message: string;
  /** Whether `message` has gone out (the socket opened before the API took it over). */
  sent: boolean;
  /** Messages received before the API took the socket over, in order, unread. */
  readonly received: unknown[];
  /**
   * The boot script's work that must not hold up the question: run once `message` has gone out,
   * here or by the API that took the socket over before it opened.
   */
  readonly afterAsked: () => void;
}

let early: EarlySocket | null = null;

/**
 * Opens the socket and asks for the snapshot of the board the window opens with (once), then runs
 * `afterAsked`. By default the page's own address and WebSocket; tests give theirs.
 */
export function openEarlySocket(
  options: { url?: string; createSocket?: WebSocketFactory; afterAsked?: () => void } = {},
): void {
  if (early) return;
  const url = options.url ?? defaultSocketUrl();
  const createSocket =
    options.createSocket ?? ((target: string) => new WebSocket(target) as unknown as WebSocketLike);
  const board = initialBoard();
  const request: CallRequest<'snapshot'> = { board };
  const message = JSON.stringify({
    id: EARLY_SNAPSHOT_ID,
    name: 'snapshot',
    request,
  } satisfies ClientMessage);
  const socket = createSocket(url);
  const afterAsked = options.afterAsked ?? (() => undefined);
  const opened: EarlySocket = { url, socket, board, message, sent: false, received: [], afterAsked };
  socket.onopen = () => {
    socket.send(message);
    opened.sent = true;
    afterAsked();
  };
  socket.onmessage = (event) => opened.received.push(event.data);
  early = opened;
}

/**
 * The boot script's socket for the WebSocket API to take over (once), or null: none was opened
 * (the desktop app, tests, Vite's dev server) or it has closed already, and the API opens its own.
 */
export function takeEarlySocket(): EarlySocket | null {
  const taken = early;
  early = null;
  const CLOSING = 2;
  if (!taken || taken.socket.readyState >= CLOSING) return null;
  return taken;
}
