import { describe, expect, it } from 'vitest';
import type { BoardEvent, CallResult } from '../../../shared/contract';
import type { SwitchyardBridge } from '../../../electron/desktop/preload';
import { ApiError } from './boardApi';
import { FakeApi } from './fakeApi';
import { createPreloadBridgeApi } from './preloadBridge';

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('FakeApi', () => {
  it('validates requests with the contract schemas', async () => {
    const api = new FakeApi();
    expect((await refusal(api.call('createTask', { board: 'default', title: '' }))).code).toBe('validation');
    expect((await refusal(api.call('moveTask', { id: 'nope', status: 'done' }))).code).toBe('validation');
    // @ts-expect-error — an unknown field, as a buggy caller might send
    expect((await refusal(api.call('snapshot', { board: 'default', extra: 1 }))).code).toBe('validation');
    expect(api.tasks.size).toBe(0);
  });

  it('creates, moves and completes tasks with numbered events, like the core', async () => {
    const api = new FakeApi({ now: () => 1_000 });
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    const parent = await api.call('createTask', { board: 'default', title: 'Parent', assignee: 'Coder' });
    const child = await api.call('createTask', { board: 'default', title: 'Child', parents: [parent.id] });
    expect(parent.assignee).toBe('coder');
    expect(child.status).toBe('todo');
    expect((await refusal(api.call('moveTask', { id: child.id, status: 'ready' }))).code).toBe(
      'illegal_move',
    );
    expect((await refusal(api.call('moveTask', { id: parent.id, status: 'running' }))).code).toBe(
      'illegal_move',
    );
    const moved = await api.call('moveTask', { id: parent.id, status: 'todo', assignee: 'reviewer' });
    expect(moved.task).toMatchObject({ status: 'todo', assignee: 'reviewer' });
    await api.call('completeTask', { id: parent.id, summary: 'ok' });
    const snapshot = await api.call('snapshot', { board: 'default' });
    expect(snapshot.tasks.find((t) => t.id === child.id)?.status).toBe('ready');
    expect(snapshot.tasks.find((t) => t.id === child.id)).toMatchObject({ parentsTotal: 1, parentsDone: 1 });
    expect(snapshot.seq).toBe(events.at(-1)?.seq);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const last = events.at(-1) as Extract<BoardEvent, { type: 'tasks' }>;
    expect(last.tasks.map((t) => t.id).sort()).toEqual([parent.id, child.id].sort());

    await api.call('blockTask', { id: child.id, reason: 'wait' });
    expect((await api.call('retryTask', { id: child.id })).status).toBe('ready');
    await api.call('archiveTask', { id: child.id });
    expect(events.at(-1)).toMatchObject({ type: 'tasks', removed: [child.id] });
    expect((await api.call('snapshot', { board: 'default' })).tasks.map((t) => t.id)).toEqual([parent.id]);
  });

  it('can be told to fail a call', async () => {
    const api = new FakeApi();
    api.failNext('snapshot', 'database_busy');
    expect((await refusal(api.call('snapshot', { board: 'default' }))).code).toBe('database_busy');
    expect((await api.call('snapshot', { board: 'default' })).tasks).toEqual([]);
  });
});

describe('preload bridge BoardApi', () => {
  it('unwraps results and throws ApiError on refusals', async () => {
    const results: CallResult<unknown>[] = [
      { ok: true, value: [] },
      { ok: false, error: { code: 'forbidden', message: 'no' } },
    ];
    const bridge = {
      call: async () => results.shift(),
      calls: {},
      onEvent: () => () => undefined,
      onOpenTask: () => () => undefined,
    } as unknown as SwitchyardBridge;
    const api = createPreloadBridgeApi(bridge);
    expect(await api.call('listBoards', {})).toEqual([]);
    const error = await refusal(api.call('listBoards', {}));
    expect(error).toMatchObject({ code: 'forbidden', message: 'no' });
  });
});
