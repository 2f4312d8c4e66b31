import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, REPO_ROOT } from './helpers/cli';

// Performance issue 17, target 4c: what a person's `switchyard create` loads. node:crypto brings ~50 of
// Node's internal modules (all of its streams), and shared/domain.ts builds over a hundred zod objects
// for the task, card, run, comment and event records; `create` needs neither (its ids are checked
// against the table, store/taskIds.ts; its input is checked against shared/fieldSchemas.ts).

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-create-start-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs the CLI; reports Node's built-in modules loaded and our bundle files the ESM loader loaded. */
function runTraced(args: string[], env: Record<string, string> = {}) {
  const probe = path.join(root, 'probe.cjs');
  fs.writeFileSync(
    probe,
    "process.on('exit', () => require('fs').writeSync(2, 'BUILTINS ' + JSON.stringify(process.moduleLoadList) + '\\n'));",
  );
  const result = spawnSync(process.execPath, ['--require', probe, CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      SWITCHYARD_HOME: path.join(root, 'home'),
      SWITCHYARD_ACTOR: 'tester',
      NODE_DEBUG: 'esm',
      ...env,
    },
  });
  const builtins = JSON.parse(/^BUILTINS (.*)$/m.exec(result.stderr)?.[1] ?? '[]') as string[];
  const files = new Set(
    [...result.stderr.matchAll(/Storing (file:\/\/\S+\.mjs)/g)].map((match) =>
      fileURLToPath(match[1] as string),
    ),
  );
  return { status: result.status, stdout: result.stdout, builtins, files };
}

describe('switchyard create, as a person', () => {
  it('loads neither node:crypto nor the record schemas of shared/domain.ts', () => {
    const created = runTraced(['create', 'Start light', '--json']);
    expect(created.status).toBe(0);
    expect((JSON.parse(created.stdout) as { id: string }).id).toMatch(/^t_[0-9a-f]{8}$/);
    expect(created.builtins).not.toContain('NativeModule crypto');
    const dist = [...created.files].filter((file) => file.startsWith(path.join(REPO_ROOT, 'dist')));
    expect(dist.length).toBeGreaterThan(3);
    const code = dist.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
    // The input schema is there, the records are not.
    expect(code).toContain('createTaskInputSchema');
    expect(code).not.toMatch(/\bcardSchema = /);
    expect(code).not.toMatch(/\btaskEventSchema = /);
  });

  it('for a lane with a profile, loads neither the lane resolver, settings.json’s schema nor the profile reader', () => {
    // `create --assignee NAME` checks the name is known (electron/cli/laneCheck.ts); a profile's folder
    // answers that, and the dispatcher's lane machinery is not needed for it (nor for claim's pause rule).
    fs.mkdirSync(path.join(root, 'home', 'profiles', 'coder'), { recursive: true });
    const created = runTraced(['create', 'For coder', '--assignee', 'coder']);
    expect(created.status).toBe(0);
    const code = [...created.files]
      .filter((file) => file.startsWith(path.join(REPO_ROOT, 'dist')))
      .map((file) => fs.readFileSync(file, 'utf8'))
      .join('\n');
    expect(code).toContain('function warnOfUnknownLane');
    expect(code).toContain('function effectiveLaneSettings');
    for (const module of ['config/lanes.ts', 'config/settings.ts', 'config/profiles.ts', 'shared/profile.ts'])
      expect(code, module).not.toMatch(new RegExp(`^// \\S*${module.replace('.', '\\.')}$`, 'm'));
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
