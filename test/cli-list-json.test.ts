import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_DATABASE_MAP_BYTES, registerCommands, runCli as runCliInProcess } from '../electron/cli/main';
import type { CliContext } from '../electron/cli/context';
import type { Output } from '../electron/cli/output';
import { openDatabase } from '../electron/core/store/db/open';
import { CLI_ENTRY, hasScript, runCli, runCliOnTerminal } from './helpers/cli';
import { useTempHomes } from './helpers/home';

// Performance issue 17, target 4b: `switchyard list --json` of a large board. What it writes must stay
// a JSON array with the same text as JSON.stringify writes — indented, JSON.stringify(tasks, null, 2),
// on a terminal; one task compact on each line for a program — and a database that fails half-way
// must never leave an array on stdout that looks complete.

const tempHome = useTempHomes();

const hasStrace = (): boolean => spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

/** A home with `count` ready tasks of ~2 KB each, written straight into the database. */
function homeWithTasks(count: number): ReturnType<typeof tempHome> {
  const home = tempHome();
  const db = openDatabase(home.database);
  const insert = db.prepare(
    `INSERT INTO tasks (id, board, title, body, status, priority, created_at, updated_at)
     VALUES (?, 'default', ?, ?, 'ready', 0, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `t_${i.toString(16).padStart(8, '0')}`;
      insert.run(id, `task ${i}`, `body of ${id} ${'x'.repeat(2000)}`, i, i);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return home;
}

describe('switchyard list --json', () => {
  it('reads the database through a memory map, as the commands that read many rows do', async () => {
    const home = tempHome();
    const mapped = new Map<string, unknown>();
    const probe = (name: string, readsManyRows: boolean) => ({
      name,
      summary: 'test only',
      usage: name,
      options: {},
      flags: {},
      maxPositionals: 0,
      workers: 'read' as const,
      readsManyRows,
      run: (context: CliContext) => {
        mapped.set(name, context.db().pragma('mmap_size', { simple: true }));
      },
    });
    registerCommands([probe('probe-map', true), probe('probe-no-map', false)]);
    const output: Output = {
      out: () => undefined,
      err: () => undefined,
      write: () => undefined,
      jsonLayout: () => 'lines',
    };
    for (const name of ['probe-map', 'probe-no-map'])
      expect(await runCliInProcess([name], { SWITCHYARD_HOME: home.home }, output)).toBe(0);
    expect(mapped.get('probe-map')).toBe(CLI_DATABASE_MAP_BYTES);
    expect(mapped.get('probe-no-map')).toBe(0);
  });

  it.skipIf(!hasStrace())('maps the database for list, not for create (a few pages: target 4c)', async () => {
    const home = tempHome();
    expect((await runCli(home.home, ['create', 'made first'])).code).toBe(0);
    const mapsOfDatabase = (args: string[]): number => {
      const trace = `${home.home}/trace`;
      const traced = spawnSync(
        'strace',
        ['-e', 'trace=openat,mmap', '-o', trace, process.execPath, CLI_ENTRY, ...args],
        {
          env: { ...process.env, SWITCHYARD_HOME: home.home, SWITCHYARD_ACTOR: 'tester' },
          encoding: 'utf8',
        },
      );
      expect(traced.status, traced.stderr).toBe(0);
      const log = fs.readFileSync(trace, 'utf8');
      const fd = new RegExp(`openat\\(AT_FDCWD, "${home.database}", .*\\) = (\\d+)$`, 'm').exec(log)?.[1];
      expect(fd, 'the database was opened').toBeDefined();
      return log.split('\n').filter((line) => new RegExp(`mmap\\(.*MAP_SHARED, ${fd}, `).test(line)).length;
    };
    expect(mapsOfDatabase(['list', '--json'])).toBe(1);
    expect(mapsOfDatabase(['create', 'made second'])).toBe(0);
  });

  it('fails in one line, exit 1, without a complete-looking array, when the database breaks half-way', async () => {
    const home = homeWithTasks(3000);
    // Overwrite a leaf page of the tasks table 60% of the way in: the first tasks read fine, then
    // SQLite finds the damage while the array is being written.
    const db = openDatabase(home.database);
    const leaves = db
      .prepare("SELECT pageno FROM dbstat WHERE name = 'tasks' AND pagetype = 'leaf' ORDER BY pageno")
      .pluck()
      .all() as number[];
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const page = leaves[Math.floor(leaves.length * 0.6)] as number;
    const fd = fs.openSync(home.database, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (page - 1) * pageSize);
    fs.closeSync(fd);

    const result = await runCli(home.home, ['list', '--json', '--status', 'ready']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^switchyard: .*damaged/);
    // Part of the array was written before the damage was met …
    expect(result.stdout.length).toBeGreaterThan(100_000);
    expect(result.stdout.startsWith('[\n{"id":"t_00000000"')).toBe(true);
    // … and it does not end as a whole array would.
    expect(result.stdout.trimEnd().endsWith(']')).toBe(false);
    expect(() => JSON.parse(result.stdout) as unknown).toThrow();
  });

  it('writes all tasks, in order, one compact task a line, to a program reading a pipe', async () => {
    const home = homeWithTasks(400);
    const result = await runCli(home.home, ['list', '--json', '--status', 'ready']);
    expect(result.code).toBe(0);
    const tasks = JSON.parse(result.stdout) as { id: string; approvalRequired: boolean }[];
    expect(tasks.map((task) => task.id)).toEqual(
      Array.from({ length: 400 }, (_, i) => `t_${i.toString(16).padStart(8, '0')}`),
    );
    expect(tasks[0]?.approvalRequired).toBe(false);
    const lines = result.stdout.split('\n');
    // `[`, a line per task, `]` and the final line break: `wc -l` and `grep` count tasks.
    expect(lines).toHaveLength(400 + 3);
    expect(result.stdout).toBe(`[\n${tasks.map((task) => JSON.stringify(task)).join(',\n')}\n]\n`);
  });

  it.skipIf(!hasScript())('writes the tasks as JSON.stringify(tasks, null, 2) would on a terminal', () => {
    const home = homeWithTasks(30);
    const result = runCliOnTerminal(home.home, ['list', '--json', '--status', 'ready']);
    expect(result.code).toBe(0);
    const tasks = JSON.parse(result.stdout) as { id: string }[];
    expect(tasks).toHaveLength(30);
    expect(result.stdout).toBe(`${JSON.stringify(tasks, null, 2)}\n`);
  });

  it.skipIf(!hasScript())(
    "lays out the other commands' --json alike: indented on a terminal, one line otherwise",
    async () => {
      const home = homeWithTasks(2);
      const piped = await runCli(home.home, ['show', 't_00000001', '--json']);
      expect(piped.code).toBe(0);
      const shown = JSON.parse(piped.stdout) as { task: { id: string } };
      expect(shown.task.id).toBe('t_00000001');
      expect(piped.stdout).toBe(`${JSON.stringify(shown)}\n`);
      const onTerminal = runCliOnTerminal(home.home, ['show', 't_00000001', '--json']);
      expect(onTerminal.code).toBe(0);
      expect(onTerminal.stdout).toBe(`${JSON.stringify(shown, null, 2)}\n`);
    },
  );

  it('says how --json is laid out in list --help', async () => {
    const result = await runCli(tempHome().home, ['list', '--help']);
    expect(result.stdout).toMatch(/--json .*indented on a terminal.*one task a line/);
  });
});
