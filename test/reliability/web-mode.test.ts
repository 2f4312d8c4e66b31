import net from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BoardEvent } from '../../shared/contract';
import type { ServerMessage } from '../../shared/webProtocol';
import * as commands from '../../electron/core/commands/taskCommands';
import { openDatabase } from '../../electron/core/store/db/open';
import { request, wsUrl } from '../helpers/webClient';
import { useWebServers } from '../helpers/webServer';

/** docs/architecture.md §8 web mode under hostile or heavy use: brute force, foreign Host/Origin, many clients. */

const { serve: setup, connect } = useWebServers();

describe('web mode under attack', () => {
  it('rate-limits token guessing from loopback: 10 misses, then 429 over HTTP and WebSocket; the real token still works', async () => {
    const { server } = await setup();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const how = i % 3;
      const reply = await request(server.port, how === 0 ? `/?token=guess${i}` : '/', {
        headers:
          how === 1
            ? { Authorization: `Bearer other${i}` }
            : how === 2
              ? { Authorization: `Bearer guess${i}` }
              : {},
      });
      statuses.push(reply.status);
      expect(reply.body).not.toContain('Switchyard board');
    }
    expect(statuses).toEqual(Array(10).fill(401));
    for (let i = 0; i < 20; i++) {
      const reply = await request(server.port, `/?token=more${i}`);
      expect(reply.status).toBe(429);
      expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
    }
    await expect(connect(wsUrl(server, 'guess-ws'))).rejects.toThrow('HTTP 429');
    // The right token is never locked out (a hostile page must not be able to lock the user out).
    expect((await request(server.port, `/?token=${server.token}`)).status).toBe(200);
    const socket = await connect(wsUrl(server));
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it('serves no data and no file outside the shell without the token, and never a cookie', async () => {
    const { server } = await setup({ maxAuthFailures: 1_000 });
    const paths = ['/ws', '/api', '/../secret.txt', '/%2e%2e/secret.txt', '/nope', '/?token='];
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      for (const where of paths) {
        const reply = await request(server.port, where, { method });
        expect([401, 404, 405, 429], `${method} ${where}`).toContain(reply.status);
        expect(reply.body).not.toMatch(/secret/);
        expect(reply.headers['set-cookie']).toBeUndefined();
      }
    }
    // A cookie is never read, whatever it holds: the WebSocket still wants the token itself.
    await expect(
      connect(`ws://127.0.0.1:${server.port}/ws`, {
        Cookie: `switchyard_token_${server.port}=${server.token}`,
      }),
    ).rejects.toThrow('HTTP 401');
    await expect(connect(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow('HTTP 401');
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=`)).rejects.toThrow('HTTP 401');
  });

  it('refuses foreign Host headers (DNS rebinding) and foreign WebSocket Origins even with the token', async () => {
    const { server } = await setup();
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      `127.0.0.1:${server.port + 1}`,
      `localhost.evil.example:${server.port}`,
      `127.0.0.1.nip.io:${server.port}`,
    ]) {
      const reply = await request(server.port, `/?token=${server.token}`, { headers: { Host: host } });
      expect(reply.status, host).toBe(403);
      expect(reply.body).not.toContain('Switchyard board');
      await expect(connect(wsUrl(server), { Host: host }), host).rejects.toThrow('HTTP 403');
    }
    for (const origin of [
      'http://evil.example',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      'null',
      `http://localhost.evil.example:${server.port}`,
    ]) {
      await expect(connect(wsUrl(server), { Origin: origin }), origin).rejects.toThrow('HTTP 403');
    }
    // No Host header at all (HTTP/1.0), which Node's client never sends: raw TCP.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () =>
        socket.end(`GET /?token=${encodeURIComponent(server.token)} HTTP/1.0\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 403/);
    expect(
      (
        await request(server.port, `/?token=${server.token}`, {
          headers: { Host: `localhost:${server.port}` },
        })
      ).status,
    ).toBe(200);
  });
});

describe('web mode with many clients', () => {
  it('50 WebSocket clients all receive every event of 25 tasks written by another process, in the same order', async () => {
    const { home, server } = await setup();
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(wsUrl(server))));
    const received = clients.map(() => [] as Extract<BoardEvent, { type: 'tasks' }>[]);
    clients.forEach((socket, index) =>
      socket.on('message', (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as ServerMessage;
        if ('event' in message && message.event.type === 'tasks') received[index]?.push(message.event);
      }),
    );
    // Another connection, as the CLI or a worker would write.
    const writer = openDatabase(home.database);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        ids.push(commands.createTask(writer, { title: `event ${i}` }, { name: 'cli' }).id);
        if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      writer.close();
    }
    const seen = (events: Extract<BoardEvent, { type: 'tasks' }>[]) =>
      new Set(events.flatMap((event) => event.tasks.map((task) => task.id)));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !received.every((events) => ids.every((id) => seen(events).has(id))))
      await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [index, events] of received.entries()) {
      expect([...seen(events)].sort(), `client ${index}`).toEqual([...ids].sort());
      const seqs = events.map((event) => event.seq);
      expect(seqs, `client ${index}`).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs, `client ${index}: every client sees the same events`).toEqual(
        received[0]?.map((event) => event.seq),
      );
    }
  });
});
