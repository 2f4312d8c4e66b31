import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { SCHEMA_VERSION } from '../electron/core/store/db/migrations';
import { CLI_ENTRY, runCli, runCliJson, type CliResult } from './helpers/cli';
import { makeTempHome, removeTempHome, useTempHomes } from './helpers/home';
import { snapshotDatabase } from './helpers/snapshot';
import { workerEnvOf } from './helpers/worker';

const tempHome = useTempHomes();

/** docs/architecture.md §6: a user error is exit 1 with exactly one line on stderr and nothing on stdout. */
function expectOneLineUserError(result: CliResult, message?: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^switchyard: \S/);
  expect(result.stderr).not.toMatch(/SQLITE_|at .*\.(m?js|ts):\d+/);
  if (message) expect(lines[0]).toMatch(message);
}

describe('switchyard create / list / complete', () => {
  it('creates a ready task for a lane that list --json shows', async () => {
    const { home } = tempHome();
    const created = await runCli(home, ['create', 'Fix login', '--assignee', 'orion-cc']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created t_[0-9a-f]{8} \(ready, orion-cc\): Fix login\n$/);

    const tasks = await runCliJson<Task[]>(home, ['list']);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Fix login',
      status: 'ready',
      assignee: 'orion-cc',
      board: 'default',
    });
  });

  it('stores the assignee lowercase and filters by it in any case', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, ['create', 'Review', '--assignee', 'Orion-CC']);
    expect(task.assignee).toBe('orion-cc');
    const listed = await runCliJson<Task[]>(home, ['list', '--assignee', 'ORION-cc']);
    expect(listed.map((t) => t.id)).toEqual([task.id]);
  });

  it('a child of an unfinished parent is todo, and ready after `complete <parent>`', async () => {
    const { home } = tempHome();
    const parent = await runCliJson<Task>(home, ['create', 'Design schema']);
    const child = await runCliJson<Task>(home, ['create', 'Write migration', '--parent', parent.id]);
    expect(child.status).toBe('todo');

    const completed = await runCli(home, ['complete', parent.id, '--summary', 'schema in docs/schema.md']);
    expect(completed.code, completed.stderr).toBe(0);

    const tasks = await runCliJson<Task[]>(home, ['list']);
    const byId = new Map(tasks.map((task) => [task.id, task]));
    expect(byId.get(parent.id)).toMatchObject({ status: 'done', result: 'schema in docs/schema.md' });
    expect(byId.get(child.id)?.status).toBe('ready');
    const shown = await runCliJson<{ parents: { id: string; result: string }[] }>(home, ['show', child.id]);
    expect(shown.parents).toEqual([
      expect.objectContaining({ id: parent.id, result: 'schema in docs/schema.md' }),
    ]);
  });

  it('reads the body from a file and from stdin', async () => {
    const { home } = tempHome();
    const file = path.join(home, 'body.md');
    fs.writeFileSync(file, '# Steps\n\n1. one\n');
    const fromFile = await runCliJson<Task>(home, ['create', 'With file', '--body-file', file]);
    expect(fromFile.body).toBe('# Steps\n\n1. one\n');
    const fromStdin = await runCli(home, ['create', 'With stdin', '--body-file', '-', '--json'], {
      stdin: 'piped body',
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect((JSON.parse(fromStdin.stdout) as Task).body).toBe('piped body');
  });

  it('claims, heartbeats and refuses a second claim (terminal lanes)', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, ['create', 'Terminal work', '--assignee', 'term']);
    const claimed = await runCliJson<Task>(home, ['claim', '--next', '--lane', 'TERM']);
    expect(claimed).toMatchObject({ id: task.id, status: 'running', claimOwner: 'tester' });
    const beat = await runCli(home, ['heartbeat', task.id, '--note', 'still going']);
    expect(beat.code, beat.stderr).toBe(0);
    expectOneLineUserError(await runCli(home, ['claim', task.id]), /only ready tasks can be claimed/);
    expectOneLineUserError(await runCli(home, ['claim', '--next', '--lane', 'term']), /no ready task/);
  });

  it('a worker completes its own task but not another, and only with its run secret', async () => {
    const { home, database } = tempHome();
    const own = await runCliJson<Task>(home, ['create', 'own', '--assignee', 'bot']);
    const other = await runCliJson<Task>(home, ['create', 'other', '--assignee', 'bot']);
    for (const id of [own.id, other.id]) expect((await runCli(home, ['claim', id])).code).toBe(0);
    const env = workerEnvOf(database, own.id);
    const before = snapshotDatabase(database);
    expectOneLineUserError(
      await runCli(home, ['complete', other.id], { env }),
      new RegExp(`a worker of ${own.id} may change only its own task, not ${other.id}`),
    );
    expectOneLineUserError(
      await runCli(home, ['complete'], { env: { SWITCHYARD_TASK: own.id } }),
      /no SWITCHYARD_RUN_SECRET: refusing/,
    );
    expect(snapshotDatabase(database)).toEqual(before);
    const done = await runCli(home, ['complete', '--summary', 'finished'], { env });
    expect(done.code, done.stderr).toBe(0);
    const shown = await runCliJson<{ task: Task }>(home, ['show', own.id]);
    expect(shown.task).toMatchObject({ status: 'done', result: 'finished' });
  });

  it('prints parseable --json for every reading and writing command', async () => {
    const { home } = tempHome();
    const a = await runCliJson<Task>(home, ['create', 'A']);
    const b = await runCliJson<Task>(home, ['create', 'B']);
    expect((await runCliJson<Task>(home, ['link', a.id, b.id])).status).toBe('todo');
    expect((await runCliJson<Task>(home, ['edit', b.id, '--priority', '4'])).priority).toBe(4);
    expect((await runCliJson<Task>(home, ['assign', b.id, 'Lane-1'])).assignee).toBe('lane-1');
    expect(await runCliJson(home, ['comment', b.id, 'hello'])).toMatchObject({ taskId: b.id });
    expect((await runCliJson<Task>(home, ['move', a.id, 'done'])).status).toBe('done');
    expect((await runCliJson<Task>(home, ['block', b.id, '--reason', 'waiting'])).status).toBe('blocked');
    expect((await runCliJson<Task>(home, ['unblock', b.id])).status).toBe('ready');
    expect((await runCliJson<Task>(home, ['unlink', a.id, b.id])).status).toBe('ready');
    expect((await runCliJson<Task>(home, ['archive', a.id])).status).toBe('archived');
    expect(await runCliJson(home, ['boards', 'create', 'ops'])).toMatchObject({ slug: 'ops' });
    const boards = await runCliJson<{ slug: string }[]>(home, ['boards']);
    expect(boards.map((board) => board.slug)).toEqual(['default', 'ops']);
    const shown = await runCliJson<{ task: Task; comments: unknown[]; events: { id: number }[] }>(home, [
      'show',
      b.id,
    ]);
    expect(shown.comments).toHaveLength(1);
    expect(shown.events.map((event) => event.id)).toEqual(
      [...shown.events.map((e) => e.id)].sort((x, y) => x - y),
    );
    expect(await runCliJson<Task[]>(home, ['list', '--status', 'archived'])).toEqual([
      expect.objectContaining({ id: a.id }),
    ]);
  });
});

