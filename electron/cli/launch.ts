import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { TASK_COMMAND_NAMES } from './commandGroups';

/**
 * dist/cli-launch.cjs, what bin/switchyard.cjs loads: the task commands run from their own CommonJS
 * bundle (taskCli.ts), `serve` from its own (serveCli.ts), every other command line from the whole
 * CLI, dist/cli.mjs (performance issue 17, targets 4a and 7). All sit next to this file (a CommonJS
 * bundle: __dirname is dist/); none is bundled into it, and a process loads one of them, never two.
 */

/** SHA-256 of dist/cli-tasks.cjs and dist/cli-serve.cjs as built, fixed in by scripts/build-node.mjs. */
declare const __CLI_TASKS_DIGEST__: string;
declare const __CLI_SERVE_DIGEST__: string;
/** SHA-256 of dist/cli-zod.cjs, zod as the task commands' bundle requires it (scripts/build-node.mjs zodApart). */
declare const __CLI_ZOD_DIGEST__: string;

const sibling = (file: string): string => path.join(__dirname, file);

/**
 * V8's code cache of a CommonJS bundle (the task commands', `serve`'s), next to it: compiling its 450 KB (and then each
 * function as it is first called) was a large part of every `list`'s and `create`'s start, and
 * Node 20 keeps no cache of its own (performance issue 17, targets 4a and 4c). V8 checks a cache
 * against the source's length only, so the name carries the bundle's digest from the build (a
 * rebuilt bundle never meets an old cache), and V8's version (Node and Electron's Node each have
 * theirs). One cache per command: a cache holds the functions the run that made it compiled, and
 * V8 reads all of them at every start — `create`'s (with zod's) cost `list` ~5–15 ms CPU to
 * read, and `list`'s left `create` compiling zod (~20 ms) at each start, whichever command ran
 * first. A cache V8 refuses (other flags) is compiled around and written anew; a folder that cannot
 * be written (an installed app) only means no cache.
 */
function codeCacheFile(bundle: string, digest: string, command: string): string {
  return path.join(
    path.dirname(bundle),
    `${path.basename(bundle, '.cjs')}-${digest}-${command}-${process.arch}-v8-${process.versions.v8}.cache`,
  );
}

function readCodeCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCodeCache(file: string, script: vm.Script): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    // Made at exit: it then holds the functions this command compiled too, not only the top level.
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * Runs dist/`file` as require() would, compiled with `command`'s code cache when there is one, and
 * returns its exports. The file is the function require() would wrap it in, and ASCII
 * (scripts/build-node.mjs launchedBundle): V8 compiles the text as read, a one-byte string, with no
 * wrapped copy to flatten. `requireOf` gives the bundle its `require`.
 */
function runCachedBundle(
  file: string,
  digest: string,
  command: string,
  requireOf: (bundle: string) => NodeJS.Require = createRequire,
): unknown {
  const bundle = sibling(file);
  // ASCII by the build, so Latin-1 reads it exactly, and in one read(2): Node 20's readFileSync(file,
  // 'utf8') reads 8 KB a call, 50 calls and ~60 more page faults for the task commands' 400 KB.
  const source = fs.readFileSync(bundle).toString('latin1');
  const cacheFile = codeCacheFile(bundle, digest, command);
  const cachedData = readCodeCache(cacheFile);
  const script = new vm.Script(source, {
    filename: bundle,
    cachedData,
    // import() of a built-in inside the bundle (land.ts) goes to Node's own loader, as in a module.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCodeCache(cacheFile, script));
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    requireOf(bundle),
    module,
    bundle,
    path.dirname(bundle),
  );
  return module.exports;
}

/**
 * The task commands' bundle's `require`: zod, which the bundle does not hold, from dist/cli-zod.cjs
 * with `command`'s code cache of that file, compiled on the first require() only — `create` and
 * `list` never ask for it (scripts/build-node.mjs zodApart; performance issue 17, targets 4a, 4c).
 */
function taskCommandsRequire(command: string): (bundle: string) => NodeJS.Require {
  return (bundle) => {
    const plain = createRequire(bundle);
    let zod: unknown;
    const withZod = (id: string): unknown =>
      id === './cli-zod.cjs'
        ? (zod ??= runCachedBundle('cli-zod.cjs', __CLI_ZOD_DIGEST__, command))
        : plain(id);
    return Object.assign(withZod, plain);
  };
}

const name = process.argv[2];
if (name !== undefined && TASK_COMMAND_NAMES.includes(name)) {
  runCachedBundle('cli-tasks.cjs', __CLI_TASKS_DIGEST__, name, taskCommandsRequire(name));
} else if (name === 'serve') {
  runCachedBundle('cli-serve.cjs', __CLI_SERVE_DIGEST__, name);
} else {
  const wholeCli = pathToFileURL(sibling('cli.mjs')).href;
  import(wholeCli).catch((error: { code?: string; url?: string }) => {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && error.url === wholeCli) {
      process.stderr.write(
        'switchyard: the CLI is not built yet; run `npm run build:node` in the Switchyard folder\n',
      );
      process.exit(1);
    }
    throw error;
  });
}
