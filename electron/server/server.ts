import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientMessageSchema, WS_PATH, type ServerMessage } from '../../shared/webProtocol';
import { DEFAULT_BOARD } from '../../shared/domain';
import type { BoardEvent } from '../../shared/boardEvents';
import { createApi, type Api } from '../core/api/api';
import { describeRefusal } from '../../shared/refusalText';
import type { EngineHandle } from '../core/dispatch/engineHandle';
import { RendererFiles } from './rendererFiles';

/**
 * Web mode (docs/architecture.md §8): the built renderer over HTTP and the contract over a WebSocket, on 127.0.0.1
 * only. Every request must name this server in its Host header (a page on another site that
 * rebinds its DNS name to 127.0.0.1 still sends its own name, so it is refused).
 *
 * The token guards the board's data, which travels only over the WebSocket: the socket needs the
 * token (`?token=` on the socket URL, or `Authorization: Bearer`). The page shell (the built
 * renderer: the same files for everyone, no data in them) is served without it, so a reload works
 * after the page has dropped the token from the address bar; the page keeps the token in
 * sessionStorage, which — unlike a cookie — is scoped to this origin including its port, so an
 * agent's dev server on another 127.0.0.1 port never receives it (issue 18). A wrong token given
 * on a page request is still refused (and counted by the throttle).
 *
 * WebSocket Origin rule: a browser always sends Origin on a WebSocket handshake, so when it is
 * present it must be this server's own origin (http://127.0.0.1:<port> or http://localhost:<port>).
 * A handshake without Origin can only come from a non-browser client (a script, a test); it is
 * accepted when it carries the token, which such a client can only have been given by the user.
 */

/**
 * How long `switchyard serve` holds its engine's cold first tick for a board that is opening
 * (performance issue 17, target 7). The server wakes the engine once a board has opened
 * (`BoardOpening`), and after NO_BOARD_GRACE_MS when no board has begun to open (no browser), so
 * this is only the wait for a page that began to load and never opened; a write (the CLI, another
 * process) wakes it sooner too. The engine's own default, 3 s, fell in the middle of a browser's
 * page load on "large": the tick blocked the read ahead of the snapshot for ~1 s and, by writing
 * skip reasons, made it useless, so the snapshot was read a second time before it was sent.
 */
export const FIRST_TICK_DELAY_WHILE_BOARD_OPENS_MS = 15_000;

/**
 * How long the server waits for a board to start opening (the page asked for, or a socket) before
 * it lets the held first tick run: `switchyard serve` on a machine where nobody opens the board (a
 * server, no browser) must not leave its ready tasks for the whole hold above. A browser that loads
 * the printed URL at once asks well within it (target 7: the URL is printed ~0.8 s after the start).
 */
export const NO_BOARD_GRACE_MS = 3_000;

/** Where `switchyard serve --mcp` answers MCP's Streamable HTTP. */
export const MCP_HTTP_PATH = '/mcp';

export interface ServerOptions {
  /**
   * The engine, or its start still under way (`switchyard serve` listens first, so the browser
   * loads the page while the engine starts: issue 17, target 7). Every call, event and wake that
   * needs it waits for it; a start that fails is the caller's to report (it then closes the server).
   */
  engine: EngineHandle | Promise<EngineHandle>;
  /** An API to share (the Electron app); by default the server makes its own and closes it. */
  api?: Api;
  /** 0 or absent: a free port. */
  port?: number;
  /** Loopback only: the board has no user accounts, the token is its only lock. */
  host?: '127.0.0.1';
  /** Folder of the built renderer (dist/renderer) with index.html. */
  rendererDir: string;
  /** Fixed token (tests); by default 32 random bytes. */
  token?: string;
  /** Failed authentications per client address before answering 429 (default 10). */
  maxAuthFailures?: number;
  log?: (line: string) => void;
  /**
   * Opt-in (`serve --mcp`): MCP over Streamable HTTP at /mcp, behind the same token (docs/architecture.md §10).
   * Only for clients outside a browser: a request with another site's Origin is refused.
   */
  mcp?: (engine: EngineHandle) => (request: http.IncomingMessage, response: http.ServerResponse) => void;
  /**
   * The engine holds its first tick for a board that opens (`serve` with the dispatcher:
   * FIRST_TICK_DELAY_WHILE_BOARD_OPENS_MS): wake it once a board has opened, or after
   * NO_BOARD_GRACE_MS when none has begun to.
   */
  firstTickHeld?: boolean;
}

