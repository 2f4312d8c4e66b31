import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { engineDailyBackup } from '../../electron/core/dispatch/housekeeping';
import { backupDatabase, keepDailyBackup } from '../../electron/core/store/backup';
import { lowPriorityValue } from '../../electron/core/workers/priority';
import { openDatabase } from '../../electron/core/store/db/open';
import { runCli } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';

/**
 * A backup — the copy, its settling and its integrity check — runs in a thread of its own
 * (store/backupThread.ts): the engine's event loop keeps turning meanwhile, and a backup that fails
 * is one error that leaves nothing behind.
 */

const tempHome = useTempHomes();

/** A database in WAL mode, as the engine keeps it, with a table and an index of `rows` rows. */
function makeDatabase(file: string, rows: number): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); CREATE INDEX notes_body ON notes (body)',
  );
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(randomBytes(100).toString('hex'));
  })();
  return db;
}

/** The file's header says rollback-journal mode (bytes 18 and 19 are 1; 2 in WAL mode). */
function inRollbackMode(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false; // not there (yet, or any more)
  }
  try {
    const header = Buffer.alloc(20);
    return fs.readSync(fd, header, 0, 20, 0) === 20 && header[18] === 1 && header[19] === 1;
  } finally {
    fs.closeSync(fd);
  }
}

describe('backups off the engine thread', () => {
  it("keeps the calling thread's event loop turning while the copy is settled and checked", async () => {
    const paths = tempHome();
    // ~40 MB: integrity_check of the copy is hundreds of ms of CPU, many turns of a free loop.
    const db = makeDatabase(paths.database, 100_000);
    try {
      const day = new Date('2026-03-05T12:00:00').getTime();
      const target = path.join(paths.backups, 'daily-2026-03-05.db');
      const partial = `${target}.partial-${process.pid}`;
      // What happened, in order: a turn of this loop that found the copy being settled (its header
      // already switched to rollback mode, not yet renamed into place), and the backup's end.
      const events: string[] = [];
      let watching = true;
      const watch = (): void => {
        if (!watching) return;
        if (inRollbackMode(partial) && !fs.existsSync(target) && !events.includes('settling'))
          events.push('settling');
        setImmediate(watch);
      };
      setImmediate(watch);
      const made = await keepDailyBackup(db, paths.backups, 1, day);
      events.push('backed up');
      watching = false;
      // On the engine's thread the settling ran from its first pragma to the rename without a turn.
      expect(events).toEqual(['settling', 'backed up']);
      expect(made).toMatchObject({ file: target, integrity: 'ok' });
      expect(fs.readdirSync(paths.backups)).toEqual(['daily-2026-03-05.db']);
      const copy = new Database(target, { readonly: true, fileMustExist: true });
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      expect((copy.prepare('SELECT COUNT(*) AS n FROM notes').get() as { n: number }).n).toBe(100_000);
      copy.close();
    } finally {
      db.close();
    }
  });

  // A test run already at the lowest priority (nice 19, e.g. under `nice -n 19`) leaves no room to
  // lower a thread below it: there the check could only pass trivially, so it does not run.
  it.runIf(process.platform === 'linux' && os.getPriority() < 19)(
    "runs the engine's daily backup in a thread lowered below the engine's own",
    async () => {
      const paths = tempHome();
      const db = makeDatabase(paths.database, 50_000);
      try {
        // The nice (stat field 19) of each of this process's threads but the main one, at every turn.
        const nices = new Set<number>();
        let watching = true;
        const watch = (): void => {
          if (!watching) return;
          for (const tid of fs.readdirSync('/proc/self/task')) {
            if (Number(tid) === process.pid) continue;
            try {
              const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
              nices.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
            } catch {
              // ended meanwhile
            }
          }
          setImmediate(watch);
        };
        setImmediate(watch);
        const made = await engineDailyBackup(db, paths.backups, 1, undefined);
        watching = false;
        expect(made).toMatchObject({ integrity: 'ok' });
        expect(nices).toContain(lowPriorityValue());
        expect(lowPriorityValue()).toBeGreaterThan(os.getPriority());
      } finally {
        db.close();
      }
    },
  );

  it('removes the partial copies of processes that ended mid-backup, and only those', async () => {
    const paths = tempHome();
    const db = makeDatabase(paths.database, 10);
    try {
      fs.mkdirSync(paths.backups, { recursive: true });
      // A process that has ended (its pid is free), and one that runs: the vitest process above this one.
      const ended = spawnSync(process.execPath, ['-e', '0']).pid as number;
      const stale = path.join(paths.backups, `daily-2026-03-04.db.partial-${ended}`);
      const running = path.join(paths.backups, `daily-2026-03-05.db.partial-${process.ppid}`);
      for (const file of [stale, running]) fs.writeFileSync(file, 'half a copy');
      await keepDailyBackup(db, paths.backups, 3, new Date('2026-03-05T12:00:00').getTime());
      expect(fs.readdirSync(paths.backups).sort()).toEqual(['daily-2026-03-05.db', path.basename(running)]);
    } finally {
      db.close();
    }
  });

  it('refuses a copy that fails its integrity check and leaves no file behind', async () => {
    const paths = tempHome();
    fs.mkdirSync(paths.home, { recursive: true });
    const made = makeDatabase(paths.database, 2_000);
    const { rootpage } = made
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'notes_body'")
      .get() as { rootpage: number };
    const pageSize = made.pragma('page_size', { simple: true }) as number;
    made.close();
    // The index's root page zeroed: the table still reads, the backup copies the page as it is.
    const fd = fs.openSync(paths.database, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, (rootpage - 1) * pageSize);
    fs.closeSync(fd);
    const db = new Database(paths.database);
    try {
      const target = path.join(paths.backups, 'copy.db');
      await expect(backupDatabase(db, target)).rejects.toThrow(
        /^the copy failed SQLite's integrity check \(.+\): the database itself may be damaged; nothing was written to .*copy\.db$/,
      );
      expect(fs.readdirSync(paths.backups)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('says so in one error when the thread cannot open the database, and leaves no file behind', async () => {
    const paths = tempHome();
    const db = makeDatabase(paths.database, 10);
    try {
      const target = path.join(paths.backups, 'copy.db');
      // A better-sqlite3 build that does not load (the app's Electron build, gone): the thread
      // reports the failure instead of a copy.
      const missing = path.join(paths.home, 'no-such-build', 'better_sqlite3.node');
      await expect(backupDatabase(db, target, { nativeBinding: missing })).rejects.toThrow(
        /^the backup to .*copy\.db failed: Cannot find module .*no-such-build.* \(nothing was written; the database is untouched\)$/,
      );
      expect(fs.readdirSync(paths.backups)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('`switchyard backup` that cannot write its copy exits 1 with one line saying where', async () => {
    const paths = tempHome();
    openDatabase(paths.database).close();
    const notAFolder = path.join(paths.home, 'notes.txt');
    fs.writeFileSync(notAFolder, 'a file, not a folder');
    const out = path.join(notAFolder, 'copy.db');
    const result = await runCli(paths.home, ['backup', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^switchyard: the backup to .*notes\.txt\/copy\.db failed: E[A-Z]+: .* \(nothing was written; the database is untouched\)$/,
      ),
    ]);
    expect(fs.readFileSync(notAFolder, 'utf8')).toBe('a file, not a folder');
  });
});
