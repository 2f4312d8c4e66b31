import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../electron/cli/main';
import { CLI_ENTRY, REPO_ROOT } from './helpers/cli';

// Performance issue 6, target 4: `switchyard list` and `create` start in ≤ 150/200 ms only if the
// CLI entry does not load the engine, the web server, the importer or zod (they are import()ed chunks,
// scripts/build-node.mjs; zod comes with the task operations that validate input, core/commands.ts),
// and zod stays tree-shaken where it is loaded. The installed app runs the CLI unpacked from
// its asar archive, so every file the entry can load must match electron-builder.yml's asarUnpack.

const dist = path.join(REPO_ROOT, 'dist');

/** The files `file` imports (relative ones only), split into static and dynamic. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const code = fs.readFileSync(path.join(dist, file), 'utf8');
  return {
    static: [...code.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'"]*?from\s*["']\.\/([^"']+)["']/g)].map(
      (match) => match[1] as string,
    ),
    dynamic: [...code.matchAll(/\bimport\(\s*["']\.\/([^"']+)["']\s*\)/g)].map((match) => match[1] as string),
  };
}

/** Every file loaded when dist/cli.mjs starts (static imports, transitively), and all import()ed ones. */
function cliFiles(): { atStart: Set<string>; all: Set<string> } {
  const atStart = new Set<string>();
  const all = new Set<string>();
  const visit = (file: string, statically: boolean): void => {
    if (all.has(file) && (!statically || atStart.has(file))) return;
    all.add(file);
    if (statically) atStart.add(file);
    const imports = importsOf(file);
    for (const next of imports.static) visit(next, statically);
    for (const next of imports.dynamic) visit(next, false);
  };
  visit('cli.mjs', true);
  // The launcher bin/switchyard.cjs loads, and the task commands' own bundle (electron/cli/launch.ts).
  for (const file of COMMONJS_FILES) all.add(file);
  return { atStart, all };
}

function hasStrace(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** The read(2) calls with data on `file` in an strace log of the main thread (`-e trace=openat,read,close`). */
function readsOfFile(log: string, file: string): number {
  let fd: string | undefined;
  let reads = 0;
  for (const line of log.split('\n')) {
    const opened = /openat\(AT_FDCWD, "([^"]+)".*\) = (\d+)$/.exec(line);
    if (opened?.[1] === file) fd = opened[2];
    else if (fd !== undefined && new RegExp(`\\bread\\(${fd}, .*\\) = [1-9]\\d*$`).test(line)) reads += 1;
    else if (fd !== undefined && new RegExp(`\\bclose\\(${fd}\\)`).test(line)) fd = undefined;
  }
  return reads;
}

/**
 * The CommonJS bundles: the launcher, the self-contained bundles of the task commands and `serve`,
 * and zod as the task commands' bundle requires it.
 */
const COMMONJS_FILES = ['cli-launch.cjs', 'cli-tasks.cjs', 'cli-serve.cjs', 'cli-zod.cjs'];

/**
 * The ES modules a CLI process loads (Node's ESM loader reports each under NODE_DEBUG=esm), and
 * whether it ran Node's ESM loader at all (its module jobs, found in `process.moduleLoadList`).
 * `root` holds the launcher (bin/switchyard.cjs): this checkout, or a copy made by copyCli.
 */
function esModulesLoadedBy(
  args: string[],
  home: string,
  root = REPO_ROOT,
): { files: string[]; esmLoader: boolean; stdout: string } {
  fs.mkdirSync(home, { recursive: true });
  const probe = path.join(home, 'module-list-probe.cjs');
  fs.writeFileSync(
    probe,
    "process.on('exit', () => require('fs').writeSync(2, 'NODE_MODULES ' + JSON.stringify(process.moduleLoadList) + '\\n'));",
  );
  const result = spawnSync(
    process.execPath,
    ['--require', probe, path.join(root, 'bin', 'switchyard.cjs'), ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'tester', NODE_DEBUG: 'esm' },
    },
  );
  expect(result.status, result.stderr).toBe(0);
  const urls = [...result.stderr.matchAll(/Storing (file:\/\/\S+) /g)].map((match) => match[1] as string);
  const internals = JSON.parse(/^NODE_MODULES (.*)$/m.exec(result.stderr)?.[1] ?? 'null') as string[];
  return {
    files: [...new Set(urls)].map((url) => path.relative(root, new URL(url).pathname)),
    esmLoader: internals.includes('NativeModule internal/modules/esm/module_job'),
    stdout: result.stdout,
  };
}

