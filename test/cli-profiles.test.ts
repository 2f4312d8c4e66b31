import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { profileCommands, type ProfileRow } from '../electron/cli/profileCommands';
import { registerCommands, runCli } from '../electron/cli/main';
import type { Output } from '../electron/cli/output';
import { homePaths, type HomePaths } from '../electron/core/config/home';
import { readProfile } from '../electron/core/config/profiles';

let root: string;
let paths: HomePaths;
let binDir: string;

beforeAll(() => {
  registerCommands(profileCommands);
});

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-cli-profiles-'));
  paths = homePaths(path.join(root, 'home'));
  binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function profiles(...args: string[]): Promise<Captured> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const output: Output = {
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    write: (text) => stdout.push(text),
    jsonLayout: () => 'pretty',
  };
  // A PATH of only our fake programs: the machine's own agents must not make a test pass.
  const env = { SWITCHYARD_HOME: paths.home, SWITCHYARD_ACTOR: 'tester', PATH: binDir };
  const code = await runCli(['profiles', ...args], env, output);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

function installProgram(name: string): string {
  const file = path.join(binDir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, 0o755);
  return file;
}

function writeProfile(name: string, content: string): void {
  fs.mkdirSync(path.join(paths.profiles, name), { recursive: true });
  fs.writeFileSync(path.join(paths.profiles, name, 'profile.json'), content);
}

describe('switchyard profiles create', () => {
  it('creates a Claude Code profile that is broken until `claude` is on PATH', async () => {
    const created = await profiles('create', 'Claude', '--from', 'claude');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Not runnable yet: `claude` not found on PATH');
    const file = path.join(paths.profiles, 'claude', 'profile.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({
      command: [
        'claude',
        '-p',
        '{prompt}',
        '--output-format',
        'stream-json',
        '--verbose',
        '--permission-mode',
        'acceptEdits',
      ],
      completion: 'exit-code',
      output: 'claude-stream-json',
    });

    installProgram('claude');
    const listed = await profiles('list', '--json');
    expect(listed.code).toBe(0);
    const rows = (JSON.parse(listed.stdout) as { profiles: ProfileRow[] }).profiles;
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'claude',
        valid: true,
        problem: null,
        completion: 'exit-code',
        maxConcurrent: 1,
      }),
    ]);
  });

  it.each([
    [
      'codex',
      ['codex', 'exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check', '{prompt}'],
    ],
    ['hermes', ['hermes', 'chat', '-q', '{prompt}']],
  ])('creates a %s profile from its template', async (template, command) => {
    installProgram(template);
    const created = await profiles('create', template, '--from', template, '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: template, valid: true, command });
  });

  it('creates a runnable shell profile with an executable run.sh that reports completion', async () => {
    const created = await profiles('create', 'scripted', '--from', 'shell');
    expect(created.code).toBe(0);
    const script = path.join(paths.profiles, 'scripted', 'run.sh');
    expect(fs.statSync(script).mode & 0o111).not.toBe(0);
    const check = readProfile(paths, 'scripted', { pathEnv: binDir });
    expect(check).toMatchObject({ ok: true, programPath: script, profile: { completion: 'report' } });

    // Run the script the way a worker would, with a fake `switchyard` that records its arguments.
    const record = path.join(root, 'switchyard-args');
    fs.writeFileSync(
      path.join(binDir, 'switchyard'),
      `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done > '${record}'\n`,
    );
    fs.chmodSync(path.join(binDir, 'switchyard'), 0o755);
    const prompt = 'Fix "it" $(touch pwned)\nsecond line';
    const printed = execFileSync(script, ['t_0123abcd', prompt], {
      cwd: root,
      env: { PATH: `${binDir}:/usr/bin:/bin`, SWITCHYARD_TASK: 't_0123abcd' },
      encoding: 'utf8',
    });
    expect(printed).toContain('task:      t_0123abcd');
    expect(printed).toContain('Fix "it" $(touch pwned)');
    expect(fs.existsSync(path.join(root, 'pwned'))).toBe(false);
    expect(fs.readFileSync(record, 'utf8').split('\n').slice(0, 3)).toEqual([
      'complete',
      't_0123abcd',
      '--summary',
    ]);
  });

  it('refuses to overwrite an existing profile without --force, and overwrites with it', async () => {
    writeProfile('mine', '{"command": ["my-agent"]}');
    const refused = await profiles('create', 'mine', '--from', 'codex');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'switchyard: profile "mine" already has mine/profile.json; use --force to overwrite it',
    );
    expect(fs.readFileSync(path.join(paths.profiles, 'mine', 'profile.json'), 'utf8')).toBe(
      '{"command": ["my-agent"]}',
    );
    const forced = await profiles('create', 'mine', '--from', 'codex', '--force');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(paths.profiles, 'mine', 'profile.json'), 'utf8')).toContain('"codex"');
  });

  it('rejects an invalid name, a missing or unknown template, and stray options', async () => {
    expect(await profiles('create', '../evil', '--from', 'shell')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('"../evil" is not a valid profile name'),
    });
    expect(fs.existsSync(path.join(paths.home, 'evil'))).toBe(false);
    expect(await profiles('create', 'x')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--from is required'),
    });
    expect(await profiles('create', 'x', '--from', 'gpt')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown template "gpt"'),
    });
    expect(await profiles('create')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('missing profile name'),
    });
    expect(await profiles('list', '--from', 'shell')).toMatchObject({ code: 2 });
    expect(await profiles('frobnicate')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown action'),
    });
  });
});

