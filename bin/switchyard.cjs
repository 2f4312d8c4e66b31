#!/usr/bin/env node
// The `switchyard` command. The TypeScript sources are bundled into dist/ by `npm run build:node`
// (run automatically by `npm install` and `npm test`). One require and nothing else: every worker's
// `switchyard complete` pays for what this file loads (performance issue 6). CommonJS, not an ES
// module: Node starts its ESM loader (and node:fs/promises, readline …) for an entry ending in
// .mjs, ~13 ms of CPU at every start that no command needs (performance issue 17, target 4a).
// dist/cli-launch.cjs runs the task commands and `serve` from their own CommonJS bundles and the rest from
// dist/cli.mjs (electron/cli/launch.ts).
'use strict';

const launcher = '../dist/cli-launch.cjs';
try {
  require(launcher);
} catch (error) {
  if (error?.code === 'MODULE_NOT_FOUND' && String(error.message).includes(`'${launcher}'`)) {
    process.stderr.write(
      'switchyard: the CLI is not built yet; run `npm run build:node` in the Switchyard folder\n',
    );
    process.exit(1);
  }
  throw error;
}
