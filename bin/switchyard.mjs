#!/usr/bin/env node
// The `switchyard` command. The TypeScript sources are bundled into dist/ by `npm run build:node`
// (run automatically by `npm install` and `npm test`). One import and nothing else: every worker's
// `switchyard complete` pays for what this file loads (performance issue 6).
const bundle = new URL('../dist/cli.mjs', import.meta.url);
import(bundle.href).catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && error.url === bundle.href) {
    process.stderr.write(
      'switchyard: the CLI is not built yet; run `npm run build:node` in the Switchyard folder\n',
    );
    process.exit(1);
  }
  throw error;
});
