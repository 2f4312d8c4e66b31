import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardEvent } from '../shared/contract';
import type { ServerMessage } from '../shared/webProtocol';
import type { EngineHandle } from '../electron/core/dispatch/engineHandle';
import { startServer, type RunningServer } from '../electron/server/server';
import { newEngine, writeFastSettings } from './helpers/engine';
import { useTempHomes } from './helpers/home';
import { connectSocket, nextMessage, request, writeFakeRenderer, wsUrl } from './helpers/webClient';

/**
 * `switchyard serve` listens before its engine has started (issue 17, target 7: the browser loads
 * the page while the engine reads the profiles and the database). The page is served meanwhile;
 * a socket opened early is neither refused nor answered with an error: its calls wait for the
 * engine, and its events follow from the snapshot's seq on.
 */

const newHome = useTempHomes();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server over an engine whose start the test finishes (or fails) when it chooses. */
async function serveBeforeTheEngine() {
  const home = newHome();
  writeFastSettings(home);
  let finishStart: (engine: EngineHandle) => void = () => undefined;
  let failStart: (error: Error) => void = () => undefined;
  const engine = new Promise<EngineHandle>((resolve, reject) => {
    finishStart = resolve;
    failStart = reject;
  });
  const server: RunningServer = await startServer({ engine, rendererDir: writeFakeRenderer(home.home) });
  cleanups.push(() => server.close());
  return { home, server, finishStart, failStart };
}

describe('serve listens before its engine has started', () => {
  it('serves the page, and an early socket gets its snapshot and then the events once the engine is there', async () => {
    const { home, server, finishStart } = await serveBeforeTheEngine();
    const page = await request(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Switchyard board');

    const socket = await connectSocket(wsUrl(server), cleanups as (() => void)[]);
    const received: ServerMessage[] = [];
    socket.on('message', (data) => received.push(JSON.parse(data.toString()) as ServerMessage));
    const snapshotReply = nextMessage(socket, (message) => 'result' in message && message.id === 'early');
    socket.send(JSON.stringify({ id: 'early', name: 'snapshot', request: { board: 'default' } }));
    // The server goes on serving files while the call waits; nothing has been answered yet.
    expect((await request(server.port, '/assets/app.js')).status).toBe(200);
    expect(received).toEqual([]);

    const engine = newEngine(home, false);
    engine.start();
    cleanups.push(() => engine.close({ stopWorkers: true }));
    finishStart(engine);

    const snapshot = await snapshotReply;
    expect(snapshot).toMatchObject({ id: 'early', result: { ok: true } });
    const seq = (snapshot as { result: { value: { seq: number } } }).result.value.seq;

    const event = nextMessage(socket, (message) => 'event' in message);
    const created = nextMessage(socket, (message) => 'result' in message && message.id === 'c1');
    socket.send(
      JSON.stringify({
        id: 'c1',
        name: 'createTask',
        request: { board: 'default', title: 'After the start' },
      }),
    );
    expect(await created).toMatchObject({ result: { ok: true, value: { title: 'After the start' } } });
    const { event: first } = (await event) as { event: BoardEvent };
    // The socket's seq/resync contract: the first event after the snapshot is the next seq.
    expect(first.seq).toBe(seq + 1);
  });

  it('an engine whose start fails: the waiting calls are not answered as done and the server closes', async () => {
    const { server, failStart } = await serveBeforeTheEngine();
    const socket = await connectSocket(wsUrl(server), cleanups as (() => void)[]);
    const received: ServerMessage[] = [];
    socket.on('message', (data) => received.push(JSON.parse(data.toString()) as ServerMessage));
    const closedWith = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ id: 'early', name: 'snapshot', request: { board: 'default' } }));
    expect((await request(server.port, '/')).status).toBe(200);

    failStart(new Error('the database is locked'));
    await server.close();
    expect(await closedWith).toBe(1001);
    expect(received).toEqual([]);
    // Nothing listens any more (a new connection: the helper's agent may keep the old one).
    const refused = await new Promise<string | undefined>((resolve) =>
      net
        .connect(server.port, '127.0.0.1', () => resolve(undefined))
        .once('error', (error: NodeJS.ErrnoException) => resolve(error.code)),
    );
    expect(refused).toBe('ECONNREFUSED');
  });
});
