import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, REPO_ROOT } from './helpers/cli';

// Performance issue 17, target 4c: what a person's `switchyard create` loads. node:crypto brings ~50 of
// Node's internal modules (all of its streams), and shared/domain.ts builds over a hundred zod objects
// for the task, card, run, comment and event records; `create` needs neither (its ids are checked
// against the table, store/taskIds.ts; its input is checked against shared/fieldSchemas.ts).

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-create-start-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/**
 * The source modules a CLI process ran, from V8's coverage of dist/cli-tasks.cjs (the task commands'
 * bundle, electron/cli/launch.ts). esbuild puts each module of the bundle after a `// path` line;
 * a module reached only through import() is wrapped in a function named by its path, run when first
 * imported. So a module ran unless its wrapper is there with a call count of 0. Also the calls of
 * each function of the bundle and of zod's (dist/cli-zod.cjs, when the process compiled it), by
 * name, and whether zod's bundle was compiled at all.
 */
function modulesRun(coverageDir: string): {
  modules: Set<string>;
  calls: Map<string, number>;
  zodBundleCompiled: boolean;
} {
  const bundle = path.join(REPO_ROOT, 'dist', 'cli-tasks.cjs');
  const zodBundle = pathToFileURL(path.join(REPO_ROOT, 'dist', 'cli-zod.cjs')).href;
  let zodBundleCompiled = false;
  const code = fs.readFileSync(bundle, 'utf8');
  const inBundle = new Set(
    [...code.matchAll(/^\/\/ ((?:electron|shared)\/\S+\.tsx?)$/gm)].map((m) => m[1] as string),
  );
  const notRun = new Set<string>();
  const calls = new Map<string, number>();
  let covered = false;
  for (const file of fs.readdirSync(coverageDir)) {
    const { result } = JSON.parse(fs.readFileSync(path.join(coverageDir, file), 'utf8')) as {
      result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[];
    };
    for (const script of result.filter((each) => each.url === zodBundle)) {
      zodBundleCompiled = true;
      for (const fn of script.functions)
        calls.set(fn.functionName, (calls.get(fn.functionName) ?? 0) + (fn.ranges[0]?.count ?? 0));
    }
    for (const script of result.filter((each) => each.url === pathToFileURL(bundle).href)) {
      covered = true;
      for (const fn of script.functions) {
        const count = fn.ranges[0]?.count ?? 0;
        calls.set(fn.functionName, (calls.get(fn.functionName) ?? 0) + count);
        if (inBundle.has(fn.functionName) && count === 0) notRun.add(fn.functionName);
      }
    }
  }
  expect(covered, 'the process ran dist/cli-tasks.cjs').toBe(true);
  return {
    modules: new Set([...inBundle].filter((module) => !notRun.has(module))),
    calls,
    zodBundleCompiled,
  };
}

/** Runs the CLI; reports Node's built-in modules loaded and the source modules of ours it ran. */
function runTraced(args: string[], env: Record<string, string> = {}) {
  const probe = path.join(root, 'probe.cjs');
  fs.writeFileSync(
    probe,
    "process.on('exit', () => require('fs').writeSync(2, 'BUILTINS ' + JSON.stringify(process.moduleLoadList) + '\\n'));",
  );
  const coverage = fs.mkdtempSync(path.join(root, 'coverage-'));
  const result = spawnSync(process.execPath, ['--require', probe, CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      SWITCHYARD_HOME: path.join(root, 'home'),
      SWITCHYARD_ACTOR: 'tester',
      NODE_V8_COVERAGE: coverage,
      ...env,
    },
  });
  const builtins = JSON.parse(/^BUILTINS (.*)$/m.exec(result.stderr)?.[1] ?? '[]') as string[];
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    builtins,
    ...modulesRun(coverage),
  };
}

/** Calls of zod's `$constructor` (zod/v4/core/core.js), through which every schema and check is made. */
const zodCalls = (calls: Map<string, number>): number => calls.get('$constructor') ?? 0;

