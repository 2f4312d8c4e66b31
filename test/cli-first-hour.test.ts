import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { allCommands } from '../electron/cli/main';
import { CLI_ENTRY, REPO_ROOT, runCli, runCliJson, type CliResult } from './helpers/cli';
import { useTempHomes } from './helpers/home';

/**
 * What a new user trips over in the first hour (issue 15), each through the built CLI as a child
 * process: one test per defect, each failing on the code before the fix.
 */

const tempHome = useTempHomes();
const AGENTS = path.join(REPO_ROOT, 'test', 'fixtures', 'agents');

function writeProfile(home: string, name: string, agent: string, args: string[] = []): void {
  const dir = path.join(home, 'profiles', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'profile.json'),
    JSON.stringify({ command: [process.execPath, path.join(AGENTS, agent), ...args] }),
  );
}

function writeFastSettings(home: string): void {
  fs.writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({
      dispatcher: { tickMs: 100, backoffBaseMs: 0, backoffMaxMs: 0, killGraceMs: 500, failureLimit: 2 },
    }),
  );
}

function expectOneLineUserError(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

/** A CLI child that keeps running (watch, serve), with its output so far. */
function startCli(
  home: string,
  args: string[],
): { child: ChildProcess; out: () => string; err: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('SWITCHYARD_')) delete env[key];
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: { ...env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'tester' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, out: () => stdout, err: () => stderr };
}

