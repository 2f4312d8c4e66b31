import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homePaths, type HomePaths } from './home';
import { expandCommand, listProfiles, lookupProgram, readProfile, type ProfileCheck } from './profiles';

let root: string;
let paths: HomePaths;
/** A PATH holding only our fake programs, so the machine's own `claude` cannot leak into a test. */
let binDir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-profiles-'));
  paths = homePaths(path.join(root, 'home'));
  binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
  fs.mkdirSync(paths.profiles, { recursive: true });
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function writeProfile(name: string, content: unknown): void {
  fs.mkdirSync(path.join(paths.profiles, name), { recursive: true });
  const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
  fs.writeFileSync(path.join(paths.profiles, name, 'profile.json'), text);
}

function fakeProgram(name: string, mode = 0o755): string {
  const file = path.join(binDir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, mode);
  return file;
}

const check = (name: string): ProfileCheck => readProfile(paths, name, { pathEnv: binDir });
const problemOf = (name: string): string | null => {
  const result = check(name);
  return result.ok ? null : result.problem;
};

describe('readProfile', () => {
  it('accepts a valid profile whose program is on PATH, with defaults filled in', () => {
    const program = fakeProgram('agent');
    writeProfile('worker', { command: ['agent', '--task', '{taskId}', '{prompt}'] });
    const result = check('worker');
    expect(result).toEqual({
      ok: true,
      programPath: program,
      profile: {
        name: 'worker',
        command: ['agent', '--task', '{taskId}', '{prompt}'],
        env: {},
        maxConcurrent: 1,
        maxRuntimeSeconds: null,
        completion: 'exit-code',
        onSuccess: 'done',
        description: null,
        retryExitCodes: [75],
        output: 'text',
      },
    });
  });

  it('keeps every optional field the user set', () => {
    fakeProgram('agent');
    writeProfile('worker', {
      command: ['agent'],
      env: { MODEL: 'big' },
      maxConcurrent: 3,
      maxRuntimeSeconds: 600,
      completion: 'report',
      description: 'does things',
    });
    const result = check('worker');
    expect(result.ok && result.profile).toMatchObject({
      env: { MODEL: 'big' },
      maxConcurrent: 3,
      maxRuntimeSeconds: 600,
      completion: 'report',
      description: 'does things',
    });
  });

  it('says "not found" for a folder without profile.json', () => {
    fs.mkdirSync(path.join(paths.profiles, 'empty'));
    expect(problemOf('empty')).toBe('profile.json: not found');
  });

  it('says where broken JSON is broken', () => {
    writeProfile('broken', '{\n  "command": ["agent"],\n  oops\n}');
    expect(problemOf('broken')).toMatch(/^profile\.json: invalid JSON \(.+ at line 3 column 3\)$/);
  });

  it('finds the line of an unexpected token too', () => {
    writeProfile(
      'token',
      '{\n  "command": ["agent"],\n  "description": "long enough to be quoted in part",\n  "env": { "A": oops }\n}',
    );
    expect(problemOf('token')).toBe("profile.json: invalid JSON (Unexpected token 'o' at line 4 column 17)");
  });

  it('does not echo the file back in a JSON error', () => {
    writeProfile('broken', '{"command": }');
    const problem = problemOf('broken');
    expect(problem).toMatch(/^profile\.json: invalid JSON \(Unexpected token/);
    expect(problem).not.toContain('"command"');
  });

  it('names a missing command', () => {
    writeProfile('nocommand', { env: {} });
    expect(problemOf('nocommand')).toBe('profile.json: command missing');
  });

  it.each([['agent --yes'], [[]], [['agent', 3]], [{ program: 'agent' }]])(
    'rejects a command that is not a non-empty array of strings: %j',
    (command) => {
      writeProfile('bad', { command });
      expect(problemOf('bad')).toBe('profile.json: command must be a non-empty array of strings');
    },
  );

  it.each([
    [
      { command: ['agent'], maxConcurrent: 0 },
      'profile.json: maxConcurrent must be a whole number, at least 1',
    ],
    [
      { command: ['agent'], maxRuntimeSeconds: 1.5 },
      'profile.json: maxRuntimeSeconds must be a whole number of seconds, at least 1',
    ],
    [{ command: ['agent'], completion: 'exit' }, 'profile.json: completion must be "exit-code" or "report"'],
    [{ command: ['agent'], env: { A: 1 } }, 'profile.json: env.A must be a string'],
    [{ command: ['agent'], env: ['A=1'] }, 'profile.json: env must be an object of "NAME": "value" strings'],
    [{ command: ['{prompt}'] }, 'profile.json: command[0] (the program) may use only the {home} placeholder'],
    [{ command: ['agent'], maxConcurent: 2 }, 'profile.json: unknown field "maxConcurent"'],
    [[1, 2], 'profile.json: must be a JSON object like {"command": ["agent", "{prompt}"]}'],
  ])('names the field that is wrong: %j', (content, expected) => {
    fakeProgram('agent');
    writeProfile('bad', content);
    expect(problemOf('bad')).toContain(expected);
  });

  it('allows comment keys that editors and people add', () => {
    fakeProgram('agent');
    writeProfile('commented', { $schema: 'x', _note: 'mine', '// why': 'because', command: ['agent'] });
    expect(check('commented').ok).toBe(true);
  });

  it('says which program is not on PATH', () => {
    writeProfile('claude', { command: ['claude', '-p', '{prompt}'] });
    expect(check('claude')).toMatchObject({
      ok: false,
      problem: '`claude` not found on PATH',
      cause: 'program_missing',
    });
  });

  it('looks the program up on the profile’s own env.PATH when it sets one', () => {
    const ownBin = path.join(root, 'own-bin');
    fs.mkdirSync(ownBin);
    fs.writeFileSync(path.join(ownBin, 'special'), '#!/bin/sh\n');
    fs.chmodSync(path.join(ownBin, 'special'), 0o755);
    writeProfile('special', { command: ['special'], env: { PATH: ownBin } });
    expect(check('special').ok).toBe(true);
  });

  it('says an absolute program that is not executable is not executable', () => {
    const program = fakeProgram('agent', 0o644);
    writeProfile('noexec', { command: [program] });
    expect(problemOf('noexec')).toBe(`\`${program}\` is not executable`);
  });

  it('says a folder given as the program is not executable, and a missing one is not found', () => {
    writeProfile('dir', { command: [binDir] });
    expect(problemOf('dir')).toBe(`\`${binDir}\` is not executable`);
    writeProfile('gone', { command: ['/nonexistent/agent'] });
    expect(problemOf('gone')).toBe('`/nonexistent/agent` not found');
  });

  it('skips non-executable files on PATH the way exec does', () => {
    fakeProgram('agent', 0o644);
    writeProfile('worker', { command: ['agent'] });
    expect(problemOf('worker')).toBe('`agent` not found on PATH');
  });

  it('rejects a relative program path, which would depend on the worker’s folder', () => {
    writeProfile('relative', { command: ['./run.sh'] });
    const result = check('relative');
    expect(result).toMatchObject({ ok: false, cause: 'invalid' });
    expect(result.ok ? '' : result.problem).toContain('{home}/profiles/NAME/run.sh');
  });

  it('finds a script in the profile folder through the {home} placeholder', () => {
    writeProfile('scripted', { command: ['{home}/profiles/scripted/run.sh', '{prompt}'] });
    const script = path.join(paths.profiles, 'scripted', 'run.sh');
    fs.writeFileSync(script, '#!/bin/sh\n');
    fs.chmodSync(script, 0o755);
    expect(check('scripted')).toMatchObject({ ok: true, programPath: script });
  });

  it('refuses an oversized profile.json', () => {
    writeProfile('huge', `{"command": ["agent"], "description": "${'x'.repeat(300 * 1024)}"}`);
    expect(problemOf('huge')).toBe('profile.json: larger than 256 KiB, ignored');
  });
});

describe('lookupProgram', () => {
  it('takes the first executable on PATH and ignores empty and relative entries', () => {
    const second = path.join(root, 'second');
    fs.mkdirSync(second);
    fs.writeFileSync(path.join(second, 'tool'), '');
    fs.chmodSync(path.join(second, 'tool'), 0o755);
    const first = fakeProgram('tool');
    expect(lookupProgram('tool', `::relative:${binDir}:${second}`)).toEqual({ ok: true, programPath: first });
    expect(lookupProgram('tool', '')).toEqual({ ok: false, problem: '`tool` not found on PATH' });
  });
});

describe('listProfiles', () => {
  it('lists valid and broken profiles and ignores misnamed folders with a problem', () => {
    fakeProgram('agent');
    writeProfile('good', { command: ['agent'] });
    writeProfile('bad', { command: 'agent' });
    writeProfile('Orion-CC', { command: ['agent'] });
    fs.mkdirSync(path.join(paths.profiles, '.hidden'));
    fs.writeFileSync(path.join(paths.profiles, 'README.md'), 'notes');
    const listing = listProfiles(paths, { pathEnv: binDir });
    expect(listing.profiles.map(({ name, check: result }) => [name, result.ok])).toEqual([
      ['bad', false],
      ['good', true],
    ]);
    expect(listing.problems).toEqual([
      'profiles/Orion-CC: ignored — a profile folder name must be a lane name; rename it to "orion-cc"',
    ]);
  });

  it('is empty, without problems, when the profiles folder does not exist', () => {
    fs.rmSync(paths.profiles, { recursive: true });
    expect(listProfiles(paths)).toEqual({ profiles: [], problems: [] });
  });
});

describe('expandCommand', () => {
  const vars = {
    taskId: 't_0123abcd',
    prompt: 'p',
    promptFile: '/home/me/.switchyard/logs/t_0123abcd/7.prompt.md',
    workspace: '/ws',
    home: '/home/me/.switchyard',
  };

  it('fills every placeholder, also inside larger arguments', () => {
    expect(
      expandCommand(
        {
          command: [
            '{home}/bin/agent',
            '--task={taskId}',
            '-C',
            '{workspace}',
            '{prompt}',
            '--file={promptFile}',
          ],
        },
        vars,
      ),
    ).toEqual([
      '/home/me/.switchyard/bin/agent',
      '--task=t_0123abcd',
      '-C',
      '/ws',
      'p',
      '--file=/home/me/.switchyard/logs/t_0123abcd/7.prompt.md',
    ]);
  });

  it('keeps hostile prompt text as one verbatim argument, never expanded again', () => {
    const hostile = `it's "quoted" $(rm -rf ~) \`id\` $HOME $& $' $1 ; | && *\nline two {workspace} {taskId}\r\n`;
    const argv = expandCommand(
      { command: ['agent', '-p', '{prompt}', 'prefix:{prompt}'] },
      { ...vars, prompt: hostile },
    );
    expect(argv).toEqual(['agent', '-p', hostile, `prefix:${hostile}`]);
  });

  it('leaves unknown braces alone', () => {
    expect(expandCommand({ command: ['awk', '{print $1}', '{Prompt}', '{}'] }, vars)).toEqual([
      'awk',
      '{print $1}',
      '{Prompt}',
      '{}',
    ]);
  });
});
