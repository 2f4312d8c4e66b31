// Bundles the Node entry points with esbuild: the CLI (ESM, dist/cli.mjs), and Electron's main
// process and preload (CJS, dist/electron/*.cjs — a sandboxed preload cannot be an ES module).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  sourcemap: 'linked',
  logLevel: 'warning',
};

// CJS has no import.meta: give modules that look themselves up (engine.ts) the file URL instead.
const cjsImportMeta = {
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
};

await Promise.all([
  build({
    ...common,
    entryPoints: { cli: 'electron/cli.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    target: 'node20',
    format: 'esm',
    // Self-contained but for the native module, so the installed app can run it from outside its
    // asar archive (electron-builder.yml asarUnpack). ws's optional native speed-ups stay optional.
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
    // Bundled CommonJS (ws) calls require() for Node built-ins, which ESM lacks.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  }),
  build({
    ...common,
    ...cjsImportMeta,
    entryPoints: { main: 'electron/main.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
    target: 'node22',
    format: 'cjs',
    // better-sqlite3 is loaded with the Electron build of its binding (electron/nativeBinding.ts).
    external: ['electron', 'better-sqlite3'],
  }),
  build({
    ...common,
    entryPoints: { preload: 'electron/preload.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
    target: 'chrome130',
    format: 'cjs',
    external: ['electron'],
  }),
]);

console.log(`built dist/ in ${Date.now() - started} ms`);
