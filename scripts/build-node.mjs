// Bundles the Node entry points with esbuild: the CLI (ESM, dist/cli.mjs), and Electron's main
// process and preload (CJS, dist/electron/*.cjs — a sandboxed preload cannot be an ES module).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// `switchyard --version` prints the package's version, fixed into the bundle at build time.
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const started = Date.now();

/**
 * `import { z } from 'zod'` hands over zod's namespace object as one value, so esbuild must keep all
 * of zod (750 KB with every locale) in the bundle, and Node must parse it on every CLI start.
 * `import * as z from 'zod'` is the same namespace (zod's index re-exports it with `export *`), but
 * esbuild can see which members are used and drops the rest (150 KB). The sources keep the usual
 * spelling; the bundles get the tree-shakable one. Error messages are the same (the English locale
 * is zod's default either way; test/cli*.test.ts check them).
 */
const zodNamespaceImport = (source) =>
  source.replace(/^import \{ z \} from 'zod';$/m, "import * as z from 'zod';");

/**
 * The CLI's sources get Node built-ins with a plain `const fs = require('node:fs')` (the banner's
 * createRequire) instead of an import (performance issue 17, target 4). Bundled, an import of a
 * built-in became a CommonJS module of its own (a chunk per built-in: four of the twelve files `list`
 * loaded at start were 400-byte ones) plus esbuild's `__toESM`, which copies every export of the
 * built-in into a new object in each importing file. A `require()` is neither; the built-in object
 * is the same one (tests and the bench wrap its functions). Type-only imports are left to esbuild.
 */
const builtinImport = /^import (?!type )(?:\* as )?([^;]*?) from '(node:[a-z_/]+)';$/gm;
function requireBuiltinImports(source) {
  return source.replace(builtinImport, (_line, bindings, module) => {
    const named = /^\{(.*)\}$/.exec(bindings.trim());
    if (!named) return `const ${bindings.trim()} = require('${module}');`;
    const names = named[1]
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name && !name.startsWith('type '))
      .map((name) => name.replace(/\s+as\s+/, ': '));
    return names.length ? `const { ${names.join(', ')} } = require('${module}');` : '';
  });
}

/** Our own sources as each bundle gets them: `rewrites` applied to every .ts/.tsx file under electron/ and shared/. */
function sourceRewrites(name, rewrites) {
  return {
    name,
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /[\\/](electron|shared)[\\/].*\.tsx?$/ }, async (args) => {
        let contents = await fs.promises.readFile(args.path, 'utf8');
        for (const rewrite of rewrites) contents = rewrite(contents);
        return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
    },
  };
}

/**
 * `import { z } from 'zod'` hands over zod's namespace object as one value, so esbuild must keep all
 * of zod (750 KB with every locale) in the bundle, and Node must parse it on every CLI start.
 * `import * as z from 'zod'` is the same namespace (zod's index re-exports it with `export *`), but
 * esbuild can see which members are used and drops the rest (150 KB). The sources keep the usual
 * spelling; the bundles get the tree-shakable one. Error messages are the same (the English locale
 * is zod's default either way; test/cli*.test.ts check them).
 */
const zodNamespaceImports = sourceRewrites('zod-namespace-imports', [zodNamespaceImport]);
const cliSources = sourceRewrites('cli-sources', [zodNamespaceImport, requireBuiltinImports]);

/**
 * Node built-ins are loaded with require() in the CLI, not with ESM imports. An ESM import of a
 * built-in builds its ESM facade, which reads every export once, getters included: `node:fs` then
 * loads all of node:stream for `fs.ReadStream`. require() does not. The sources keep ordinary
 * imports; esbuild turns each into a one-line CommonJS module whose require() of the built-in goes
 * through the banner's createRequire (performance issue 6, bench/RESULTS.md).
 */
