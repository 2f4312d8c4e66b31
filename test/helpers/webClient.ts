import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import WebSocket from 'ws';
import type { RunningServer } from '../../electron/server/server';
import type { ServerMessage } from '../../shared/webProtocol';

/** Test clients of the web-mode server (docs/architecture.md §8): raw HTTP, WebSocket, and a fake built renderer. */

/** A renderer folder with a page and an asset, plus a secret beside it that must never be served. */
export function writeFakeRenderer(home: string): string {
  const rendererDir = path.join(home, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchyard board</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(home, 'secret.txt'), 'secret');
  return rendererDir;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to the loopback server, with the Host header a browser would send. */
export function request(
  port: number,
  pathAndQuery: string,
  { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathAndQuery,
        method,
        headers: { Host: `127.0.0.1:${port}`, ...headers },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * Opens a socket; resolves with it once open (and registers its teardown in `cleanups`), or
 * rejects with "HTTP <status>" of the refusal.
 */
export function connectSocket(
  url: string,
  cleanups: (() => void)[],
  headers: Record<string, string> = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      cleanups.push(() => socket.terminate());
      resolve(socket);
    });
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}

export function wsUrl(server: RunningServer, token = server.token): string {
  return `ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(token)}`;
}

/** The next message on `socket` that `match` accepts. */
export function nextMessage(
  socket: WebSocket,
  match: (message: ServerMessage) => boolean = () => true,
): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (!match(message)) return;
      socket.off('message', onMessage);
      resolve(message);
    };
    socket.on('message', onMessage);
  });
}