describe('switchyard profiles list', () => {
  it('is the default action and says how to start when there are no profiles', async () => {
    const listed = await profiles();
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('No profiles');
    expect(listed.stdout).toContain('switchyard profiles create NAME --from shell|claude|codex|hermes');
  });

  it('shows valid and broken profiles with their problems, and misnamed folders as warnings', async () => {
    installProgram('agent');
    writeProfile('good', '{"command": ["agent", "{prompt}"], "maxConcurrent": 2}');
    writeProfile('bad', '{"env": {}}');
    writeProfile('Upper', '{"command": ["agent"]}');
    const listed = await profiles('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/good\s+ok\s+exit-code\s+2\s+agent \{prompt\}/);
    expect(listed.stdout).toMatch(/bad\s+broken/);
    expect(listed.stdout).toContain('↳ profile.json: command missing');
    expect(listed.stderr).toContain('warning: profiles/Upper: ignored');

    const asJson = JSON.parse((await profiles('list', '--json')).stdout) as {
      profiles: ProfileRow[];
      problems: string[];
    };
    expect(asJson.profiles.map((row) => [row.name, row.valid, row.problem])).toEqual([
      ['bad', false, 'profile.json: command missing'],
      ['good', true, null],
    ]);
    expect(asJson.problems).toHaveLength(1);
  });
});

describe('switchyard profiles validate', () => {
  it('exits 0 when every profile is usable', async () => {
    const program = installProgram('agent');
    writeProfile('good', '{"command": ["agent"]}');
    const validated = await profiles('validate');
    expect(validated).toEqual({ code: 0, stdout: `good: ok (${program})`, stderr: '' });
  });

  it('exits 1 and prints each problem when a profile is broken', async () => {
    installProgram('agent');
    writeProfile('good', '{"command": ["agent"]}');
    writeProfile('broken', '{\n  "command": ["agent"\n}');
    writeProfile('missing', '{"command": ["claude"]}');
    const validated = await profiles('validate');
    expect(validated.code).toBe(1);
    expect(validated.stdout).toMatch(/^broken: profile\.json: invalid JSON \(.+ at line 3 column 1\)$/m);
    expect(validated.stdout).toContain('missing: `claude` not found on PATH');
    expect(validated.stdout).toContain('good: ok');
    expect(validated.stderr).toBe('switchyard: 2 profile problems to fix');

    const asJson = await profiles('validate', '--json');
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ valid: false });
  });

  it('validates one profile by name, case-insensitively, and reports an unknown one', async () => {
    installProgram('agent');
    writeProfile('good', '{"command": ["agent"]}');
    writeProfile('bad', '{"command": "agent"}');
    expect((await profiles('validate', 'GOOD')).code).toBe(0);
    expect(await profiles('validate', 'bad')).toMatchObject({
      code: 1,
      stdout: 'bad: profile.json: command must be a non-empty array of strings',
    });
    expect(await profiles('validate', 'nobody')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no profile "nobody"'),
    });
  });
});