export interface RunningServer {
  /** Open this in a browser: it carries the token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The engine once started, with what the server made over it. */
interface AttachedEngine {
  engine: EngineHandle;
  api: Api;
  mcp: ((request: http.IncomingMessage, response: http.ServerResponse) => void) | undefined;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;
/**
 * Calls one socket may have unanswered (received, not yet written out). Past it, calls are refused
 * at once: one client flooding snapshot calls must not take the server's memory or time (issue 18).
 */
export const MAX_CALLS_IN_FLIGHT = 32;
/** A client that stops reading is dropped (it reconnects and resyncs from a snapshot). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Per-address count of bad tokens; past the limit, an exponential lockout answered with 429. */
export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; lockedUntil: number; lastAt: number }>();

  constructor(
    private readonly maxFailures = 10,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the address must wait, or 0. */
  retryAfter(address: string): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    const wait = entry.lockedUntil - this.now();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  fail(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    // Forget old mistakes after ten quiet minutes.
    const count = entry && now - entry.lastAt < 10 * 60_000 ? entry.count + 1 : 1;
    const over = count - this.maxFailures;
    const lockedUntil = over >= 0 ? now + Math.min(1000 * 2 ** over, 60_000) : 0;
    this.failures.set(address, { count, lockedUntil, lastAt: now });
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  const rendererDir = path.resolve(options.rendererDir);
  const log = options.log ?? (() => undefined);
  const throttle = new AuthThrottle(options.maxAuthFailures ?? 10);
  const rendererFiles = new RendererFiles();
  const ownApi = options.api === undefined;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let attached: AttachedEngine | undefined;
  /** The one way to the engine here: everything that needs it waits for this. */
  const ready: Promise<AttachedEngine> = Promise.resolve(options.engine).then((engine) => {
    if (closed) throw new Error('the server closed before the engine started');
    const api = options.api ?? createApi(engine);
    // Subscribed before any call is answered: a snapshot's seq is the first one its socket missed.
    unsubscribe = api.subscribe((event) => broadcast(event));
    attached = { engine, api, mcp: options.mcp?.(engine) };
    return attached;
  });
  // The caller made the engine's start and reports its failure; the calls waiting here are
  // answered by the server's close.
  ready.catch(() => undefined);
  /** At once when the engine is there (a held first tick's wake is not put off a turn), else once it is. */
  const wakeEngine = (): void => {
    if (attached) attached.engine.wake();
    else
      void ready.then(
        ({ engine }) => engine.wake(),
        () => undefined,
      );
  };
  const noBoardGrace = new NoBoardGrace(() => {
    log(`serve: no board opened within ${NO_BOARD_GRACE_MS / 1000} s: the first tick runs without one`);
    wakeEngine();
  });
  let port = 0;

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  type Verdict = { ok: true } | { ok: false; status: number; message: string; retryAfter?: number };

  function hostIsOurs(request: http.IncomingMessage): boolean {
    return allowedHosts().has((request.headers.host ?? '').toLowerCase());
  }

  /**
   * `required`: the WebSocket (the data) needs the token; a page request only must not carry a
   * wrong one. Cookies are never read: a cookie would reach every port of 127.0.0.1.
   */
  function authenticate(request: http.IncomingMessage, url: URL, required: boolean): Verdict {
    if (!hostIsOurs(request)) return { ok: false, status: 403, message: 'forbidden host' };
    const address = request.socket.remoteAddress ?? 'unknown';
    const given = [url.searchParams.get('token') ?? undefined, bearer(request.headers.authorization)];
    if (!required && given.every((candidate) => candidate === undefined)) return { ok: true };
    // A correct token always gets in, so a hostile page spraying guesses cannot lock the user out;
    // guessing 256 random bits is hopeless anyway — the throttle keeps the noise down.
    if (given.some((candidate) => sameSecret(candidate, token))) return { ok: true };
    const wait = throttle.retryAfter(address);
    if (wait > 0) return { ok: false, status: 429, message: 'too many bad tokens; wait', retryAfter: wait };
    throttle.fail(address);
    return {
      ok: false,
      status: 401,
      message: 'a valid token is required (open the URL `switchyard serve` printed)',
    };
  }

  function securityHeaders(): Record<string, string> {
    return {
      'Content-Security-Policy': [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      // The URL carries the token: never send it anywhere as a referrer.
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
  }

  function refuse(response: http.ServerResponse, status: number, message: string, retryAfter?: number): void {
    const headers: Record<string, string> = {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    };
    if (retryAfter) headers['Retry-After'] = String(retryAfter);
    response.writeHead(status, { ...securityHeaders(), ...headers });
    response.end(`${message}\n`);
  }

  /** The decoded path, or undefined when its escapes are malformed (`/%`): a bad request. */
  function decodedPath(pathname: string): string | undefined {
    try {
      return decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
  }

  function staticFile(relative: string): { file: string; stat: fs.Stats } | undefined {
    if (relative.includes('\0')) return undefined;
    const file = path.resolve(rendererDir, `.${relative === '/' ? '/index.html' : relative}`);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return undefined;
    try {
      const stat = fs.statSync(file);
      return stat.isFile() ? { file, stat } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Every HTTP request and upgrade goes through here: whatever a local process sends, a parse
   * failure is that request's 400, never the server's end (issue 18).
   */
  function handleHttp(request: http.IncomingMessage, response: http.ServerResponse): void {
    try {
      const url = requestTarget(request);
      if (!url) return refuse(response, 400, 'bad request target');
      serveHttp(request, response, url);
    } catch (error) {
      log(`serve: refused a request that could not be handled: ${(error as Error).message}`);
      if (!response.headersSent) refuse(response, 400, 'bad request');
      else response.destroy();
    }
  }

  function serveHttp(request: http.IncomingMessage, response: http.ServerResponse, url: URL): void {
    // Data (MCP here, the board over the WebSocket) needs the token; the page shell does not.
    const isMcp = options.mcp !== undefined && url.pathname === MCP_HTTP_PATH;
    const verdict = authenticate(request, url, isMcp);
    if (!verdict.ok) return refuse(response, verdict.status, verdict.message, verdict.retryAfter);
    if (isMcp) {
      const origin = request.headers.origin;
      if (origin !== undefined && !allowedOrigins().has(origin.toLowerCase()))
        return refuse(response, 403, 'forbidden origin');
      return void ready.then(
        ({ mcp }) => mcp?.(request, response),
        () => refuse(response, 503, 'the engine did not start'),
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return refuse(response, 405, 'method not allowed');
    const headers: Record<string, string> = { ...securityHeaders() };
    const relative = decodedPath(url.pathname);
    if (relative === undefined) return refuse(response, 400, 'bad request target');
    if (url.pathname === '/' || url.pathname === '/index.html') noBoardGrace.boardOpening();
    const found = staticFile(relative);
    if (!found) {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        response.writeHead(200, {
          ...headers,
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        response.end(
          '<!doctype html><meta charset="utf-8"><title>Switchyard</title>' +
            '<p>The board is not built yet: run <code>npm run build:renderer</code> and reload.</p>\n',
        );
        return;
      }
      return refuse(response, 404, 'not found');
    }
    const { file, stat } = found;
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const cache = path.basename(file) === 'index.html' ? 'no-store' : 'private, max-age=3600';
    const fileHeaders = { ...headers, 'Content-Type': type, 'Cache-Control': cache };
    if (request.method === 'HEAD') {
      response.writeHead(200, fileHeaders);
      return void response.end();
    }
    const failed = (error: Error): void => {
      log(`serve: reading ${file}: ${error.message}`);
      if (response.headersSent) response.destroy(error);
      else refuse(response, 404, 'not found');
    };
    if (!rendererFiles.keeps(stat)) {
      response.writeHead(200, fileHeaders);
      fs.createReadStream(file).on('error', failed).pipe(response);
      return;
    }
    rendererFiles.read(file, stat).then((bytes) => {
      response.writeHead(200, { ...fileHeaders, 'Content-Length': String(bytes.length) });
      response.end(bytes);
    }, failed);
  }

  const server = http.createServer(handleHttp);
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    clientTracking: true,
  });

  function rejectUpgrade(socket: Duplex, status: number, message: string, retryAfter?: number): void {
    const reason = http.STATUS_CODES[status] ?? 'Error';
    const extra = retryAfter ? `Retry-After: ${retryAfter}\r\n` : '';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}` +
        `Content-Length: ${Buffer.byteLength(message) + 1}\r\n\r\n${message}\n`,
    );
  }

  // Requests Node's parser cannot read at all (bad request line, headers too large): answer, close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });

  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    try {
      upgradeToWebSocket(request, socket, head);
    } catch (error) {
      log(`serve: refused an upgrade that could not be handled: ${(error as Error).message}`);
      if (socket.writable) rejectUpgrade(socket, 400, 'bad request');
      else socket.destroy();
    }
  });

  function upgradeToWebSocket(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = requestTarget(request);
    if (!url) return rejectUpgrade(socket, 400, 'bad request target');
    if (url.pathname !== WS_PATH) return rejectUpgrade(socket, 404, 'not found');
    const verdict = authenticate(request, url, true);
    if (!verdict.ok) return rejectUpgrade(socket, verdict.status, verdict.message, verdict.retryAfter);
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin.toLowerCase())) {
      log(`serve: refused a WebSocket from origin ${origin}`);
      return rejectUpgrade(socket, 403, 'forbidden origin');
    }
    sockets.handleUpgrade(request, socket, head, (client) => attachClient(client));
  }

  /** `onSettled` runs once: true when the message was handed to the socket, false when it was not. */
  function send(client: WebSocket, message: ServerMessage, onSettled?: (flushed: boolean) => void): void {
    if (client.readyState !== client.OPEN) return void onSettled?.(false);
    if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.close(1013, 'too slow; reconnect and resync');
      return void onSettled?.(false);
    }
    client.send(JSON.stringify(message), (error) => onSettled?.(!error));
  }

  /** The request target as a URL, or undefined when it is not one (`/%` parses; `http://[` does not). */
  function requestTarget(request: http.IncomingMessage): URL | undefined {
    try {
      return new URL(request.url ?? '/', 'http://127.0.0.1');
    } catch {
      return undefined;
    }
  }

  function attachClient(client: WebSocket): void {
    noBoardGrace.boardOpening();
    let unanswered = 0;
    const opening = new BoardOpening(wakeEngine);
    client.on('error', (error) => log(`serve: client error: ${error.message}`));
    client.on('close', () => opening.closed());
    client.on('message', (data, isBinary) => {
      if (unanswered >= MAX_CALLS_IN_FLIGHT) return refuseFlood(client, isBinary ? null : data.toString());
      unanswered++;
      answer(client, isBinary ? null : data.toString(), opening)
        .catch((error: unknown) => log(`serve: answering a call failed: ${(error as Error).message}`))
        .finally(() => unanswered--);
    });
  }

  function refuseFlood(client: WebSocket, text: string | null): void {
    let id: string | number | null = null;
    try {
      id = clientMessageIdOrNull((JSON.parse(text ?? 'null') as { id?: string | number } | null)?.id ?? null);
    } catch {
      // no id to answer to
    }
    send(client, {
      id,
      result: {
        ok: false,
        error: {
          code: 'database_busy',
          message: `more than ${MAX_CALLS_IN_FLIGHT} calls in flight on this connection; wait for answers`,
        },
      },
    });
  }

  /** Resolves once the answer is written out (or the socket is gone): the in-flight count is honest. */
  async function answer(client: WebSocket, text: string | null, opening: BoardOpening): Promise<void> {
    let raw: unknown;
    try {
      if (text === null) throw new Error('binary messages are not understood');
      raw = JSON.parse(text);
    } catch (error) {
      send(client, {
        id: null,
        result: {
          ok: false,
          error: { code: 'validation', message: `malformed message: ${(error as Error).message}` },
        },
      });
      return;
    }
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const rawId = (raw as { id?: unknown } | null)?.id;
      const id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
      const safeId = clientMessageIdOrNull(id);
      send(client, {
        id: safeId,
        result: {
          ok: false,
          error: { code: 'validation', message: `malformed message: ${describeRefusal(parsed.error)}` },
        },
      });
      return;
    }
    const { id, name, request } = parsed.data;
    opening.asked(name);
    const { api } = await ready;
    // Work for a socket that has gone away is dropped, not done.
    if (client.readyState !== client.OPEN) return;
    const result = await api.callByName(name, request);
    if (client.readyState !== client.OPEN) return;
    await new Promise<void>((resolve) => {
      send(client, { id, result }, (flushed) => {
        if (flushed) opening.written(name);
        resolve();
      });
    });
  }

  function broadcast(event: BoardEvent): void {
    const message = JSON.stringify({ event } satisfies ServerMessage);
    for (const client of sockets.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) client.close(1013, 'too slow; reconnect and resync');
      else client.send(message);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  server.on('error', (error) => log(`serve: ${error.message}`));
  if (options.firstTickHeld) noBoardGrace.start(NO_BOARD_GRACE_MS);
  // While a browser starts and loads the page, read the page and, once the engine is there, the
  // default board's cards for its snapshot: from the next turn of the event loop, once the caller
  // has printed the URL that browser waits for (the lane figures and first cells took 50-250 ms
  // before it, issue 17 target 7).
  let readAhead: NodeJS.Immediate | undefined = setImmediate(() => {
    readAhead = undefined;
    void rendererFiles.warm(rendererDir);
    ready.then(
      ({ api }) => {
        if (!closed) api.prefetchSnapshot(DEFAULT_BOARD);
      },
      () => undefined,
    );
  });

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    close() {
      closing ??= (async () => {
        closed = true;
        noBoardGrace.boardOpening();
        if (readAhead) clearImmediate(readAhead);
        unsubscribe?.();
        if (ownApi) attached?.api.close();
        for (const client of sockets.clients) client.close(1001, 'server closing');
        // Give clients a moment for the closing handshake, then drop whoever has not answered.
        const dropLaggards = setTimeout(() => {
          for (const client of sockets.clients) client.terminate();
        }, 500);
        await new Promise<void>((resolve) => sockets.close(() => resolve()));
        clearTimeout(dropLaggards);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/**
 * One socket's way to an open board, for the engine's cold first tick, which `serve` holds while a
 * board opens (FIRST_TICK_DELAY_WHILE_BOARD_OPENS_MS): the tick blocks the event loop in steps and
 * starts workers, and on a board of 100,000 tasks it took the CPU the page needed. The board has
 * opened once its snapshot is written out (a tick never stalls it half-sent) and the page has asked
 * something after the snapshot (the store asks for the change cards once the snapshot's board is
 * painted, so the tick's CPU no longer competes with the page's first render): a page whose code
 * asks for its snapshot before that code has loaded must not have the tick run through its load.
 * A socket that closes after its snapshot wakes the engine too.
 */
export class BoardOpening {
  private snapshotAsked = false;
  private askedSince = false;
  private snapshotWritten = false;
  private done = false;

  constructor(private readonly wake: () => void) {}

  asked(name: string): void {
    if (this.snapshotAsked) this.askedSince = true;
    if (name === 'snapshot') this.snapshotAsked = true;
    this.check();
  }

  written(name: string): void {
    if (name === 'snapshot') this.snapshotWritten = true;
    this.check();
  }

  closed(): void {
    if (this.snapshotWritten) this.askedSince = true;
    this.check();
  }

  private check(): void {
    if (this.done || !this.snapshotWritten || !this.askedSince) return;
    this.done = true;
    this.wake();
  }
}

/**
 * The engine's held first tick when no board opens (NO_BOARD_GRACE_MS): woken once the grace has
 * passed with no page asked for and no socket, never once a board has begun to open (then
 * `BoardOpening` wakes it, or the hold's own end).
 */
export class NoBoardGrace {
  private timer: NodeJS.Timeout | null = null;
  private opening = false;

  constructor(private readonly wake: () => void) {}

  start(graceMs: number): void {
    if (this.opening || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, graceMs);
    this.timer.unref();
  }

  /** A page or socket came (or the server closes): the board's opening decides from now on. */
  boardOpening(): void {
    this.opening = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function clientMessageIdOrNull(id: string | number | null): string | number | null {
  if (typeof id === 'string') return id.length > 0 && id.length <= 64 ? id : null;
  if (typeof id === 'number') return Number.isInteger(id) && id >= 0 ? id : null;
  return null;
}
