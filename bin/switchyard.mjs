#!/usr/bin/env node
// The `switchyard` command. The TypeScript sources are bundled into dist/ by `npm run build:node`
// (run automatically by `npm install` and `npm test`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write(
    'switchyard: the CLI is not built yet; run `npm run build:node` in the Switchyard folder\n',
  );
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
