import { afterEach, describe, expect, it, vi } from 'vitest';
import * as commands from '../electron/core/commands/taskCommands';
import type { Dispatcher } from '../electron/core/dispatch/dispatcher';
import type { ChangeFeed } from '../electron/core/store/changeFeed';
import type { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';

/**
 * Issue 17 target 3a (ready → spawned): a wake ticks in the next turn of the event loop, not on a
 * timer. Timers are faked here once the engine runs, so a wake that waited for one would never tick.
 */

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Engine.wake', () => {
  it('ticks in the next turns of the event loop without any timer firing', async () => {
    const paths = newHome();
    // An hour between scheduled ticks: only the wake can tick within this test.
    writeFastSettings(paths, { tickMs: 3_600_000 });
    const engine = newEngine(paths);
    engines.push(engine);
    engine.start();
    await waitFor(() => engine.lastDispatchResult() !== null, 'the first tick');

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const before = engine.lastDispatchResult();
    engine.wake();
    for (let i = 0; i < 200 && engine.lastDispatchResult() === before; i++) await turn();
    expect(engine.lastDispatchResult()).not.toBe(before);

    // And a wake asked for while one is pending ticks once, not twice.
    const second = engine.lastDispatchResult();
    engine.wake();
    engine.wake();
    for (let i = 0; i < 200 && engine.lastDispatchResult() === second; i++) await turn();
    const third = engine.lastDispatchResult();
    expect(third).not.toBe(second);
    for (let i = 0; i < 50; i++) await turn();
    expect(engine.lastDispatchResult()).toBe(third);
  });

  it('does not tick again for the event of the write it was woken for', async () => {
    const paths = newHome();
    writeFastSettings(paths, { tickMs: 3_600_000 });
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['60'] });
    const engine = newEngine(paths);
    engines.push(engine);
    engine.start();
    await waitFor(() => engine.lastDispatchResult() !== null, 'the first tick');
    const kinds: string[] = [];
    engine.subscribe((change) => {
      if (change.type === 'events') for (const event of change.events) kinds.push(event.kind);
    });
    const inside = engine as unknown as { dispatcher: Dispatcher; feed: ChangeFeed };
    const ticks = vi.spyOn(inside.dispatcher, 'beginTick');
    const actor = { name: 'test' };

    // What the API does: write, then wake. The tick claims and starts the task, and the feed's
    // poll during that tick delivers the task's `created`, which must not start a second tick.
    // The feed's own watch and timer are stopped meanwhile, so that poll is the one in the tick
    // (one of them may otherwise deliver the event before the tick begins).
    inside.feed.stop();
    commands.createTask(engine.db, { title: 'first', assignee: 'coder', status: 'ready' }, actor);
    engine.wake();
    await waitFor(() => kinds.includes('spawned'), 'the worker spawned');
    for (let i = 0; i < 50; i++) await turn();
    expect(ticks).toHaveBeenCalledTimes(1);

    // A write the engine was not woken for still wakes it, through the feed.
    inside.feed.start(() => undefined);
    commands.createTask(engine.db, { title: 'second', assignee: 'coder', status: 'ready' }, actor);
    await waitFor(() => ticks.mock.calls.length === 2, 'a tick for the second task');
  });
});
