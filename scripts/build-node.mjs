// Bundles the Node entry points with esbuild: the CLI (ESM, dist/cli.mjs), and Electron's main
// process and preload (CJS, dist/electron/*.cjs — a sandboxed preload cannot be an ES module).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();

/**
 * `import { z } from 'zod'` hands over zod's namespace object as one value, so esbuild must keep all
 * of zod (750 KB with every locale) in the bundle, and Node must parse it on every CLI start.
 * `import * as z from 'zod'` is the same namespace (zod's index re-exports it with `export *`), but
 * esbuild can see which members are used and drops the rest (150 KB). The sources keep the usual
 * spelling; the bundles get the tree-shakable one. Error messages are the same (the English locale
 * is zod's default either way; test/cli*.test.ts check them).
 */
const zodNamespaceImports = {
  name: 'zod-namespace-imports',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/](electron|shared)[\\/].*\.tsx?$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      return {
        contents: source.replace(/^import \{ z \} from 'zod';$/m, "import * as z from 'zod';"),
        loader: args.path.endsWith('x') ? 'tsx' : 'ts',
      };
    });
  },
};

/**
 * Node built-ins and better-sqlite3 are loaded with require() in the CLI, not with ESM imports.
 * An ESM import of a built-in builds its ESM facade, which reads every export once, getters included:
 * `node:fs` then loads all of node:stream for `fs.ReadStream`, `node:crypto` its webcrypto. An ESM
 * import of a CommonJS package (better-sqlite3) has Node lex the package's files to find their
 * export names. require() does neither; measured on `switchyard list`, about 10 ms of a start
 * (bench/RESULTS.md, performance issue 6). The sources keep ordinary imports; esbuild turns each into
 * a small CommonJS module whose require() of the real one goes through the banner's createRequire.
 */
const requireNodeModules = {
  name: 'require-node-modules',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(node:.*|better-sqlite3)$/ }, (args) =>
      args.kind === 'import-statement' ? { path: args.path, namespace: 'required' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The CLI is split (below): chunks of earlier builds must not pile up next to it. Only ones this build
 * did not write and that are older than a few minutes go: a CLI process started before this build
 * (a test run next to another) may still import() its own chunks.
 */
function removeStaleCliChunks(written) {
  const dist = path.join(root, 'dist');
  const keep = new Set(Object.keys(written).map((file) => path.resolve(root, file)));
  for (const name of fs.readdirSync(dist)) {
    const file = path.join(dist, name);
    if (!/^cli-.*\.mjs(\.map)?$/.test(name) || keep.has(file)) continue;
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > 10 * 60_000) fs.rmSync(file);
    } catch {
      // Removed by a build running next to this one.
    }
  }
}

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

const [cli] = await Promise.all([
  build({
    ...common,
    plugins: [zodNamespaceImports, requireNodeModules],
    entryPoints: { cli: 'electron/cli.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    target: 'node20',
    format: 'esm',
    // Performance issue 6: `list`, `create`, `complete` … load only dist/cli.mjs and what it shares;
    // the engine, web server and importer are chunks loaded by import() in the commands that use
    // them. Chunks sit next to cli.mjs (dist/cli-*.mjs), so import.meta.url-relative lookups
    // (serveCommand's renderer folder, engine's bin/switchyard.mjs) are the same in every file, and
    // electron-builder.yml unpacks them together.
    splitting: true,
    chunkNames: 'cli-[name]-[hash]',
    metafile: true,
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
    plugins: [zodNamespaceImports],
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

removeStaleCliChunks(cli.metafile.outputs);

console.log(`built dist/ in ${Date.now() - started} ms`);
