import { createApi } from '../../electron/core/api/api';
import { ApiError, type BoardApi } from '../../renderer/src/api/boardApi';
import { createFakeApi } from '../../renderer/src/api/fakeApi';
import { makeTempHome, removeTempHome } from '../helpers/home';
import { newEngine, writeFastSettings } from '../helpers/engine';
import { boardApiContract } from './boardApiContract';

boardApiContract('the real API on the real engine', () => {
  const paths = makeTempHome();
  writeFastSettings(paths);
  const engine = newEngine(paths, false);
  engine.start();
  const core = createApi(engine, { validateResponses: true, logError: () => undefined });
  // What the renderer's IPC and WebSocket clients do with a CallResult.
  const api: BoardApi = {
    async call(name, request) {
      const result = await core.call(name, request);
      if (!result.ok) throw new ApiError(result.error.code, result.error.message);
      return result.value;
    },
    subscribe: (listener) => core.subscribe(listener),
  };
  return {
    api,
    async close() {
      core.close();
      await engine.close({ stopWorkers: true });
      removeTempHome(paths);
    },
  };
});

boardApiContract('the renderer’s in-memory FakeApi', () => ({
  api: createFakeApi(),
  close: () => undefined,
}));
