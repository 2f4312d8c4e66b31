import { afterEach } from 'vitest';
import { createApi, type Api } from '../../electron/core/api/api';
import { FakeEngine } from '../fakeEngine';
import { useTempHomes } from './home';

/**
 * Registers cleanup with the current test file: each call gives an API over a FakeEngine on a fresh
 * home (responses checked against the contract, unexpected errors not printed); both are closed
 * after the test. `prepare` writes to the database before the API exists.
 */
export function useFakeEngineApis(): (prepare?: (engine: FakeEngine) => void) => {
  engine: FakeEngine;
  api: Api;
} {
  const newHome = useTempHomes();
  const open: { engine: FakeEngine; api: Api }[] = [];
  afterEach(async () => {
    for (const { engine, api } of open.splice(0)) {
      api.close();
      await engine.close();
    }
  });
  return (prepare) => {
    const engine = new FakeEngine(newHome());
    prepare?.(engine);
    const api = createApi(engine, { validateResponses: true, logError: () => undefined });
    open.push({ engine, api });
    return { engine, api };
  };
}
