// `npm run bench [-- SECTION…]`: builds the CLI (dist/cli.mjs, which the benchmarks spawn) and the
// bench itself (bench/*.ts → dist/bench/bench.mjs) with esbuild, then runs it. Figures only: the
// process always exits 0, so a slow machine never fails a build.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = spawnSync(process.execPath, ['scripts/build-node.mjs'], { cwd: root, stdio: 'inherit' });
if (node.status !== 0) process.exit(0);
await build({
  absWorkingDir: root,
  entryPoints: { bench: 'bench/main.ts' },
  outdir: 'dist/bench',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
const args = process.argv.slice(2);
const run = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/bench.mjs', ...args], {
  cwd: root,
  stdio: 'inherit',
});
if (run.status !== 0) console.log(`bench exited with ${run.status ?? run.signal}`);
