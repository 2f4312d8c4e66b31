import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../shared/domain';
import type { ServerMessage } from '../../shared/webProtocol';
import { runCliJson } from '../helpers/cli';
import { startServeProcess } from '../helpers/serveProcess';
import { useTempHomes } from '../helpers/home';
import { connectSocket, request, writeFakeRenderer } from '../helpers/webClient';
import { holdWriteLock } from './helpers/faults';

/**
 * Issue 18: another process holding the write lock must not freeze `serve`. While it holds it, a write
 * sent over the WebSocket waits (off the event loop); reads over the same socket and the page over
 * HTTP are answered meanwhile — before the write — and the write lands once the lock is released.
 * Asserted by the order of answers, not by how long anything took.
 */

const tempHome = useTempHomes();

describe('a write lock held by another process', () => {
  it('leaves serve answering reads and the page; the waiting write lands after the release', async () => {
    const paths = tempHome();
    await runCliJson(paths.home, ['create', 'before the lock']);
    // With the dispatcher: its ticks write too (lease, skip reasons) and must wait the same way.
    const {
      child: serve,
      port,
      token,
    } = await startServeProcess(paths.home, {
      env: {
        SWITCHYARD_ACTOR: 'tester',
        SWITCHYARD_RENDERER_DIR: writeFakeRenderer(`${paths.home}-renderer`),
      },
    });
    const cleanups: (() => void)[] = [];
    const holder = holdWriteLock(paths.database);
    try {
      const socket = await connectSocket(
        `ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(token)}`,
        cleanups,
      );
      const answered: string[] = [];
      const results = new Map<string, ServerMessage>();
      const waiters = new Map<string, () => void>();
      socket.on('message', (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as ServerMessage;
        if (!('id' in message) || typeof message.id !== 'string') return;
        answered.push(message.id);
        results.set(message.id, message);
        waiters.get(message.id)?.();
      });
      const send = (id: string, name: string, body: unknown): void =>
        socket.send(JSON.stringify({ id, name, request: body }));
      const answerOf = (id: string): Promise<ServerMessage> =>
        results.has(id)
          ? Promise.resolve(results.get(id) as ServerMessage)
          : new Promise((resolve) => waiters.set(id, () => resolve(results.get(id) as ServerMessage)));

      await holder.locked;
      send('write', 'createTask', { board: 'default', title: 'during the lock' });
      send('read', 'listBoards', {});
      send('snapshot', 'snapshot', { board: 'default' });
      expect(await answerOf('read')).toMatchObject({ result: { ok: true } });
      expect(await answerOf('snapshot')).toMatchObject({ result: { ok: true } });
      const page = await request(port, '/');
      expect(page.status).toBe(200);
      // Everything above was answered while the write still waits for the lock.
      expect(answered, JSON.stringify(results.get('write'))).not.toContain('write');

      await holder.release();
      const written = await answerOf('write');
      expect(written).toMatchObject({ result: { ok: true, value: { title: 'during the lock' } } });
      expect(answered.indexOf('write')).toBeGreaterThan(answered.indexOf('snapshot'));
    } finally {
      await holder.release();
      for (const cleanup of cleanups) cleanup();
      serve.kill('SIGTERM');
      await new Promise((resolve) => (serve.exitCode !== null ? resolve(null) : serve.once('exit', resolve)));
    }
    const titles = (await runCliJson<Task[]>(paths.home, ['list'])).map((task) => task.title).sort();
    expect(titles).toEqual(['before the lock', 'during the lock']);
  }, 90_000);
});