const requireBuiltins = {
  name: 'require-builtins',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * better-sqlite3's JavaScript is bundled into the CLI: loading its 14 files from node_modules costs
 * a start ~10 ms of module resolution (an ESM import of it also has Node lex them for export names).
 * Its native part stays in the installed package. better-sqlite3 finds that with the `bindings`
 * package, which searches from the calling file's package — from a bundle, Switchyard's, not
 * better-sqlite3's. The bundle's `bindings` first loads the file where npm's build of better-sqlite3
 * puts it (build/Release), and only when it is not there asks the real `bindings` to search from
 * better-sqlite3's folder: that search tries build/Debug and a dozen other places first, each a
 * failed require(), several ms of every CLI start (performance issue 17, target 4a). A file that is
 * there but does not load (another ABI) fails as it would have through `bindings`. (`nativeBinding`,
 * which the desktop app passes for Electron's ABI, skips `bindings` altogether, as before.)
 */
const bundledSqlite = {
  name: 'bundled-better-sqlite3',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^bindings$/ }, (args) =>
      /[\\/]node_modules[\\/]better-sqlite3[\\/]/.test(args.importer)
        ? { path: 'bindings', namespace: 'sqlite-bindings' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'sqlite-bindings' }, () => ({
      contents: [
        "const path = require('node:path');",
        "const { createRequire } = require('node:module');",
        "// Resolved through the banner's require, relative to dist/ like the ESM import was.",
        "const packageJson = require.resolve('better-sqlite3/package.json');",
        'module.exports = (name) => {',
        '  const moduleRoot = path.dirname(packageJson);',
        '  try {',
        "    return require(path.join(moduleRoot, 'build', 'Release', name));",
        '  } catch (error) {',
        "    if (error?.code !== 'MODULE_NOT_FOUND') throw error;",
        '  }',
        "  return createRequire(packageJson)('bindings')({ bindings: name, module_root: moduleRoot });",
        '};',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * The CLI is split (below): chunks of earlier builds must not pile up next to it, nor code caches. Only ones this build
 * did not write and that are older than a few minutes go: a CLI process started before this build
 * (a test run next to another) may still import() its own chunks.
 */
function removeStaleCliChunks(written, bundleDigests) {
  const dist = path.join(root, 'dist');
  const keep = new Set(Object.keys(written).map((file) => path.resolve(root, file)));
  for (const name of fs.readdirSync(dist)) {
    const file = path.join(dist, name);
    // Code caches of earlier builds of dist/cli-tasks.cjs, cli-serve.cjs and cli-zod.cjs (electron/cli/launch.ts) go the same way.
    const cache = /^(cli-tasks|cli-serve|cli-zod)-([0-9a-f]+)-.*\.cache$/.exec(name);
    if (cache && cache[2] !== bundleDigests[cache[1]]) {
      // fall through to the age check
    } else if (!/^cli-.*\.mjs(\.map)?$/.test(name) || keep.has(file)) continue;
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

/**
 * The launcher and the task commands' bundle (electron/cli/launch.ts, taskCli.ts): CommonJS, one
 * file each, next to cli.mjs. `list`, `create`, `complete` … load bin/switchyard.cjs, the launcher
 * and dist/cli-tasks.cjs and nothing else of ours: require() reads and compiles a file at once,
 * where the ESM loader resolved, read and linked the ~20 chunks of the split CLI one by one
 * (performance issue 17, target 4a). Neither is bundled into the other (each require()s or
 * import()s the other files by their name next to it).
 */
const cliCommonJs = {
  ...common,
  ...cjsImportMeta,
  plugins: [cliSources, bundledSqlite],
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  define: { ...cjsImportMeta.define, __SWITCHYARD_VERSION__: JSON.stringify(version) },
  target: 'node20',
  format: 'cjs',
  external: ['bufferutil', 'utf-8-validate', 'better-sqlite3/package.json'],
};

/**
 * The bundles the launcher compiles itself (electron/cli/launch.ts runCachedBundle): each file is the
 * function CommonJS would wrap it in, and ASCII, so V8 compiles the text read from disk as it is.
 * One character beyond Latin-1 anywhere, even in a comment, made V8 hold all 400 KB of the task
 * commands as two bytes a character, and wrapping the text at run time made a copy of it to flatten:
 * ~300 page faults and a young-generation collection of every `list` and `create` (performance issue
 * 17, targets 4a and 4c). charset 'ascii' escapes every string, template, regular expression and name.
 */
const launchedBundle = {
  charset: 'ascii',
  banner: { js: `(function (exports, require, module, __filename, __dirname) {${cjsImportMeta.banner.js}` },
  footer: { js: '})' },
};

/**
 * What charset 'ascii' leaves: characters in the comments esbuild keeps. Each UTF-16 unit becomes
 * one `?`, so the source map's columns still hold.
 */
async function asciiComments(file) {
  const target = path.join(root, 'dist', file);
  const text = await fs.promises.readFile(target, 'utf8');
  const ascii = text.replace(/[\u0080-\uffff]/g, '?');
  if (ascii !== text) await fs.promises.writeFile(target, ascii);
}

/**
 * How the task commands' bundle require()s zod's; electron/cli/launch.ts answers that name with the
 * file compiled from its code cache (test/cli-bundle.test.ts runs both sides).
 */
const ZOD_BUNDLE = './cli-zod.cjs';

/**
 * zod in a bundle of its own next to the task commands' (dist/cli-zod.cjs), loaded when a command
 * first initialises a module that imports zod: `create` (whose input check is zod-free,
 * shared/createTaskInputCheck.generated.ts) and `list` never do, yet read and copied zod's 180 KB,
 * 43 % of the bundle, at every start (performance issue 17, targets 4c and 4a). One copy of zod in
 * a process, as before: the task commands' bundle holds none.
 */
const zodApart = {
  name: 'zod-apart',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^zod$/ }, () => ({ path: ZOD_BUNDLE, external: true }));
  },
};

/**
 * The members of zod that `bundle` (built with zodApart) takes from it, so zod's bundle can be
 * tree-shaken to them as the inlined zod was. esbuild's CommonJS output names each importing
 * module's namespace `z`, `z2` …; any use of one other than `z.member` (the namespace passed on as
 * a value) would need all of zod, so the build stops there rather than guess.
 */
function zodMembersUsedBy(bundle) {
  const bundleName = ZOD_BUNDLE.replace(/\./g, '\\.');
  const required = new RegExp(`\\b([\\w$]+) = __toESM\\(require\\("${bundleName}"\\)(?:, 1)?\\);`, 'g');
  const namespaces = [...bundle.matchAll(required)].map((match) => match[1]);
  if (namespaces.length === 0) throw new Error(`no import of zod found in the task commands' bundle`);
  const members = new Set();
  for (const namespace of namespaces) {
    const name = namespace.replace(/\$/g, '\\$');
    for (const use of bundle.matchAll(new RegExp(`(?<![\\w$.])${name}\\.([\\w$]+)`, 'g')))
      members.add(use[1]);
    // Handed on as a value: an argument, an element, a property's or a variable's value, returned, spread.
    const asValue = new RegExp(`(?:[(,=[:?]\\s*|\\breturn\\s+|\\.\\.\\.)${name}(?![\\w$.])`);
    const found = asValue.exec(bundle);
    if (found)
      throw new Error(`zod's namespace is used as a value in the task commands' bundle: ${found[0]}`);
  }
  return [...members].sort();
}

/**
 * The task commands' and `serve`'s bundles first, then zod's with the members the task commands
 * use, then the launcher with the three bundles' SHA-256 fixed in: the launcher names each bundle's
 * V8 code caches by it (electron/cli/launch.ts), so a cache made for another build of a bundle is
 * never used.
 */
async function buildCliCommonJs() {
  // `serve` has its own bundle too (electron/cli/serveCli.ts): compiled from a code cache, not
  // ~40 ES modules compiled anew at every start (performance issue 17, target 7).
  await Promise.all([
    build({
      ...cliCommonJs,
      ...launchedBundle,
      plugins: [...cliCommonJs.plugins, zodApart],
      entryPoints: { 'cli-tasks': 'electron/cli/taskCli.ts' },
    }),
    build({ ...cliCommonJs, ...launchedBundle, entryPoints: { 'cli-serve': 'electron/cli/serveCli.ts' } }),
  ]);
  const members = zodMembersUsedBy(
    await fs.promises.readFile(path.join(root, 'dist', 'cli-tasks.cjs'), 'utf8'),
  );
  await build({
    ...cliCommonJs,
    ...launchedBundle,
    stdin: {
      contents: `export { ${members.join(', ')} } from 'zod';`,
      resolveDir: root,
      sourcefile: 'cli-zod.js',
    },
    outfile: path.join('dist', 'cli-zod.cjs'),
    outdir: undefined,
    outExtension: undefined,
  });
  await Promise.all(['cli-tasks.cjs', 'cli-serve.cjs', 'cli-zod.cjs'].map(asciiComments));
  const digestOf = async (file) =>
    createHash('sha256')
      .update(await fs.promises.readFile(path.join(root, 'dist', file)))
      .digest('hex')
      .slice(0, 32);
  const digests = {
    'cli-tasks': await digestOf('cli-tasks.cjs'),
    'cli-serve': await digestOf('cli-serve.cjs'),
    'cli-zod': await digestOf('cli-zod.cjs'),
  };
  await build({
    ...cliCommonJs,
    entryPoints: { 'cli-launch': 'electron/cli/launch.ts' },
    define: {
      ...cliCommonJs.define,
      __CLI_TASKS_DIGEST__: JSON.stringify(digests['cli-tasks']),
      __CLI_SERVE_DIGEST__: JSON.stringify(digests['cli-serve']),
      __CLI_ZOD_DIGEST__: JSON.stringify(digests['cli-zod']),
    },
  });
  return digests;
}

const [cli, cliBundleDigests] = await Promise.all([
  build({
    ...common,
    plugins: [cliSources, requireBuiltins, bundledSqlite],
    entryPoints: { cli: 'electron/cli/index.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    define: { __SWITCHYARD_VERSION__: JSON.stringify(version) },
    target: 'node20',
    format: 'esm',
    // Performance issue 6: `list`, `create`, `complete` … load only dist/cli.mjs and what it shares;
    // the engine, web server and importer are chunks loaded by import() in the commands that use
    // them. Chunks sit next to cli.mjs (dist/cli-*.mjs), so import.meta.url-relative lookups
    // (serveCommand's renderer folder, engine's bin/switchyard.cjs) are the same in every file, and
    // electron-builder.yml unpacks them together.
    splitting: true,
    chunkNames: 'cli-[name]-[hash]',
    metafile: true,
    // Self-contained but for better-sqlite3's native part (bundledSqlite above), so the installed app
    // can run it from outside its asar archive (electron-builder.yml asarUnpack). ws's optional
    // native speed-ups stay optional.
    external: ['bufferutil', 'utf-8-validate'],
    // Bundled CommonJS (ws) calls require() for Node built-ins, which ESM lacks.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  }),
  buildCliCommonJs(),
  build({
    ...common,
    ...cjsImportMeta,
    plugins: [zodNamespaceImports],
    entryPoints: { main: 'electron/desktop/main.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
    target: 'node22',
    format: 'cjs',
    // better-sqlite3 is loaded with the Electron build of its binding (electron/nativeBinding.ts).
    external: ['electron', 'better-sqlite3'],
  }),
  // The structured-log thread (electron/core/workers/structuredLogs.ts): a file of its own, found
  // next to the bundle that starts it (dist/) or one folder up (dist/electron/main.cjs).
  build({
    ...common,
    ...cjsImportMeta,
    plugins: [zodNamespaceImports],
    entryPoints: { structuredLogThread: 'electron/core/workers/structuredLogThread.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    target: 'node20',
    format: 'cjs',
  }),
  // The backup thread (electron/core/store/backup.ts): found the same way. better-sqlite3's
  // JavaScript is bundled in; its native part is the installed one, or the engine's own build
  // (Electron's, in the app) passed to the thread as `nativeBinding`.
  build({
    ...common,
    ...cjsImportMeta,
    plugins: [bundledSqlite],
    entryPoints: { backupThread: 'electron/core/store/backupThread.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    target: 'node20',
    format: 'cjs',
    external: ['better-sqlite3/package.json'],
  }),
  build({
    ...common,
    entryPoints: { preload: 'electron/desktop/preload.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
    target: 'chrome130',
    format: 'cjs',
    external: ['electron'],
  }),
]);

removeStaleCliChunks(cli.metafile.outputs, cliBundleDigests);

console.log(`built dist/ in ${Date.now() - started} ms`);
