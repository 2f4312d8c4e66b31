import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/domain';
import { createApi } from '../../electron/core/api/api';
import { createTask } from '../../electron/core/commands/taskCommands';
import { openDatabase } from '../../electron/core/store/db/open';
import { Engine } from '../../electron/core/dispatch/engine';
import { homePaths } from '../../electron/core/config/home';
import { runCli, runCliJson, type CliResult } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { damageDataPages, holdWriteLock, mountTmpfs, sha256, type Tmpfs } from './helpers/faults';

/**
 * docs/architecture.md §1, §6: database faults give one clear line and exit 1, never a crash loop or lost data, and
 * everything works again once the fault is gone.
 */

const tempHome = useTempHomes();
const mounts: Tmpfs[] = [];
const cleanupsBeforeUnmount: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanupsBeforeUnmount.splice(0)) await cleanup();
  for (const mount of mounts.splice(0)) mount.unmount();
});

function expectOneLineUserError(result: CliResult, pattern: RegExp): void {
  const context = JSON.stringify(result);
  expect(result.code, context).toBe(1);
  expect(result.stderr.trim().split('\n'), context).toHaveLength(1);
  expect(result.stderr, context).toMatch(pattern);
  expect(result.stderr, context).not.toMatch(/unexpected error|SQLITE_|\bat .*\.m?js:\d+/);
}

/** Seeds through the core in this process (fast); the faults are then met by real CLI processes. */
async function seedTasks(home: string, count: number, body = ''): Promise<string[]> {
  const db = openDatabase(homePaths(home).database);
  try {
    return Array.from(
      { length: count },
      (_, i) => createTask(db, { title: `seed ${i}`, body }, { name: 'test' }).id,
    );
  } finally {
    db.close();
  }
}

const tmpfsProbe = mountTmpfs(1024);
const tmpfsSkip = typeof tmpfsProbe === 'string' ? tmpfsProbe : null;
if (typeof tmpfsProbe !== 'string') tmpfsProbe.unmount();

