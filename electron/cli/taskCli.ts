import { runCommandLine } from './runner';
import { runAsProcess } from './stdio';
import { taskCommands } from './taskCommands';

/**
 * Entry point of dist/cli-tasks.cjs: `switchyard list`, `create`, `complete` … (commandGroups.ts),
 * the commands workers and scripts run most, as one self-contained CommonJS file. The whole CLI
 * (dist/cli.mjs) is ~20 ES modules for `list`, and Node's ESM loader resolves, reads and links each
 * asynchronously; require() of one file does none of that (performance issue 17, target 4a). A
 * process runs this bundle or dist/cli.mjs, never both (launch.ts), so no class has two copies in it.
 * Each of these commands is done when its exit code is known, so the process ends then ('now').
 */
runAsProcess(
  (argv, env, output) =>
    runCommandLine(argv, env, output, {
      find: async (name) => taskCommands.find((command) => command.name === name),
      all: async () => [...taskCommands],
    }),
  'now',
);