describe('switchyard create, as a person', () => {
  it('loads neither node:crypto nor zod: its input is checked by the check generated from the schema', () => {
    const created = runTraced(['create', 'Start light', '--json']);
    expect(created.status).toBe(0);
    expect((JSON.parse(created.stdout) as { id: string }).id).toMatch(/^t_[0-9a-f]{8}$/);
    expect(created.builtins).not.toContain('NativeModule crypto');
    // shared/createTaskInputCheck.generated.ts answered; zod was not set up and no schema was built
    // (scripts/inputChecks.ts), nor the record schemas (not even in the task commands' bundle).
    expect(created.modules).toContain('shared/createTaskInputCheck.generated.ts');
    expect(created.modules).not.toContain('shared/taskInput.ts');
    expect(created.modules).not.toContain('shared/fieldSchemas.ts');
    expect(created.modules).not.toContain('shared/domain.ts');
    // zod is a bundle of its own (scripts/build-node.mjs zodApart), not even compiled here.
    expect(created.zodBundleCompiled, "zod's bundle was compiled").toBe(false);
    expect(zodCalls(created.calls), 'zod was set up').toBe(0);
    const bundle = fs.readFileSync(path.join(REPO_ROOT, 'dist', 'cli-tasks.cjs'), 'utf8');
    expect(bundle).not.toMatch(/\bcardSchema = /);
    expect(bundle).not.toMatch(/\btaskEventSchema = /);
  });

  it('refuses input with zod’s interpreted parsers, compiling none (one parse per process)', () => {
    // zod's JIT writes an object schema's parser as source at its first parse and compiles it with
    // new Function, which the code cache cannot hold (electron/cli/oneShotParsing.ts). Input the
    // generated check accepts never reaches zod.
    const created = runTraced(['create', 'Parsed once', '--priority', '3', '--json']);
    expect(created.status).toBe(0);
    expect((JSON.parse(created.stdout) as { priority: number }).priority).toBe(3);
    expect(zodCalls(created.calls)).toBe(0);
    // Input zod refuses is refused by zod, as before.
    const refused = runTraced(['create', 'Control\u0001character']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^switchyard: title contains control characters$/m);
    expect(refused.zodBundleCompiled).toBe(true);
    expect(refused.calls.get('generateFastpass')).toBe(0);
    // The generated check refused it, so zod was set up to say why.
    expect(zodCalls(refused.calls)).toBeGreaterThan(0);
    expect(refused.modules).toContain('shared/taskInput.ts');
  });

  it('for a lane with a profile, loads neither the lane resolver, settings.json’s schema nor the profile reader', () => {
    // `create --assignee NAME` checks the name is known (electron/cli/laneCheck.ts); a profile's folder
    // answers that, and the dispatcher's lane machinery is not needed for it (nor for claim's pause rule).
    fs.mkdirSync(path.join(root, 'home', 'profiles', 'coder'), { recursive: true });
    const created = runTraced(['create', 'For coder', '--assignee', 'coder']);
    expect(created.status).toBe(0);
    expect(created.modules).toContain('electron/cli/laneCheck.ts');
    expect(created.modules).not.toContain('electron/core/config/effectiveLaneSettings.ts');
    for (const module of ['config/lanes.ts', 'config/settings.ts', 'config/profiles.ts', 'shared/profile.ts'])
      expect(
        [...created.modules].filter((ran) => ran.endsWith(module)),
        module,
      ).toEqual([]);
    // For a name nobody uses, the warning does read the profiles (so the check above can fail).
    const unknown = runTraced(['create', 'For nobody', '--assignee', 'nobody-at-all']);
    expect(unknown.status).toBe(0);
    expect(unknown.modules).toContain('electron/core/config/profiles.ts');
  });

  it('still hashes a worker’s secret when a worker creates a follow-up', () => {
    // A worker's environment without a matching run: refused by the guard, which needs the hash.
    const refused = runTraced(['create', 'Follow-up'], {
      SWITCHYARD_TASK: 't_00000000',
      SWITCHYARD_RUN_SECRET: 'not-a-secret',
    });
    expect(refused.status).toBe(1);
    expect(refused.builtins).toContain('NativeModule crypto');
  });
});
