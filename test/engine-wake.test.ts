import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { newEngine, waitFor, writeFastSettings } from './helpers/engine';

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
});