async function waitFor(check: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting; so far:\n${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('1. npm start without Electron’s binary', () => {
  it('prints one line — what is missing, how to get it, web mode — and exits non-zero', async () => {
    // An empty override folder: the binary is missing whether or not this machine downloaded it.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-electron-'));
    try {
      const result = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
        const child = spawn('npm', ['start', '--silent'], {
          cwd: REPO_ROOT,
          env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.code).not.toBe(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/needs the Electron binary, which is not installed/);
      expect(lines[0]).toMatch(/node node_modules\/electron\/install\.js/);
      expect(lines[0]).toMatch(/switchyard serve --open/);
      expect(result.stderr).not.toMatch(/at .*\.js:\d+|reinstall|delete node_modules/i);
      // Nothing was built or started: the check runs first.
      expect(result.stdout).not.toMatch(/electron \./);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('3. dispatch --watch', () => {
  it('prints one line per event (time, task, lane, what happened) and a summary on Ctrl-C', async () => {
    const { home } = tempHome();
    writeFastSettings(home);
    // `good` works for a second, so its child is created (todo) before it completes and is promoted.
    writeProfile(home, 'good', 'sleep.mjs', ['1']);
    writeProfile(home, 'bad', 'exit1.mjs');
    const watch = startCli(home, ['dispatch', '--watch']);
    try {
      await waitFor(() => /Dispatching from/.test(watch.err()), watch.err);
      const good = await runCliJson<Task>(home, ['create', 'Works', '--assignee', 'good']);
      const bad = await runCliJson<Task>(home, ['create', 'Crashes', '--assignee', 'bad']);
      const child = await runCliJson<Task>(home, ['create', 'After works', '--parent', good.id]);
      await waitFor(
        () => /gave up/.test(watch.out()) && new RegExp(`${child.id}.*promoted`).test(watch.out()),
        () => watch.out() + watch.err(),
      );
      const out = watch.out();
      expect(out).toMatch(
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${good.id}  good +spawned \\(pid \\d+\\)$`, 'm'),
      );
      expect(out).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${good.id}  good +completed`, 'm'));
      expect(out).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${bad.id}  bad +crashed \\(failure 1\\)`, 'm'));
      expect(out).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${bad.id}  bad +gave up after 2 failures`, 'm'));
      expect(out).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${child.id}  - +promoted todo → ready`, 'm'));
      watch.child.kill('SIGINT');
      expect(await exited(watch.child)).toBe(0);
      expect(watch.err()).toMatch(
        /Watched \d+ s: \d+ events — spawned 3, completed 1, crashed 2, .*gave up 1, promoted 1/,
      );
    } finally {
      watch.child.kill('SIGKILL');
    }
  });

  it('--json prints one JSON object per line, and the summary as the last', async () => {
    const { home } = tempHome();
    writeFastSettings(home);
    writeProfile(home, 'good', 'exit0.mjs');
    const watch = startCli(home, ['dispatch', '--watch', '--json']);
    try {
      await waitFor(() => /Dispatching from/.test(watch.err()), watch.err);
      const task = await runCliJson<Task>(home, ['create', 'Works', '--assignee', 'good']);
      await waitFor(
        () => /"kind":"completed"/.test(watch.out()),
        () => watch.out() + watch.err(),
      );
      watch.child.kill('SIGINT');
      await exited(watch.child);
      const objects = watch
        .out()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const kinds = objects.filter((o) => o.taskId === task.id).map((o) => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['created', 'claimed', 'spawned', 'completed']));
      expect(objects.find((o) => o.kind === 'spawned')).toMatchObject({
        taskId: task.id,
        lane: 'good',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(objects.at(-1)).toMatchObject({ summary: { byKind: { spawned: 1, completed: 1 } } });
    } finally {
      watch.child.kill('SIGKILL');
    }
  });
});

describe('5. a paused lane and claim --next', () => {
  it('refuses claim --next with the reason; an explicit claim ID still takes one', async () => {
    const { home, lanesFile } = tempHome();
    fs.writeFileSync(
      lanesFile,
      JSON.stringify({ lanes: { 'orion-cc': { kind: 'terminal', paused: true } } }),
    );
    const task = await runCliJson<Task>(home, ['create', 'Fix login', '--assignee', 'orion-cc']);
    const next = await runCli(home, ['claim', '--next', '--lane', 'orion-cc']);
    expectOneLineUserError(next, /lane "orion-cc" is paused.*claim a task by its id/);
    expect((await runCliJson<Task[]>(home, ['list']))[0]?.status).toBe('ready');
    const byId = await runCliJson<Task>(home, ['claim', task.id]);
    expect(byId.status).toBe('running');
  });
});

describe('7. lanes.json and settings.json problems', () => {
  it('show in lanes, lanes --json and dispatch --dry-run', async () => {
    const { home, lanesFile, settingsFile } = tempHome();
    fs.writeFileSync(lanesFile, '{"lanes": {"orion-cc": {"kind": "terminal", "paused": "yes"}}}');
    fs.writeFileSync(settingsFile, '{"dispatcher": {"tickMs": "fast"}}');
    await runCliJson<Task>(home, ['create', 'Fix login', '--assignee', 'orion-cc']);

    const lanes = await runCli(home, ['lanes']);
    expect(lanes.code, lanes.stderr).toBe(0);
    expect(lanes.stdout).toMatch(/^Problem: lanes\.json: .*paused/m);
    expect(lanes.stdout).toMatch(/^Problem: settings\.json: .*tickMs/m);

    const json = await runCliJson<{ lanes: { name: string }[]; problems: string[] }>(home, ['lanes']);
    expect(json.lanes.map((lane) => lane.name)).toEqual(['orion-cc']);
    expect(json.problems).toEqual([
      expect.stringMatching(/^lanes\.json/),
      expect.stringMatching(/^settings\.json/),
    ]);

    const dry = await runCli(home, ['dispatch', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/^warning: lanes\.json: /m);
    expect(dry.stderr).toMatch(/^warning: settings\.json: /m);
    const dryJson = await runCliJson<{ problems: string[] }>(home, ['dispatch', '--dry-run']);
    expect(dryJson.problems).toHaveLength(2);
  });
});

describe('9. a lane typo', () => {
  it('create and assign warn on stderr for a lane nobody uses, naming the close one', async () => {
    const { home } = tempHome();
    writeProfile(home, 'coder', 'exit0.mjs');
    const first = await runCli(home, ['create', 'Fix login', '--assignee', 'orion-cc']);
    expect(first.stderr).toMatch(/^warning: "orion-cc" is a new terminal lane/);
    const again = await runCli(home, ['create', 'Fix logout', '--assignee', 'orion-cc']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(''); // now in use
    const typo = await runCli(home, ['create', 'Review', '--assignee', 'orion-c', '--json']);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toMatch(/^warning: "orion-c" is a new terminal lane.*did you mean "orion-cc"\?$/m);
    expect(JSON.parse(typo.stdout)).toMatchObject({ assignee: 'orion-c' });
    const toProfile = await runCli(home, ['create', 'Code', '--assignee', 'coder']);
    expect(toProfile.stderr).toBe('');
    const task = (JSON.parse(typo.stdout) as Task).id;
    const assign = await runCli(home, ['assign', task, 'codr']);
    expect(assign.stderr).toMatch(/did you mean "coder"\?/);
  });
});

describe('10. lanes --board of no board', () => {
  it('is `no board "nope"`, exit 1', async () => {
    const { home } = tempHome();
    await runCliJson<Task>(home, ['create', 'Fix login', '--assignee', 'orion-cc']);
    expectOneLineUserError(await runCli(home, ['lanes', '--board', 'nope']), /^switchyard: no board "nope"/);
    expectOneLineUserError(await runCli(home, ['lanes', '--board', 'nope', '--json']), /no board "nope"/);
  });
});

describe('12. smaller things', () => {
  it('--version prints the package version', async () => {
    const { home } = tempHome();
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await runCli(home, ['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`switchyard ${version}\n`);
  });

  it('every command’s --help explains every flag it takes', async () => {
    const { home } = tempHome();
    for (const command of await allCommands()) {
      const help = await runCli(home, [command.name, '--help']);
      expect(help.code, command.name).toBe(0);
      for (const [name, spec] of Object.entries(command.options)) {
        const line = help.stdout
          .split('\n')
          .find((text) => text.includes(`--${name}`) && /^ {2}-/.test(text));
        expect(line, `${command.name} --help has no line for --${name}`).toBeDefined();
        // The flag's line says something after the flag itself.
        expect(
          (line as string).replace(/^\s*(-\w, )?--\S+( [A-Z][A-Z_:|.-]*)?/, '').trim().length,
        ).toBeGreaterThan(10);
        if (spec.short) expect(line).toContain(`-${spec.short}, --${name}`);
      }
    }
  }, 60_000);

  it("a flag's value in --help is the usage line's whole placeholder, its choices too", async () => {
    const { home } = tempHome();
    const help = (await runCli(home, ['lanes', '--help'])).stdout;
    expect(help).toMatch(/^ {2}--budget USD\|none {2,}with `lanes set NAME`/m);
    expect(help).toMatch(/^ {2}--approval on\|off {2,}with `lanes set NAME`/m);
    const boards = (await runCli(home, ['boards', '--help'])).stdout;
    expect(boards).toMatch(/^ {2}--after-merge keep\|remove {2,}create\/edit/m);
  });

  it('a port in use is a runtime error: exit 1, one line', async () => {
    const { home } = tempHome();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      expectOneLineUserError(
        await runCli(home, ['serve', '--port', String(port), '--no-dispatch']),
        new RegExp(`port ${port} is already in use`),
      );
    } finally {
      blocker.close();
    }
  });

  it('serve --no-dispatch says nothing about workers when it stops', async () => {
    const { home } = tempHome();
    const serve = startCli(home, ['serve', '--no-dispatch']);
    try {
      await waitFor(
        () => /Switchyard board: http/.test(serve.out()),
        () => serve.out() + serve.err(),
      );
      serve.child.kill('SIGINT');
      expect(await exited(serve.child)).toBe(0);
      expect(serve.err()).toMatch(/stopping/);
      expect(serve.err()).not.toMatch(/worker/);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('tail --run N takes the task’s own run number; tail -f waits for a log not there yet', async () => {
    const { home } = tempHome();
    writeFastSettings(home);
    // Another task's runs first, so run ids and the task's own numbers differ.
    writeProfile(home, 'other', 'exit0.mjs');
    await runCliJson<Task>(home, ['create', 'Other', '--assignee', 'other']);
    expect((await runCli(home, ['dispatch'])).code).toBe(0);

    const task = await runCliJson<Task>(home, ['create', 'Echo', '--assignee', 'echo']);
    const follow = startCli(home, ['tail', task.id, '-f']);
    try {
      await waitFor(
        () => /waiting for it to start/.test(follow.err()),
        () => follow.err(),
      );
      expect(follow.child.exitCode).toBeNull();
      writeProfile(home, 'echo', 'sleep.mjs', ['0.1']);
      expect((await runCli(home, ['dispatch'])).code).toBe(0);
      await waitFor(
        () => /run 1 ended: completed/.test(follow.err()),
        () => follow.out() + follow.err(),
      );
      expect(follow.out()).toContain('working for 0.1s');
    } finally {
      follow.child.kill('SIGKILL');
    }
    writeProfile(home, 'echo', 'sleep.mjs', ['0.2']);
    expect((await runCli(home, ['move', task.id, 'ready'])).code).toBe(0);
    expect((await runCli(home, ['dispatch'])).code).toBe(0);

    const first = await runCli(home, ['tail', task.id, '--run', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('working for 0.1s');
    expect(first.stdout).not.toContain('working for 0.2s');
    expect((await runCli(home, ['tail', task.id, '--run', '2'])).stdout).toContain('working for 0.2s');
    expect((await runCli(home, ['tail', task.id])).stdout).toContain('working for 0.2s');
    expectOneLineUserError(
      await runCli(home, ['tail', task.id, '--run', '3']),
      /no worker log for its run 3/,
    );
  }, 60_000);

  it('show prints times for people (ISO and relative), not epoch milliseconds; --json keeps them', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, ['create', 'Fix login', '--assignee', 'orion-cc']);
    await runCli(home, ['claim', task.id]);
    const shown = await runCli(home, ['show', task.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(/\d{12,}/);
    expect(shown.stdout).toMatch(
      /^created \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \((just now|\d+ s ago)\) by tester$/m,
    );
    expect(shown.stdout).toMatch(/claim expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in 15 min\)/);
    expect(shown.stdout).toMatch(/^ {2}\S+ \S+ {2}claimed by tester, claim expires \d{4}-/m);
    expect(shown.stdout).toMatch(/^ {2}1\. orion-cc {2}started .* {2}running$/m);
    const json = await runCliJson<{ task: Task; events: { payload: { expiresAt?: number } }[] }>(home, [
      'show',
      task.id,
    ]);
    expect(typeof json.task.createdAt).toBe('number');
  });

  it('move to a status that does not exist and create "" get the friendly wording', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, ['create', 'Fix login']);
    expectOneLineUserError(
      await runCli(home, ['move', task.id, 'sideways']),
      /^switchyard: unknown status "sideways" \(one of triage, todo, ready, blocked, done, archived\)$/,
    );
    expectOneLineUserError(
      await runCli(home, ['create', '']),
      /^switchyard: the title is empty; give the task one/,
    );
    expectOneLineUserError(await runCli(home, ['create', '   ']), /the title is empty/);
  });
});
