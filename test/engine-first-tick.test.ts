import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { newEngine, writeFastSettings, waitFor } from './helpers/engine';

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function start(firstTickDelayMs: number | undefined): Engine {
  const paths = newHome();
  writeFastSettings(paths);
  const engine = newEngine(paths, true, { firstTickDelayMs });
  engines.push(engine);
  engine.start();
  return engine;
}

const realSetTimeout = globalThis.setTimeout;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine: the first (cold) tick', () => {
  it('runs at once by default', async () => {
    // At once: in the next turn of the event loop, on no timer. With setTimeout faked (never
    // firing here), a first tick held by any delay would never come.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const engine = start(undefined);
      // Polled on the real timer (vi.waitFor would advance the fake clock and fire a delay).
      const deadline = Date.now() + 30_000;
      while (engine.dispatcherState().lastTickAt === null && Date.now() < deadline)
        await new Promise((resolve) => realSetTimeout(resolve, 10));
      expect(engine.dispatcherState().lastTickAt).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits for its delay so a board gets its snapshot first, and a wake starts it sooner', async () => {
    const engine = start(60_000);
    await sleep(300);
    expect(engine.dispatcherState().lastTickAt).toBeNull();
    engine.wake();
    await waitFor(() => engine.dispatcherState().lastTickAt !== null, 'the tick after wake()');
  });
});
