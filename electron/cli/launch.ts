import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TASK_COMMAND_NAMES } from './commandGroups';

/**
 * dist/cli-launch.cjs, what bin/switchyard.mjs loads: the task commands run from their own CommonJS
 * bundle (taskCli.ts), every other command line from the whole CLI, dist/cli.mjs (performance issue
 * 17, target 4a). Both sit next to this file (a CommonJS bundle: __dirname is dist/); neither is
 * bundled into it, and a process loads one of them, never both.
 */
const sibling = (file: string): string => path.join(__dirname, file);
const name = process.argv[2];
if (name !== undefined && TASK_COMMAND_NAMES.includes(name)) {
  createRequire(__filename)(sibling('cli-tasks.cjs'));
} else {
  const wholeCli = pathToFileURL(sibling('cli.mjs')).href;
  import(wholeCli).catch((error: { code?: string; url?: string }) => {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && error.url === wholeCli) {
      process.stderr.write(
        'switchyard: the CLI is not built yet; run `npm run build:node` in the Switchyard folder\n',
      );
      process.exit(1);
    }
    throw error;
  });
}
