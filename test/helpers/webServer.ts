import { afterEach } from 'vitest';
import type { Engine, EngineOptions } from '../../electron/core/dispatch/engine';
import { startServer, type RunningServer, type ServerOptions } from '../../electron/server/server';
import type { HomePaths } from '../../electron/core/config/home';
import { newEngine, writeFastSettings } from './engine';
import { useTempHomes } from './home';
import { connectSocket, writeFakeRenderer } from './webClient';

type Cleanup = () => Promise<void> | void;

/**
 * Web mode over the real engine (docs/architecture.md §8), for a test file: `serve` starts the
 * engine of a fresh temp home (not dispatching: the tests make the changes themselves) and
 * `switchyard serve`'s server over a fake renderer; `connect` opens a WebSocket. Everything is
 * closed after each test, last opened first; `cleanups` takes a test's own.
 */
export function useWebServers() {
  const newHome = useTempHomes();
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const serve = async (
    options: Omit<ServerOptions, 'engine' | 'rendererDir'> = {},
    engineOptions: Partial<EngineOptions> = {},
  ): Promise<{ home: HomePaths; engine: Engine; server: RunningServer }> => {
    const home = newHome();
    const rendererDir = writeFakeRenderer(home.home);
    writeFastSettings(home);
    const engine = newEngine(home, false, engineOptions);
    engine.start();
    const server = await startServer({ engine, rendererDir, ...options });
    cleanups.push(() => engine.close({ stopWorkers: true }));
    cleanups.push(() => server.close());
    return { home, engine, server };
  };
  const connect = (url: string, headers?: Record<string, string>) => connectSocket(url, cleanups, headers);
  return { serve, connect, newHome, cleanups };
}
