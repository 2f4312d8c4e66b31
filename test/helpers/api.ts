import { afterEach } from 'vitest';
import { createApi, type Api } from '../../electron/core/api/api';
import type { Engine } from '../../electron/core/dispatch/engine';
import { newEngine, writeFastSettings } from './engine';
import { useTempHomes } from './home';

/**
 * Registers cleanup with the current test file: each call gives an API over the real engine on a
 * fresh temp home (not dispatching: a test ticks by hand), responses checked against the contract,
 * unexpected errors not printed; both are closed after the test. `prepare` writes to the database
 * before the API exists.
 */
export function useEngineApis(): (prepare?: (engine: Engine) => void) => { engine: Engine; api: Api } {
  const newHome = useTempHomes();
  const open: { engine: Engine; api: Api }[] = [];
  afterEach(async () => {
    for (const { engine, api } of open.splice(0)) {
      api.close();
      await engine.close({ stopWorkers: true });
    }
  });
  return (prepare) => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths, false);
    engine.start();
    prepare?.(engine);
    const api = createApi(engine, { validateResponses: true, logError: () => undefined });
    open.push({ engine, api });
    return { engine, api };
  };
}
