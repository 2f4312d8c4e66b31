import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { writeFastSettings, waitFor } from './helpers/engine';

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function start(firstTickDelayMs: number | undefined): Engine {
  const paths = newHome();
  writeFastSettings(paths);
  const engine = new Engine({
    home: paths.home,
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    dispatch: true,
    actor: { name: 'test' },
    firstTickDelayMs,
    log: () => undefined,
  });
  engines.push(engine);
  engine.start();
  return engine;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine: the first (cold) tick', () => {
  it('runs at once by default', async () => {
    const engine = start(undefined);
    await waitFor(() => engine.dispatcherState().lastTickAt !== null, 'the first tick', 2_000);
  });

  it('waits for its delay so a board gets its snapshot first, and a wake starts it sooner', async () => {
    const engine = start(60_000);
    await sleep(300);
    expect(engine.dispatcherState().lastTickAt).toBeNull();
    engine.wake();
    await waitFor(() => engine.dispatcherState().lastTickAt !== null, 'the tick after wake()', 2_000);
  });
});
