import { describe, expect, it } from 'vitest';
import type { BoardEvent } from '../../../shared/contract';
import { openSocketAhead, type WebSocketLike } from './socketAhead';
import { createWebSocketApi } from './webSocketApi';

/** A socket the test opens, feeds and closes by hand; it records what the page sent. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly sent: { id: number | string; name: string; request: unknown }[] = [];

  send(data: string): void {
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number]);
  }
  close(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  serve(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function sockets() {
  const made: FakeSocket[] = [];
  const factory = () => {
    const socket = new FakeSocket();
    made.push(socket);
    return socket;
  };
  return { made, factory };
}

const URL = 'ws://127.0.0.1:1/ws?token=t';
const snapshotOf = (board: string, seq: number) => ({ board, seq, tasks: [] });
const tasksEvent = (seq: number): BoardEvent => ({ type: 'tasks', seq, tasks: [], removed: [] });
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Performance issue 17, target 7: the page's first module asks for the snapshot before the board's
 * code has loaded; the WebSocket API takes its socket over and answers the store's first snapshot
 * call with what came meanwhile.
 */
describe('a snapshot asked ahead of the board', () => {
  it("answers the board's first snapshot call without asking again, and keeps the events after it", async () => {
    const { made, factory } = sockets();
    const ahead = openSocketAhead(URL, [{ name: 'snapshot', request: { board: 'default' } }], factory);
    const socket = made[0] as FakeSocket;
    socket.open();
    expect(socket.sent).toEqual([{ id: 'ahead-1', name: 'snapshot', request: { board: 'default' } }]);
    // The answer and an event after it come while the board's code is still loading.
    socket.serve({ id: 'ahead-1', result: { ok: true, value: snapshotOf('default', 5) } });
    socket.serve({ event: tasksEvent(6) });

    const api = createWebSocketApi({ ahead, createSocket: factory });
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    await expect(api.call('snapshot', { board: 'default' })).resolves.toMatchObject({ seq: 5 });
    expect(events.map((event) => event.seq)).toEqual([6]);
    expect(made).toHaveLength(1);
    expect(socket.sent.filter((message) => message.name === 'snapshot')).toHaveLength(1);
    // Later calls go over the same socket, with the API's own ids.
    const boards = api.call('listBoards', {});
    expect(socket.sent.at(-1)).toMatchObject({ id: 1, name: 'listBoards' });
    socket.serve({ id: 1, result: { ok: true, value: [] } });
    await expect(boards).resolves.toEqual([]);
    api.close();
  });

  it('sends the calls when the socket opens after the takeover', async () => {
    const { made, factory } = sockets();
    const ahead = openSocketAhead(URL, [{ name: 'snapshot', request: { board: 'default' } }], factory);
    const api = createWebSocketApi({ ahead, createSocket: factory });
    const snapshot = api.call('snapshot', { board: 'default' });
    const socket = made[0] as FakeSocket;
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual([{ id: 'ahead-1', name: 'snapshot', request: { board: 'default' } }]);
    socket.serve({ id: 'ahead-1', result: { ok: true, value: snapshotOf('default', 9) } });
    await expect(snapshot).resolves.toMatchObject({ seq: 9 });
    expect(made).toHaveLength(1);
    api.close();
  });

  it('answers only the first call of its name, and only when it asks the same', async () => {
    const { made, factory } = sockets();
    const ahead = openSocketAhead(URL, [{ name: 'snapshot', request: { board: 'default' } }], factory);
    const socket = made[0] as FakeSocket;
    socket.open();
    socket.serve({ id: 'ahead-1', result: { ok: true, value: snapshotOf('default', 5) } });
    const api = createWebSocketApi({ ahead, createSocket: factory });
    // The board opened another board first: that is asked anew, and the answer ahead is dropped.
    const other = api.call('snapshot', { board: 'other' });
    expect(socket.sent.at(-1)).toMatchObject({ id: 1, name: 'snapshot', request: { board: 'other' } });
    socket.serve({ id: 1, result: { ok: true, value: snapshotOf('other', 7) } });
    await expect(other).resolves.toMatchObject({ board: 'other' });
    // Back to the first board later: a fresh snapshot, never the one from the page's start.
    const again = api.call('snapshot', { board: 'default' });
    expect(socket.sent.at(-1)).toMatchObject({ id: 2, name: 'snapshot', request: { board: 'default' } });
    socket.serve({ id: 2, result: { ok: true, value: snapshotOf('default', 8) } });
    await expect(again).resolves.toMatchObject({ seq: 8 });
    api.close();
  });

  it('opens a socket of its own when the one opened ahead has closed', async () => {
    const { made, factory } = sockets();
    const ahead = openSocketAhead(URL, [{ name: 'snapshot', request: { board: 'default' } }], factory);
    (made[0] as FakeSocket).close();
    const api = createWebSocketApi({ ahead, createSocket: factory });
    const snapshot = api.call('snapshot', { board: 'default' });
    const own = made[1] as FakeSocket;
    expect(made).toHaveLength(2);
    own.open();
    expect(own.sent).toEqual([{ id: 1, name: 'snapshot', request: { board: 'default' } }]);
    own.serve({ id: 1, result: { ok: true, value: snapshotOf('default', 3) } });
    await expect(snapshot).resolves.toMatchObject({ seq: 3 });
    api.close();
  });

  it('fails the call sent ahead when the socket drops before the answer, and resyncs after the reconnect', async () => {
    const { made, factory } = sockets();
    const ahead = openSocketAhead(URL, [{ name: 'snapshot', request: { board: 'default' } }], factory);
    (made[0] as FakeSocket).open();
    const api = createWebSocketApi({ ahead, createSocket: factory, reconnectDelayMs: 1 });
    let resets = 0;
    api.onStreamReset?.(() => resets++);
    const snapshot = api.call('snapshot', { board: 'default' });
    (made[0] as FakeSocket).close();
    await expect(snapshot).rejects.toThrow(/lost the connection/);
    await expect.poll(() => made.length).toBe(2);
    (made[1] as FakeSocket).open();
    await flush();
    expect(resets).toBe(1);
    api.close();
  });
});