/**
 * Runs `use` on a copy of the CLI as an install elsewhere holds it, in a temp folder removed after:
 * bin/, and unless `bundles` is false, dist/'s CLI files with node_modules linked beside them.
 */
function withCliCopy(prefix: string, use: (copy: string) => void, { bundles = true } = {}): void {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    fs.cpSync(path.join(REPO_ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true });
    if (bundles) copyCliBundles(copy);
    use(copy);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

function copyCliBundles(copy: string): void {
  fs.mkdirSync(path.join(copy, 'dist'));
  for (const file of cliFiles().all) fs.copyFileSync(path.join(dist, file), path.join(copy, 'dist', file));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
}

/** Runs the copy's launcher with a home inside the copy. */
function runCopy(copy: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [path.join(copy, 'bin', 'switchyard.cjs'), ...args], {
    env: { ...process.env, SWITCHYARD_HOME: path.join(copy, 'home'), SWITCHYARD_ACTOR: 'tester' },
    encoding: 'utf8',
  });
}

/** The V8 code caches the launcher wrote beside the copy's bundles, sorted. */
function codeCachesIn(copy: string): string[] {
  return fs
    .readdirSync(path.join(copy, 'dist'))
    .filter((name) => name.endsWith('.cache'))
    .sort();
}

/** The digest a bundle's code caches are named by (electron/cli/launch.ts). */
function bundleDigest(file: string): string {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(dist, file)))
    .digest('hex')
    .slice(0, 32);
}

