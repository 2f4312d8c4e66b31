import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test/helpers/cli';
import { useOpenDatabases } from '../../../../test/helpers/db';
import { useTempHomes } from '../../../../test/helpers/home';
import { SwitchyardError } from '../../errors';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { openDatabase, runInWriteTransaction } from './open';

const tempHome = useTempHomes();
const open = useOpenDatabases();

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('openDatabase', () => {
  it('reads through a memory map of the size asked for, and none unless asked', () => {
    const home = tempHome();
    const mapped = openDatabase(home.database, { mapBytes: 2 ** 24 });
    expect(mapped.pragma('mmap_size', { simple: true })).toBe(2 ** 24);
    mapped.close();
    const plain = open(home.database);
    expect(plain.pragma('mmap_size', { simple: true })).toBe(0);
  });

  it('creates the home folder and a database migrated to SCHEMA_VERSION', () => {
    const home = tempHome();
    const file = path.join(home.home, 'nested', 'switchyard.db');
    const db = open(file);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    )
      .map((row) => row.name)
      .sort();
    expect(tables).toEqual(
      expect.arrayContaining(['boards', 'comments', 'events', 'runs', 'task_links', 'tasks', 'meta']),
    );
    expect(db.prepare('SELECT slug FROM boards').all()).toEqual([{ slug: 'default' }]);
  });

  it('turns on WAL, foreign keys and a 5 s busy timeout', () => {
    const db = open(tempHome().database);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5_000);
  });

  it('enforces foreign keys', () => {
    const db = open(tempHome().database);
    expect(() =>
      db
        .prepare(
          "INSERT INTO tasks (id, board, title, status, created_at, updated_at) VALUES ('t_00000001', 'nope', 'x', 'ready', 0, 0)",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('reopens an up-to-date database without migrating it again', () => {
    const { database } = tempHome();
    open(database).close();
    const db = open(database);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT count(*) AS n FROM boards').get()).toEqual({ n: 1 });
  });

  it('runs a migration in one transaction: a failing one leaves nothing behind', () => {
    const { database } = tempHome();
    // A stray table makes the first migration fail half-way (after it created `boards`).
    const raw = new Database(database);
    raw.exec('CREATE TABLE tasks (x)');
    raw.close();
    const error = catchError(() => openDatabase(database));
    expect(error).toBeInstanceOf(SwitchyardError);
    expect((error as SwitchyardError).code).toBe('database_unavailable');
    const check = new Database(database, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(0);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'boards'").get()).toBeUndefined();
    check.close();
  });

  describe.each(['delete', 'wal'])('a database newer than this program (journal_mode=%s)', (journalMode) => {
    it('is refused with database_too_new and a clear message, and left byte-identical', () => {
      const { database } = tempHome();
      const raw = new Database(database);
      raw.pragma(`journal_mode = ${journalMode}`);
      raw.exec("CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('from the future')");
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      const before = fs.readFileSync(database);
      const filesBefore = fs.readdirSync(path.dirname(database)).sort();

      const error = catchError(() => openDatabase(database));

      expect(error).toBeInstanceOf(SwitchyardError);
      expect((error as SwitchyardError).code).toBe('database_too_new');
      const message = (error as Error).message;
      expect(message).toContain(database);
      expect(message).toContain(`schema ${SCHEMA_VERSION + 1}`);
      expect(message).toMatch(/newer Switchyard/);
      expect(message).toMatch(/upgrade/);
      expect(message).not.toContain('\n');
      expect(fs.readFileSync(database).equals(before)).toBe(true);
      expect(fs.readdirSync(path.dirname(database)).sort()).toEqual(filesBefore);
      const check = new Database(database, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      expect(check.prepare('SELECT x FROM future').all()).toEqual([{ x: 'from the future' }]);
      check.close();
    });
  });

  it('reports an unreadable path as database_unavailable', () => {
    const home = tempHome();
    fs.mkdirSync(home.database); // a folder where the file should be
    const error = catchError(() => openDatabase(home.database));
    expect((error as SwitchyardError).code).toBe('database_unavailable');
  });
});

describe('runInWriteTransaction', () => {
  it('commits the work and returns its value', () => {
    const db = open(tempHome().database);
    const value = runInWriteTransaction(db, () => {
      db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
      return 42;
    });
    expect(value).toBe(42);
    expect(db.prepare('SELECT value FROM meta').all()).toEqual([{ value: 'v' }]);
  });

  it('rolls everything back when the work throws, and rethrows the same error', () => {
    const db = open(tempHome().database);
    const failure = new Error('half-way');
    const error = catchError(() =>
      runInWriteTransaction(db, () => {
        db.prepare("INSERT INTO meta (key, value) VALUES ('a', '1')").run();
        db.prepare("UPDATE boards SET name = 'changed'").run();
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT name FROM boards').get()).toEqual({ name: 'Default' });
  });

  /**
   * Another process takes the write lock and commits one row `holdMs` after `go()`, which a test
   * calls just before it writes: timed from there, not from when the lock was taken, so the lock is
   * still held however late this process hears "locked" (a loaded machine can be that late).
   */
  function holdWriteLock(
    file: string,
    holdMs: number,
  ): Promise<{ locked: Promise<void>; done: Promise<void>; go: () => void }> {
    const goFile = `${file}.go`;
    const script = `
      const fs = require('node:fs');
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      db.prepare("INSERT INTO meta (key, value) VALUES ('holder', 'x')").run();
      process.stdout.write('locked\\n');
      const waiting = setInterval(() => {
        if (!fs.existsSync(process.argv[3])) return;
        clearInterval(waiting);
        setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
      }, 5);
    `;
    const child = spawn(process.execPath, ['-e', script, file, String(holdMs), goFile], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const locked = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`lock holder exited ${code} before locking`)));
    });
    const done = new Promise<void>((resolve, reject) =>
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lock holder exited ${code}`)))),
    );
    return Promise.resolve({ locked, done, go: () => fs.writeFileSync(goFile, '') });
  }

  it('waits for another process holding the write lock instead of failing with SQLITE_BUSY', async () => {
    const db = open(tempHome().database);
    const holder = await holdWriteLock(db.name, 400);
    await holder.locked;
    holder.go();
    // The lock was held when this write began: inside its transaction the holder's commit is
    // already there, so the write waited for it (an order, not a time).
    const holderCommittedFirst = runInWriteTransaction(db, () => {
      const seen = db.prepare("SELECT 1 FROM meta WHERE key = 'holder'").get() !== undefined;
      db.prepare("INSERT INTO meta (key, value) VALUES ('waiter', 'y')").run();
      return seen;
    });
    expect(holderCommittedFirst).toBe(true);
    await holder.done;
    expect(db.prepare('SELECT key FROM meta ORDER BY key').all()).toEqual([
      { key: 'holder' },
      { key: 'waiter' },
    ]);
  });

  it('keeps retrying when a lock is held longer than busy_timeout', async () => {
    const db = open(tempHome().database);
    db.pragma('busy_timeout = 20'); // so the 600 ms hold below outlasts SQLite's own waiting many times
    const holder = await holdWriteLock(db.name, 600);
    await holder.locked;
    holder.go();
    runInWriteTransaction(db, () => db.prepare("INSERT INTO meta (key, value) VALUES ('waiter', 'y')").run());
    await holder.done;
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 2 });
  });

  it('two connections writing at once both succeed', async () => {
    const { database } = tempHome();
    const db = open(database);
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('busy_timeout = 5000');
      const insert = db.prepare("INSERT INTO meta (key, value) VALUES (?, 'child')");
      process.stdout.write('ready\\n');
      for (let i = 0; i < 2000; i++) db.transaction(() => insert.run('child' + i)).immediate();
      db.close();
    `;
    const child = spawn(process.execPath, ['-e', script, database], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let childErr = '';
    child.stderr.on('data', (chunk: Buffer) => (childErr += chunk.toString()));
    const childDone = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const insert = db.prepare("INSERT INTO meta (key, value) VALUES (?, 'parent')");
    for (let i = 0; i < 2000; i++) runInWriteTransaction(db, () => insert.run(`parent${i}`));
    expect(await childDone).toBe(0);
    expect(childErr).not.toMatch(/SQLITE_BUSY|locked/);
    expect(db.prepare('SELECT value, count(*) AS n FROM meta GROUP BY value ORDER BY value').all()).toEqual([
      { value: 'child', n: 2000 },
      { value: 'parent', n: 2000 },
    ]);
  });
});