describe('database faults', () => {
  it.skipIf(tmpfsSkip !== null)(
    `a read-only home: one clear line, nothing lost, works again when writable${tmpfsSkip ? ` (skipped: ${tmpfsSkip})` : ''}`,
    async () => {
      const mount = mountTmpfs(4096) as Tmpfs;
      mounts.push(mount);
      const home = path.join(mount.dir, 'home');
      const ids = await seedTasks(home, 3);
      mount.readOnly(true);
      for (const args of [['list'], ['create', 'while read-only'], ['dispatch'], ['lanes']]) {
        expectOneLineUserError(await runCli(home, args), /cannot write to .*writable home/);
      }
      mount.readOnly(false);
      await runCliJson(home, ['create', 'after the fault']);
      const listed = await runCliJson<Task[]>(home, ['list']);
      expect(listed.map((task) => task.title).sort()).toEqual([
        'after the fault',
        'seed 0',
        'seed 1',
        'seed 2',
      ]);
      expect(ids.every((id) => listed.some((task) => task.id === id))).toBe(true);
    },
  );

  it.skipIf(tmpfsSkip !== null)(
    `a full disk: writes refused with one clear line, earlier data intact, works after space is freed${tmpfsSkip ? ` (skipped: ${tmpfsSkip})` : ''}`,
    async () => {
      const mount = mountTmpfs(4096) as Tmpfs;
      mounts.push(mount);
      const home = path.join(mount.dir, 'home');
      await seedTasks(home, 1);
      // The desktop app / web mode: an engine and its API opened before the disk fills up.
      const engine = new Engine({ home, dispatch: false, log: () => undefined });
      const api = createApi(engine, { logError: () => undefined });
      cleanupsBeforeUnmount.push(async () => {
        api.close();
        await engine.close({ stopWorkers: true });
      });
      // Fill all but ~150 KiB, then write 60 KiB bodies until the disk is full.
      const free = fs.statfsSync(mount.dir);
      const filler = path.join(mount.dir, 'filler');
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - 150 * 1024)));
      const body = 'x'.repeat(60 * 1024);
      let created = 1;
      let refused: CliResult | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        const result = await runCli(home, ['create', `big ${i}`, '--body', body]);
        if (result.code === 0) created++;
        else refused = result;
      }
      expect(refused, 'the disk never filled up').toBeDefined();
      expectOneLineUserError(refused!, /disk holding .* is full/);
      expectOneLineUserError(await runCli(home, ['create', 'one more', '--body', body]), /is full/);
      const viaApi = await api.call('createTask', { board: 'default', title: 'via the api', body });
      expect(viaApi).toMatchObject({ ok: false, error: { code: 'database_unavailable' } });
      expect(!viaApi.ok && viaApi.error.message).toMatch(/disk holding .* is full/);
      fs.rmSync(filler);
      expect((await api.call('createTask', { board: 'default', title: 'via the api, later' })).ok).toBe(true);
      created++;
      await runCliJson(home, ['create', 'after the fault']);
      const db = new Database(homePaths(home).database, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.prepare('SELECT count(*) AS n FROM tasks').get()).toEqual({ n: created + 1 });
      } finally {
        db.close();
      }
    },
  );

  it('a file that is not a database: refused with one line, left byte-identical, no dispatcher crash loop', async () => {
    const paths = tempHome();
    fs.mkdirSync(paths.home, { recursive: true });
    fs.writeFileSync(
      paths.database,
      Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 31 + 7) & 255)),
    );
    const before = sha256(paths.database);
    for (const args of [['list'], ['create', 'x'], ['dispatch', '--watch']]) {
      expectOneLineUserError(
        await runCli(paths.home, args, { timeoutMs: 15_000 }),
        /is damaged or is not a Switchyard database/,
      );
    }
    expect(sha256(paths.database)).toBe(before);
    expect(fs.readdirSync(paths.home).filter((name) => name.startsWith('switchyard.db'))).toEqual([
      'switchyard.db',
    ]);
    // Moving the bad file away is the way out: a new board starts.
    fs.renameSync(paths.database, `${paths.database}.damaged`);
    await runCliJson(paths.home, ['create', 'fresh start']);
    expect(sha256(`${paths.database}.damaged`)).toBe(before);
  });

  it('a database with damaged pages: one clear line for reads, writes and the dispatcher', async () => {
    const paths = tempHome();
    await seedTasks(paths.home, 40, 'y'.repeat(3000));
    damageDataPages(paths.database);
    for (const args of [['list'], ['create', 'x'], ['dispatch', '--watch']]) {
      expectOneLineUserError(await runCli(paths.home, args, { timeoutMs: 15_000 }), /is damaged/);
    }
  });

  it('a database from a newer Switchyard: refused untouched by every command, opens again once the version fits', async () => {
    const paths = tempHome();
    const ids = await seedTasks(paths.home, 2);
    const db = new Database(paths.database);
    const current = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${current + 5}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = sha256(paths.database);
    for (const args of [['list'], ['create', 'x'], ['dispatch', '--watch'], ['show', ids[0] as string]]) {
      expectOneLineUserError(
        await runCli(paths.home, args, { timeoutMs: 15_000 }),
        new RegExp(`newer Switchyard \\(schema ${current + 5}, this program knows ${current}\\)`),
      );
    }
    expect(sha256(paths.database)).toBe(before);
    const back = new Database(paths.database);
    back.pragma(`user_version = ${current}`);
    back.close();
    expect((await runCliJson<Task[]>(paths.home, ['list'])).map((task) => task.id).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('a write lock held by another process longer than busy_timeout (7 s): the CLI waits it out, nothing lost', async () => {
    const paths = tempHome();
    await seedTasks(paths.home, 1);
    const holder = holdWriteLock(paths.database);
    await holder.locked;
    const waiting = runCli(paths.home, ['create', 'waits for the lock', '--json'], { timeoutMs: 40_000 });
    // Reads are not blocked by a writer in WAL mode.
    expect((await runCliJson<Task[]>(paths.home, ['list'])).length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    await holder.release();
    const result = await waiting;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await runCliJson<Task[]>(paths.home, ['list'])).length).toBe(2);
  }, 45_000);
});