describe('the CLI bundle (dist/cli.mjs and its chunks)', () => {
  it('loads neither the engine, the web server, the importer nor zod at start', () => {
    const { atStart, all } = cliFiles();
    const startCode = [...atStart].map((file) => fs.readFileSync(path.join(dist, file), 'utf8')).join('\n');
    // Marks of the code that must stay behind import(): the engine, ws, the Hermes importer.
    const marks = [
      'Dispatcher = class',
      'Supervisor = class',
      'Engine = class',
      'WebSocketServer',
      'scheduled on Hermes',
      // zod itself, and the schemas of shared/domain.ts (`list` needs only shared/constants.ts).
      '"$ZodType"',
      'a task id looks like t_1a2b3c4d',
    ];
    for (const mark of marks) {
      expect(startCode.includes(mark), `${mark} is loaded at start`).toBe(false);
      expect([...all].some((file) => fs.readFileSync(path.join(dist, file), 'utf8').includes(mark))).toBe(
        true,
      );
    }
    // zod's locales (all ~40 languages) are only in the bundle when zod is not tree-shaken.
    const allCode = [...all].map((file) => fs.readFileSync(path.join(dist, file), 'utf8')).join('\n');
    expect(allCode).not.toMatch(/Zu groß|Trop grand/);
    const startBytes = [...atStart].reduce((sum, file) => sum + fs.statSync(path.join(dist, file)).size, 0);
    // was 1.1 MB in one file, then 300 KB with zod, 120 KB, and 190 KB once the commands of 4 Dec came
    // in; now each command's module is loaded when it runs (electron/cli/main.ts COMMAND_MODULES) and
    // built-ins are plain require()s (scripts/build-node.mjs): 61 KB (performance issue 17, target 4),
    // 81 KB on 5 Dec with the argument parser's one-line refusals and negative values. The bound is
    // for a module pulled in by mistake (zod alone is over 100 KB; the marks above name the big ones).
    expect(startBytes).toBeLessThan(96 * 1024);
    // What `list` loads in all: the start and the task commands' module with what it imports.
    const listModule = importsOf('cli.mjs').dynamic.find((file) =>
      fs.readFileSync(path.join(dist, file), 'utf8').includes('name: "list"'),
    );
    expect(listModule).toBeDefined();
    const forList = new Set(atStart);
    const visit = (file: string): void => {
      if (forList.has(file)) return;
      forList.add(file);
      for (const next of importsOf(file).static) visit(next);
    };
    visit(listModule as string);
    const listBytes = [...forList].reduce((sum, file) => sum + fs.statSync(path.join(dist, file)).size, 0);
    // 142 KB on 5 Dec with the one-line input-file and argument refusals; the marks below are the check
    // that matters, the bound catches a large module pulled in by mistake.
    expect(listBytes).toBeLessThan(160 * 1024);
    const listCode = [...forList].map((file) => fs.readFileSync(path.join(dist, file), 'utf8')).join('\n');
    for (const mark of ['"$ZodType"', 'Engine = class', 'WebSocketServer'])
      expect(listCode.includes(mark), `${mark} is loaded by list`).toBe(false);
  });

  it("runs the task commands from one CommonJS bundle, without Node's ESM loader", () => {
    // Performance issue 17, target 4a: Node's ESM loader resolved, read and linked the ~20 chunks
    // `list` loaded from dist/cli.mjs one by one; require() of one file does none of that. The entry
    // itself is CommonJS too: an .mjs entry started the ESM loader (and node:fs/promises with
    // readline, which it reads files with) for nothing, ~13 ms of CPU at every start.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-launch-'));
    try {
      for (const args of [['create', 'one'], ['list'], ['list', '--json'], ['show', '--help']])
        expect(esModulesLoadedBy(args, home), args.join(' ')).toMatchObject({ files: [], esmLoader: false });
      // Every other command line is the whole CLI's, as before.
      expect(esModulesLoadedBy(['--version'], home).files).toContain(path.join('dist', 'cli.mjs'));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    const tasks = fs.readFileSync(path.join(dist, 'cli-tasks.cjs'), 'utf8');
    for (const mark of ['Dispatcher = class', 'Supervisor = class', 'Engine = class', 'WebSocketServer'])
      expect(tasks.includes(mark), `${mark} is in the task commands' bundle`).toBe(false);
    expect(tasks).not.toMatch(/Zu groß|Trop grand/);
    // Not the repository commands nor the landing code behind them (electron/cli/repositoryOptions.ts).
    for (const module of ['electron/cli/repositoryCommands.ts', 'electron/core/workers/land.ts'])
      expect(tasks, module).not.toMatch(new RegExp(`^// ${module.replace(/\./g, '\\.')}$`, 'm'));
    // Self-contained but for zod (dist/cli-zod.cjs): the task commands, the store and better-sqlite3's
    // JavaScript, 218 KB on 5 Dec 2026 (396 KB with zod, 445 KB with the repository commands too).
    // Each start reads all of it and its code cache.
    expect(fs.statSync(path.join(dist, 'cli-tasks.cjs')).size).toBeLessThan(240 * 1024);
    // The launcher itself holds the names and nothing else of ours.
    expect(fs.statSync(path.join(dist, 'cli-launch.cjs')).size).toBeLessThan(4 * 1024);
  });

  it('ends a task command’s process once its exit code is known, without Node’s teardown', () => {
    // Performance issue 17, target 4b: the task commands leave nothing running, so the process ends
    // at once (stdio.ts ProcessEnd 'now') instead of letting the event loop run out and Node free its
    // heap piece by piece; `beforeExit` is emitted only on the second way.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-end-'));
    try {
      const probe = path.join(home, 'probe.cjs');
      fs.writeFileSync(
        probe,
        "process.on('beforeExit', () => require('fs').writeSync(2, 'event loop drained\\n'));\n",
      );
      const run = (...args: string[]): SpawnSyncReturns<string> =>
        spawnSync(process.execPath, ['--require', probe, CLI_ENTRY, ...args], {
          env: { ...process.env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'tester' },
          encoding: 'utf8',
        });
      for (const [args, code] of [
        [['create', 'one'], 0],
        [['list', '--json'], 0],
        [['show', 't_00000000'], 1],
        [['list', 'unexpected'], 2],
      ] as const) {
        const result = run(...args);
        expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(code);
        expect(result.stderr, args.join(' ')).not.toContain('event loop drained');
      }
      expect(JSON.parse(run('list', '--json').stdout)).toMatchObject([{ title: 'one' }]);
      // The whole CLI's commands may leave work running (a server, a watch): they drain as before.
      expect(run('--version').stderr).toContain('event loop drained');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("runs `serve` from its own CommonJS bundle with a V8 code cache, without Node's ESM loader", () => {
    // Performance issue 17, target 7: from dist/cli.mjs, `serve` loaded ~40 ES modules through
    // Node's ESM loader and compiled them at every start, most of its time before it listened.
    withCliCopy('switchyard-serve-bundle-', (copy) => {
      const serve = () => {
        const loaded = esModulesLoadedBy(['serve', '--host-check'], path.join(copy, 'home'), copy);
        expect(loaded.stdout).toMatch(/^ok: http:\/\/127\.0\.0\.1:\d+\/\?token=… answered 200$/m);
        return { files: loaded.files, esmLoader: loaded.esmLoader };
      };
      const cacheName = `cli-serve-${bundleDigest('cli-serve.cjs')}-serve-${process.arch}-v8-${process.versions.v8}.cache`;

      expect(serve()).toEqual({ files: [], esmLoader: false });
      expect(codeCachesIn(copy)).toEqual([cacheName]);
      const cacheFile = path.join(copy, 'dist', cacheName);
      const made = fs.statSync(cacheFile);
      expect(made.size).toBeGreaterThan(100_000);
      // Taken as it is by the next start (V8 accepted it: nothing is written anew).
      expect(serve()).toEqual({ files: [], esmLoader: false });
      expect(fs.statSync(cacheFile).mtimeMs).toBe(made.mtimeMs);
    });
    const bundle = fs.readFileSync(path.join(dist, 'cli-serve.cjs'), 'utf8');
    for (const mark of ['Engine = class', 'WebSocketServer'])
      expect(bundle.includes(mark), `${mark} is in serve's bundle`).toBe(true);
    // `serve` alone: not the importers nor the other commands.
    for (const module of ['electron/core/import/importHermes.ts', 'electron/cli/repositoryCommands.ts'])
      expect(bundle, module).not.toMatch(new RegExp(`^// ${module.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('compiles the task commands’ bundle with a V8 code cache per command, named by its digest, and survives a bad one', () => {
    // Performance issue 17, targets 4a and 4c: compiling dist/cli-tasks.cjs was a large part of each
    // start (electron/cli/launch.ts). V8 checks a cache only against the source's length, so a
    // cache must never outlive the bundle it was made from: its name carries the bundle's digest.
    // Each command has its own: V8 reads every function a cache holds at each start.
    withCliCopy('switchyard-code-cache-', (copy) => {
      const run = (...args: string[]) => runCopy(copy, ...args);
      const caches = () => codeCachesIn(copy);
      const digest = bundleDigest('cli-tasks.cjs');
      const cacheName = (command: string) =>
        `cli-tasks-${digest}-${command}-${process.arch}-v8-${process.versions.v8}.cache`;

      expect(run('create', 'first', '--json').status).toBe(0);
      expect(caches()).toEqual([cacheName('create')]);
      const createCache = fs.readFileSync(path.join(copy, 'dist', cacheName('create')));
      expect(createCache.length).toBeGreaterThan(10_000);

      // `list` makes its own: the functions `create` compiled (zod's among them) are not its.
      const listed = run('list', '--json');
      expect(listed.status).toBe(0);
      expect((JSON.parse(listed.stdout) as { title: string }[]).map((task) => task.title)).toEqual(['first']);
      expect(caches()).toEqual([cacheName('create'), cacheName('list')]);
      const cacheFile = path.join(copy, 'dist', cacheName('list'));
      const made = fs.readFileSync(cacheFile);
      expect(made.length).toBeLessThan(createCache.length);

      // Taken as it is by the next start (V8 accepted it: nothing is written anew).
      const before = fs.statSync(cacheFile);
      expect(run('list', '--json').stdout).toBe(listed.stdout);
      expect(fs.statSync(cacheFile).mtimeMs).toBe(before.mtimeMs);
      expect(fs.statSync(cacheFile).ino).toBe(before.ino);

      // A damaged cache is refused by V8, compiled around, and replaced; the command's output is the same.
      fs.writeFileSync(cacheFile, Buffer.alloc(made.length, 7));
      const again = run('list', '--json');
      expect(again.status).toBe(0);
      expect(again.stdout).toBe(listed.stdout);
      expect(fs.readFileSync(cacheFile).equals(Buffer.alloc(made.length, 7))).toBe(false);
      expect(caches()).toHaveLength(2);
    });
  });

  it('keeps zod in a bundle of its own that `create` and `list` never load, compiled from a code cache by the commands that do', () => {
    // Performance issue 17, targets 4c and 4a (scripts/build-node.mjs zodApart): a valid `create` and
    // `list` run no zod, yet read and copied its 180 KB with the rest of the bundle at every start.
    const tasks = fs.readFileSync(path.join(dist, 'cli-tasks.cjs'), 'utf8');
    expect(tasks).not.toMatch(/^\/\/ .*node_modules\/zod\//m);
    const zodBundle = fs.readFileSync(path.join(dist, 'cli-zod.cjs'), 'utf8');
    // Tree-shaken to what the task commands use, as the zod inside their bundle was: no locale but English.
    expect(zodBundle).not.toMatch(/Zu groß|Trop grand/);
    expect(zodBundle.length).toBeLessThan(240 * 1024);
    withCliCopy('switchyard-zod-apart-', (copy) => {
      const run = (...args: string[]) => runCopy(copy, ...args);
      const zodCaches = () => codeCachesIn(copy).filter((name) => name.startsWith('cli-zod-'));
      const zodCache = (command: string) =>
        `cli-zod-${bundleDigest('cli-zod.cjs')}-${command}-${process.arch}-v8-${process.versions.v8}.cache`;

      const created = run('create', 'first', '--json');
      expect(created.status, created.stderr).toBe(0);
      const { id } = JSON.parse(created.stdout) as { id: string };
      expect(run('list', '--json', '--status', 'ready').status).toBe(0);
      expect(run('list').status).toBe(0);
      // Neither compiled zod's bundle: a bundle compiled without a cache leaves one at exit.
      expect(zodCaches()).toEqual([]);

      // `edit` validates its input with zod: zod's bundle is compiled, with a cache of `edit`'s own.
      const edited = run('edit', id, '--priority', '3');
      expect(edited.status, edited.stderr).toBe(0);
      expect(zodCaches()).toEqual([zodCache('edit')]);
      const cacheFile = path.join(copy, 'dist', zodCache('edit'));
      const made = fs.statSync(cacheFile);
      expect(run('edit', id, '--priority', '4').status).toBe(0);
      // Taken as it is by the next start (V8 accepted it: nothing is written anew).
      expect(fs.statSync(cacheFile).mtimeMs).toBe(made.mtimeMs);
      expect(JSON.parse(run('show', id, '--json').stdout)).toMatchObject({ task: { id, priority: 4 } });

      // Input the generated check refuses goes to zod, in `create`'s process too, with zod's message.
      const refused = run('create', 'bell\u0007');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/control/i);
      expect(zodCaches()).toContain(zodCache('create'));
    });
  });

  it('hands V8 the task commands’ and `serve`’s bundles as read: ASCII, and a code cache made of the file’s own text', () => {
    // Performance issue 17, targets 4a and 4c (scripts/build-node.mjs launchedBundle): one character
    // beyond Latin-1, even in a comment, made V8 hold the whole text as two bytes a character, and
    // the launcher wrapped it at each start in a copy V8 then flattened.
    for (const file of ['cli-tasks.cjs', 'cli-serve.cjs', 'cli-zod.cjs']) {
      const bytes = fs.readFileSync(path.join(dist, file));
      expect(
        bytes.findIndex((byte) => byte > 0x7f),
        `${file}: the first byte beyond ASCII`,
      ).toBe(-1);
    }
    withCliCopy('switchyard-bundle-text-', (copy) => {
      const listed = runCopy(copy, 'list', '--json');
      expect(listed.status, listed.stderr).toBe(0);
      expect(listed.stdout).toBe('[]\n');
      const cache = fs
        .readdirSync(path.join(copy, 'dist'))
        .find((name) => /^cli-tasks-.*-list-.*\.cache$/.test(name));
      expect(cache).toBeDefined();
      // V8 takes a cache only for a source of the length it was made from: the file as it is, so
      // the launcher compiled the file's text and nothing around it.
      const check = spawnSync(
        process.execPath,
        [
          '-e',
          "const fs = require('fs'); const vm = require('vm'); const [file, cache] = process.argv.slice(1);" +
            "const script = new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData: fs.readFileSync(cache) });" +
            'process.stdout.write(String(script.cachedDataRejected));',
          path.join(copy, 'dist', 'cli-tasks.cjs'),
          path.join(copy, 'dist', cache as string),
        ],
        { encoding: 'utf8' },
      );
      expect(check.stdout, check.stderr).toBe('false');
    });
  });

  it.runIf(hasStrace())('reads the task commands’ bundle with one read(2)', () => {
    // Node 20's readFileSync(file, 'utf8') reads 8 KB a call (electron/cli/launch.ts).
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bundle-read-'));
    try {
      const trace = path.join(home, 'trace');
      const traced = spawnSync(
        'strace',
        [
          '-e',
          'trace=openat,read,close',
          '-o',
          trace,
          process.execPath,
          path.join(REPO_ROOT, 'bin', 'switchyard.cjs'),
          'list',
        ],
        { env: { ...process.env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'tester' }, encoding: 'utf8' },
      );
      expect(traced.status, traced.stderr).toBe(0);
      expect(readsOfFile(fs.readFileSync(trace, 'utf8'), path.join(dist, 'cli-tasks.cjs'))).toBe(1);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('lists every command under the module that holds it, so each loads only its own', async () => {
    const seen = new Set<string>();
    for (const module of COMMAND_MODULES) {
      const names = (await module.load()).map((command) => command.name);
      expect(names).toEqual(module.names);
      for (const name of names) {
        expect(seen.has(name), `${name} listed twice`).toBe(false);
        seen.add(name);
      }
    }
  });

  it('requires Node built-ins and carries better-sqlite3’s JavaScript (scripts/build-node.mjs)', () => {
    // An ESM import of node:fs loads all of node:stream (its facade reads fs.ReadStream), and loading
    // better-sqlite3's files from node_modules costs module resolution: several ms of every start.
    const { atStart } = cliFiles();
    const startCode = [...atStart].map((file) => fs.readFileSync(path.join(dist, file), 'utf8')).join('\n');
    for (const file of atStart) {
      const code = fs.readFileSync(path.join(dist, file), 'utf8');
      expect(code, file).not.toMatch(/\b(?:import|from)\s*["']node:(?!module['"])[^"']+["']/);
      expect(code, file).not.toMatch(/(?:\bfrom\s*|\brequire\(\s*)["']better-sqlite3["']/);
      // Not node:crypto either (~5 ms): only the commands that make task ids need it, and load it later.
      expect(code, file).not.toMatch(/require\(\s*["']node:crypto["']\s*\)/);
    }
    expect(startCode).toMatch(/^\/\/ \S*node_modules\/better-sqlite3\/lib\/database\.js$/m);
    // Its native part is found in the installed package (the last test runs it from a copy).
    expect(startCode).toContain('better-sqlite3/package.json');
  });

  it('loads better-sqlite3’s native part from build/Release without the bindings package’s search', () => {
    // `bindings` tries build/Debug and a dozen other places before build/Release, each a failed
    // require() at every start (performance issue 17, target 4a).
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bindings-'));
    try {
      const probe = path.join(home, 'probe.cjs');
      fs.writeFileSync(
        probe,
        "process.on('exit', () => require('fs').writeSync(2, 'LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));",
      );
      const result = spawnSync(
        process.execPath,
        ['--require', probe, path.join(REPO_ROOT, 'bin', 'switchyard.cjs'), 'list'],
        {
          encoding: 'utf8',
          env: { ...process.env, SWITCHYARD_HOME: home },
        },
      );
      expect(result.status).toBe(0);
      const loaded = JSON.parse(/^LOADED (.*)$/m.exec(result.stderr)?.[1] ?? '[]') as string[];
      expect(loaded.some((file) => file.endsWith(path.join('build', 'Release', 'better_sqlite3.node')))).toBe(
        true,
      );
      expect(loaded.filter((file) => file.includes(`${path.sep}bindings${path.sep}`))).toEqual([]);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('is unpacked from the asar archive with every chunk (electron-builder.yml asarUnpack)', () => {
    const config = fs.readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
    const unpack = config.slice(config.indexOf('asarUnpack:')).split(/\n(?=\S)/)[0] as string;
    const patterns = [...unpack.matchAll(/^\s+- (\S+)$/gm)].map((match) => match[1] as string);
    expect(patterns).toContain('bin/**');
    expect(patterns).toContain('dist/cli*.mjs');
    expect(patterns).toContain('dist/cli*.cjs');
    for (const file of cliFiles().all) expect(file).toMatch(/^cli[^/]*\.(?:mjs|cjs)$/);
  });

  it('runs from a copy of bin/ and dist/ elsewhere, and says how to build it when dist/ is missing', () => {
    withCliCopy(
      'switchyard cli copy-',
      (copy) => {
        const missing = runCopy(copy, '--help');
        expect(missing.status).toBe(1);
        expect(missing.stderr).toContain('run `npm run build:node`');

        copyCliBundles(copy);
        const run = (...args: string[]) => runCopy(copy, ...args);
        expect(run('create', 'hello', '--json').status).toBe(0);
        const listed = run('list', '--json');
        expect(listed.status).toBe(0);
        expect(JSON.parse(listed.stdout)).toMatchObject([{ title: 'hello' }]);
        // A command whose code is a chunk loaded on demand (the engine) works from the copy too.
        const lanes = run('lanes', '--json');
        expect(lanes.stderr).toBe('');
        expect(lanes.status).toBe(0);
      },
      { bundles: false },
    );
  });
});
