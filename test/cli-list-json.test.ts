import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_DATABASE_MAP_BYTES, registerCommands, runCli as runCliInProcess } from '../electron/cli/main';
import type { Output } from '../electron/cli/output';
import { openDatabase } from '../electron/core/store/db/open';
import { runCli } from './helpers/cli';
import { useTempHomes } from './helpers/home';

// Performance issue 17, target 4b: `switchyard list --json` of a large board. What it writes must stay
// what it was (a JSON array, the same text as JSON.stringify(tasks, null, 2)) and a database that fails
// half-way must never leave an array on stdout that looks complete.

const tempHome = useTempHomes();

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
  it('reads the database through a memory map', async () => {
    const home = tempHome();
    let mapped: unknown;
    registerCommands([
      {
        name: 'probe-map',
        summary: 'test only',
        usage: 'probe-map',
        options: {},
        flags: {},
        maxPositionals: 0,
        workers: 'read',
        run: (context) => {
          mapped = context.db().pragma('mmap_size', { simple: true });
        },
      },
    ]);
    const output: Output = { out: () => undefined, err: () => undefined, write: () => undefined };
    expect(await runCliInProcess(['probe-map'], { SWITCHYARD_HOME: home.home }, output)).toBe(0);
    expect(mapped).toBe(CLI_DATABASE_MAP_BYTES);
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
    expect(result.stdout.startsWith('[\n  {\n    "id": "t_00000000"')).toBe(true);
    // … and it does not end as a whole array would.
    expect(result.stdout.trimEnd().endsWith(']')).toBe(false);
    expect(() => JSON.parse(result.stdout) as unknown).toThrow();
  });

  it('writes all tasks, in order, as JSON.stringify(tasks, null, 2) would', async () => {
    const home = homeWithTasks(400);
    const result = await runCli(home.home, ['list', '--json', '--status', 'ready']);
    expect(result.code).toBe(0);
    const tasks = JSON.parse(result.stdout) as { id: string; approvalRequired: boolean }[];
    expect(tasks.map((task) => task.id)).toEqual(
      Array.from({ length: 400 }, (_, i) => `t_${i.toString(16).padStart(8, '0')}`),
    );
    expect(tasks[0]?.approvalRequired).toBe(false);
    expect(result.stdout).toBe(`${JSON.stringify(tasks, null, 2)}\n`);
  });
});
