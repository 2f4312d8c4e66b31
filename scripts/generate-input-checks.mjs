// `npm run generate:checks`: writes the input checks generated from shared/'s zod schemas
// (scripts/inputChecks.ts). It bundles the generator with esbuild, as bench/run.mjs does the bench.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, 'dist', 'scripts', 'inputChecks.mjs');
await build({
  absWorkingDir: root,
  entryPoints: ['scripts/inputChecks.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { COMPILED_CHECKS, generatedCheck } = await import(pathToFileURL(out).href);
for (const compiled of COMPILED_CHECKS) {
  fs.writeFileSync(path.join(root, compiled.file), await generatedCheck(compiled, root));
  console.log(`wrote ${compiled.file}`);
}