describe('usage and exit codes', () => {
  it('no arguments prints the usage and exits 2', async () => {
    const result = await runCli(tempHome().home, []);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/Usage: switchyard COMMAND/);
  });

  it('--help exits 0, and so does COMMAND --help, without creating a database', async () => {
    const home = tempHome();
    expect((await runCli(home.home, ['--help'])).code).toBe(0);
    const commandHelp = await runCli(home.home, ['create', '--help']);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toMatch(/^Usage: switchyard create TITLE/);
    expect(fs.existsSync(home.database)).toBe(false);
  });

  it('takes a negative number as the value of the option before it', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, ['create', 'later', '--priority', '-5']);
    expect(task.priority).toBe(-5);
    const unknown = await runCli(home, ['complete', task.id, '--result', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('switchyard complete: unknown option --result');
  });

  it.each([
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown flag', ['list', '--frobnicate'], /--frobnicate/],
    ['a missing title', ['create'], /missing title/],
    ['an extra argument', ['show', 't_00000000', 'extra'], /unexpected argument "extra"/],
    ['a non-numeric priority', ['create', 'x', '--priority', 'high'], /whole number/],
    ['a flag without its value', ['create', 'x', '--assignee'], /assignee/],
  ])('%s exits 2', async (_what, args, message) => {
    const home = tempHome();
    const result = await runCli(home.home, args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(fs.existsSync(home.database)).toBe(false);
  });
});

