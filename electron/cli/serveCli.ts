import { runCommandLine } from './runner';
import { serveCommand } from './serveCommand';
import { runAsProcess } from './stdio';

/**
 * Entry point of dist/cli-serve.cjs: `switchyard serve` as one self-contained CommonJS file, compiled
 * with a V8 code cache by the launcher (launch.ts). From the whole CLI (dist/cli.mjs) `serve` loaded
 * ~40 ES modules through Node's ESM loader and compiled them anew at every start: most of its time
 * before it listened, while a browser tab waited for the printed URL (performance issue 17, target 7).
 * A process runs this bundle, the task commands' or dist/cli.mjs, never two of them.
 */
runAsProcess((argv, env, output) =>
  runCommandLine(argv, env, output, {
    find: async (name) => (name === serveCommand.name ? serveCommand : undefined),
    all: async () => [serveCommand],
  }),
);
