// `npm run bench [-- SECTION…]`: builds the CLI (dist/cli.mjs, which the benchmarks spawn) and the
// bench itself (bench/*.ts → dist/bench/bench.mjs) with esbuild, then runs it. Figures only: the
// process exits 0 whatever the figures, so a slow machine never fails a build — but non-zero when
// stopped by Ctrl-C or SIGTERM.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const EXIT_ON = { SIGINT: 130, SIGTERM: 143 };
/** The bench's process, once started; the signal that stops it, once one came. */
let bench = null;
let stoppedBy = null;
// The bench runs in a process group of its own (below), so a Ctrl-C at the terminal reaches only
// this process (and npm, which passes it on too): the first signal is handed to the bench, which
// ends what it started and removes its homes (bench/stopOnSignal.ts); later ones change nothing.
for (const signal of Object.keys(EXIT_ON))
  process.on(signal, () => {
    if (stoppedBy) return;
    stoppedBy = signal;
    if (!bench) {
      console.error(`bench stopped by ${signal} before it started`);
      process.exit(EXIT_ON[signal]);
    }
    bench.kill(signal);
  });

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
bench = spawn(process.execPath, ['--expose-gc', 'dist/bench/bench.mjs', ...args], {
  cwd: root,
  stdio: 'inherit',
  detached: true,
});
const [code, signal] = await once(bench, 'exit');
// What is left in its group if it ended without its own clean-up (killed outright).
try {
  process.kill(-bench.pid, 'SIGKILL');
} catch {
  // the group is empty
}
if (stoppedBy) process.exit(code || EXIT_ON[stoppedBy]);
if (code !== 0) console.log(`bench exited with ${code ?? signal}`);