describe.concurrent('bad input: one-line error, exit 1, database unchanged', () => {
  let home: ReturnType<typeof makeTempHome>;
  let parent: Task;
  let child: Task;
  let bigFile: string;
  let nulFile: string;
  const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 'a');

  beforeAll(async () => {
    home = makeTempHome();
    parent = await runCliJson<Task>(home.home, ['create', 'Parent', '--assignee', 'orion-cc']);
    child = await runCliJson<Task>(home.home, ['create', 'Child', '--parent', parent.id]);
    await runCliJson(home.home, ['comment', child.id, 'a comment']);
    bigFile = path.join(home.home, 'big.md');
    fs.writeFileSync(bigFile, tenMegabytes);
    nulFile = path.join(home.home, 'nul.md');
    fs.writeFileSync(nulFile, 'before\u0000after');
  });
  afterAll(() => removeTempHome(home));

  const cases: [string, () => string[], RegExp, (string | Buffer)?][] = [
    ['an empty title', () => ['create', ''], /the title is empty/],
    ['a whitespace title', () => ['create', '   \t '], /the title is empty/],
    ['a 501-character title', () => ['create', 'x'.repeat(501)], /longer than 500 characters/],
    ['a 10 MB body file', () => ['create', 'Big', '--body-file', bigFile], /larger than 64 KiB/],
    ['a 10 MB body on stdin', () => ['create', 'Big', '--body-file', '-'], /larger than/, tenMegabytes],
    ['a NUL in the body', () => ['create', 'Nul', '--body-file', nulFile], /NUL/],
    ['an assignee "../x"', () => ['create', 'Sneaky', '--assignee', '../x'], /assignee/],
    [
      'a missing body file',
      () => ['create', 'x', '--body-file', '/nonexistent/body.md'],
      /no such file: \/nonexistent\/body.md$/m,
    ],
    [
      'a zero max runtime',
      () => ['create', 'x', '--max-runtime', '0'],
      /^switchyard: max runtime must be at least 1 second$/m,
    ],
    ['a folder as the body file', () => ['create', 'x', '--body-file', home.home], /is not a file$/m],
    ['an unknown well-formed task id', () => ['show', 't_00000000'], /no task t_00000000/],
    ['an unknown malformed task id', () => ['complete', 'not-a-task'], /task id/],
    ['a malformed parent id', () => ['create', 'x', '--parent', '../t'], /task id|t_1a2b3c4d/],
    ['a cycle via link', () => ['link', child.id, parent.id], /cycle/],
    ['a self link', () => ['link', parent.id, parent.id], /itself/],
    [
      'an unknown status in move',
      () => ['move', parent.id, 'finished'],
      /unknown status "finished" \(one of triage, todo, ready, blocked, done, archived\)/,
    ],
    ['moving into running', () => ['move', parent.id, 'running'], /claim/],
    [
      'moving to ready with an unfinished parent',
      () => ['move', child.id, 'ready'],
      /already ready|unfinished/,
    ],
    ['an unknown status in list', () => ['list', '--status', 'finished'], /unknown status "finished"/],
    ['a status with a line break', () => ['list', '--status', 'a\nb'], /unknown status/],
    ['an unknown board', () => ['create', 'x', '--board', 'nowhere'], /no board "nowhere"/],
    [
      'an empty board name',
      () => ['boards', 'create', 'named', '--name', ' '],
      /board name: the name is empty; leave it out to use the slug$/m,
    ],
    ['archiving the default board', () => ['boards', 'archive', 'default'], /cannot be archived/],
    ['an empty comment', () => ['comment', parent.id, '   '], /comment is empty/],
    ['a block without reason text', () => ['block', parent.id, '--reason', ' '], /reason/],
    // 1e20 is whole, but past 2^53: zod's whole-number rule refused it before the range did.
    [
      'a priority past 2^53 in edit',
      () => ['edit', parent.id, '--priority', '99999999999999999999'],
      /^switchyard: priority must be from -1000000 to 1000000$/,
    ],
    [
      'a priority past 2^53 in create',
      () => ['create', 'x', '--priority', '-99999999999999999999'],
      /^switchyard: priority must be from -1000000 to 1000000$/,
    ],
    [
      'a priority just out of range',
      () => ['create', 'x', '--priority', '1000001'],
      /^switchyard: priority must be from -1000000 to 1000000$/,
    ],
  ];

  it.each(cases)('refuses %s', async (_what, args, message, stdin) => {
    const before = snapshotDatabase(home.database);
    const result = await runCli(home.home, args(), { stdin });
    expectOneLineUserError(result, message);
    expect(snapshotDatabase(home.database)).toEqual(before);
  });
});

describe('a database from a newer Switchyard', () => {
  it('is refused with one line, exit 1, and left byte-identical', async () => {
    const { home, database } = tempHome();
    const raw = new Database(database);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    const bytes = fs.readFileSync(database);
    const result = await runCli(home, ['list']);
    expectOneLineUserError(result, /newer Switchyard/);
    expect(fs.readFileSync(database).equals(bytes)).toBe(true);
  });
});

describe('switchyard output into a closed pipe', () => {
  it('exits quietly when the reader goes away (switchyard … | head -1)', async () => {
    const { home } = tempHome();
    expect((await runCli(home, ['create', 'the first task'])).code).toBe(0);
    const db = new Database(path.join(home, 'switchyard.db'));
    const insert = db.prepare(
      `INSERT INTO tasks (id, board, title, status, created_by, created_at, updated_at)
       VALUES (printf('t_%08x', ?), 'default', ?, 'ready', 'test', 0, 0)`,
    );
    db.transaction(() => {
      for (let n = 0; n < 3000; n++)
        insert.run(0x10000 + n, `task ${n} with a title long enough to fill lines`);
    })();
    db.close();

    for (const command of ['list', 'profiles create coder --from shell']) {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${CLI_ENTRY}" ${command} | head -1`], {
        env: { ...process.env, SWITCHYARD_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise((resolve) => child.on('close', resolve));
      expect(stdout.split('\n').filter(Boolean), command).toHaveLength(1);
      expect(stderr, command).toBe('');
    }
    expect(fs.existsSync(path.join(home, 'profiles', 'coder', 'profile.json'))).toBe(true);
  });
});
