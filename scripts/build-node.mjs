// Bundles the Node entry points (CLI now; main process, preload and server as they arrive) with esbuild.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();

await build({
  absWorkingDir: root,
  entryPoints: { cli: 'electron/cli.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
});

console.log(`built dist/ in ${Date.now() - started} ms`);
