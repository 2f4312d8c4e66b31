import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwitchyardError } from '../core/errors';
import { UsageError, integerOption } from './args';
import type { CliCommand } from './context';
import type { Engine } from '../core/dispatch/engine';
import type { EngineHandle } from '../core/dispatch/engineHandle';
import { keepRunningOnUnexpectedErrors } from './lastResort';

/**
 * `switchyard serve` (docs/architecture.md §8): the engine (with the dispatcher) plus the web server on 127.0.0.1.
 * Runs until SIGINT/SIGTERM; workers are left running on exit and adopted by the next start.
 */

/** dist/renderer next to the bundle (dist/cli.mjs), or the repository's when run from source. */
export function findRendererDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHYARD_RENDERER_DIR) return path.resolve(env.SWITCHYARD_RENDERER_DIR);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'renderer'), path.join(here, '..', '..', 'dist', 'renderer')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? (candidates[0] as string);
}

async function openInBrowser(url: string): Promise<void> {
  // child_process (with net and dgram) is loaded only here, not by every CLI start.
  const { spawn } = await import('node:child_process');
  const opener =
    process.platform === 'darwin'
      ? ['open']
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""']
        : ['xdg-open'];
  const child = spawn(opener[0] as string, [...opener.slice(1), url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

/** SIGINT or SIGTERM, once; `cancel` stops listening for them (a serve that failed to start). */
function untilStopSignal(): { received: Promise<void>; cancel(): void } {
  let cancel = (): void => undefined;
  const received = new Promise<void>((resolve) => {
    const stop = (): void => {
      cancel();
      resolve();
    };
    cancel = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { received, cancel: () => cancel() };
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the board in a browser (web mode on 127.0.0.1, with the dispatcher)',
  usage: 'serve [--port N] [--open] [--host-check] [--no-dispatch] [--mcp]',
  options: {
    mcp: { type: 'boolean' },
    port: { type: 'string' },
    open: { type: 'boolean' },
    'host-check': { type: 'boolean' },
    'no-dispatch': { type: 'boolean' },
  },
  flags: {
    mcp: 'also serve the MCP tools over Streamable HTTP at /mcp, behind the same token',
    port: 'listen on this port of 127.0.0.1 (default: a free one)',
    open: 'open the board in the default browser',
    'host-check': 'start, check that the server answers its own URL, and exit (for scripts)',
    'no-dispatch': 'only show the board: start no workers (another dispatcher, or none, runs them)',
  },
  maxPositionals: 0,
  async run(context, parsed) {
    const port = integerOption(parsed.values, 'port') ?? 0;
    if (port < 0 || port > 65_535) throw new UsageError('--port must be between 0 and 65535');
    const hostCheck = parsed.values['host-check'] === true;
    // Loaded here, not at the top: the everyday commands start without the server (issue 6).
    const wantsMcp = parsed.values.mcp === true;
    const [{ startEngine }, { startServer, FIRST_TICK_DELAY_WHILE_BOARD_OPENS_MS }, mcpHttp] =
      await Promise.all([
        import('../core/dispatch/engine'),
        import('../server/server'),
        wantsMcp ? import('../server/mcpHttp') : undefined,
      ]);
    const dispatch = !hostCheck && parsed.values['no-dispatch'] !== true;
    // The server listens before the engine starts (issue 17, target 7): the browser loads the page
    // (none of which needs the engine) while the engine reads the profiles and the database, on the
    // other core; calls that come before it is ready wait for it in the server.
    let engineStarting: (engine: Promise<Engine>) => void = () => undefined;
    const engine = new Promise<Engine>((resolve) => (engineStarting = resolve));
    const startTheEngine = (): Promise<Engine> => {
      engineStarting(
        startEngine({
          home: context.paths.home,
          env: context.env,
          dispatch,
          actor: context.actor,
          // The server wakes the engine once a board has opened (its snapshot sent, the page's next
          // call asked: server.ts BoardOpening); until then the cold first tick would stall the board
          // that is opening. With no page nor socket after NO_BOARD_GRACE_MS (no browser), it wakes
          // the engine then (firstTickHeld).
          firstTickDelayMs: FIRST_TICK_DELAY_WHILE_BOARD_OPENS_MS,
        }),
      );
      return engine;
    };
    // docs/architecture.md §10, opt-in: the MCP tools over Streamable HTTP at /mcp, behind the same token.
    const mcp = mcpHttp
      ? (running: EngineHandle) =>
          mcpHttp.mcpHttpHandler(
            {
              db: running.db,
              actor: context.actor,
              lanesFile: context.paths,
              board: context.env.SWITCHYARD_BOARD ?? 'default',
              laneStatuses: (board) => running.laneStatuses(board),
              afterWrite: () => running.wake(),
            },
            (line) => context.output.err(line),
          )
      : undefined;
    let server;
    try {
      server = await startServer({
        engine,
        mcp,
        port,
        rendererDir: findRendererDir(context.env),
        log: (line) => context.output.err(line),
        firstTickHeld: dispatch,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A runtime condition, not a mistake in how serve was called: exit 1 (docs/architecture.md §6), not 2.
      if (code === 'EADDRINUSE')
        throw new SwitchyardError(
          'conflict',
          `port ${port} is already in use (another switchyard serve?); pick another with --port, or leave it out for a free one`,
        );
      throw error;
    }
    const running = server;
    /** The engine, or its start's error after the server has closed (nothing listens on a failed serve). */
    const engineOrClose = async (): Promise<Engine> => {
      try {
        return await startTheEngine();
      } catch (error) {
        await running.close();
        throw error;
      }
    };

    if (hostCheck) {
      // Self-test for scripts and CI: the engine starts, the server answers its own URL with the token, then exits.
      const started = await engineOrClose();
      const response = await fetch(server.url);
      await server.close();
      await started.close({ stopWorkers: false });
      if (response.status !== 200) throw new Error(`the server answered ${response.status} to its own URL`);
      context.output.out(`ok: ${server.url.replace(/token=[^&]+/, 'token=…')} answered 200`);
      return;
    }

    const removeNet = keepRunningOnUnexpectedErrors(context.output, 'serve', context.env);
    context.output.out(`Switchyard board: ${server.url}`);
    context.output.out('Keep this URL private: the token in it is the only key. Ctrl-C stops the server.');
    if (mcp) {
      const mcpUrl = new URL('/mcp', server.url).href.replace(/\?.*$/, '');
      context.output.out(`MCP (Streamable HTTP): ${mcpUrl} with the header "Authorization: Bearer <token>"`);
    }
    // Listened for before the engine starts: Ctrl-C during its start stops once it has started.
    const stopSignal = untilStopSignal();
    if (parsed.values.open === true) await openInBrowser(server.url);
    let started: Engine;
    try {
      started = await engineOrClose();
    } catch (error) {
      stopSignal.cancel();
      removeNet();
      throw error;
    }

    await stopSignal.received;
    // Without the dispatcher this process started no worker, so there is nothing to say about them.
    context.output.err(
      dispatch
        ? 'stopping: running workers keep going and are adopted at the next start'
        : 'stopping the server',
    );
    await server.close();
    await started.close({ stopWorkers: false });
    removeNet();
  },
};
