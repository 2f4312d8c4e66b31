import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db/open';
import { keepDailyBackup } from '../../electron/core/store/backup';
import { runCli } from '../helpers/cli';
import { bundleCreateTasksDriver, startCreateTasksDriver } from '../helpers/driver';
import { useTempHomes } from '../helpers/home';

/** Issue 16: `switchyard backup` while four processes write gives a copy that opens and checks out. */

const tempHome = useTempHomes();

describe('switchyard backup', () => {
  let driver: Awaited<ReturnType<typeof bundleCreateTasksDriver>>;
  beforeAll(async () => {
    driver = await bundleCreateTasksDriver();
  });
  afterAll(() => driver?.cleanup());

  it('copies the database during a 4-writer load into a file that passes PRAGMA integrity_check', async () => {
    const paths = tempHome();
    openDatabase(paths.database).close();
    const writers = Array.from({ length: 4 }, (_, i) =>
      startCreateTasksDriver(driver.file, paths.database, 600, `writer-${i}`),
    );
    await Promise.all(writers.map((writer) => writer.ready));
    for (const writer of writers) writer.go();

    // Back up three times while they write: each copy is a consistent snapshot of some moment.
    const copies: string[] = [];
    const counts: number[] = [];
    const live = () => {
      const db = new Database(paths.database, { readonly: true });
      const count = (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n;
      db.close();
      return count;
    };
    for (let i = 0; i < 3; i++) {
      const out = path.join(paths.home, `copy-${i}.db`);
      const result = await runCli(paths.home, ['backup', '--out', out, '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ file: out, integrity: 'ok' });
      copies.push(out);
      counts.push(live());
    }
    const finished = await Promise.all(writers.map((writer) => writer.finished));
    for (const run of finished) expect(run.report, run.stderr).toMatchObject({ created: 600, errors: [] });
    // The load really overlapped the backups: the board was still growing after the first one.
    expect(counts[0]).toBeLessThan(2400);

    for (const copy of copies) {
      expect(fs.existsSync(`${copy}-wal`)).toBe(false);
      const db = new Database(copy, { readonly: true, fileMustExist: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number };
      // Every task in the copy is whole, with its `created` event (they were written in one transaction).
      const events = (
        db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'created'").get() as { n: number }
      ).n;
      expect(events).toBe(n);
      db.close();
    }
    // And a copy opens as a Switchyard database.
    const reopened = openDatabase(copies[2] as string);
    reopened.close();
  }, 120_000);

  it('keeps one daily backup per day and only the newest N', async () => {
    const paths = tempHome();
    const db = openDatabase(paths.database);
    try {
      const day = 24 * 3600 * 1000;
      const start = new Date('2026-03-01T12:00:00').getTime();
      for (let i = 0; i < 5; i++) {
        expect(await keepDailyBackup(db, paths.backups, 3, start + i * day)).not.toBeNull();
        // A second call the same day makes nothing new.
        expect(await keepDailyBackup(db, paths.backups, 3, start + i * day + 3600_000)).toBeNull();
      }
      expect(fs.readdirSync(paths.backups).sort()).toEqual([
        'daily-2026-03-03.db',
        'daily-2026-03-04.db',
        'daily-2026-03-05.db',
      ]);
    } finally {
      db.close();
    }
  });

  it('prunes old daily backups on the pool, not on the calling thread, and reports a failure', async () => {
    const paths = tempHome();
    const db = openDatabase(paths.database);
    try {
      const today = new Date('2026-03-05T12:00:00').getTime();
      fs.mkdirSync(paths.backups, { recursive: true });
      for (const day of ['01', '02'])
        fs.writeFileSync(path.join(paths.backups, `daily-2026-03-${day}.db`), 'x');
      expect(await keepDailyBackup(db, paths.backups, 3, today)).not.toBeNull();

      // Today's backup exists, so the call goes straight to pruning: an unlink on the calling thread
      // (which can block 100-250 ms on a disk mounted with `discard`) would be done before it returns.
      const pruning = keepDailyBackup(db, paths.backups, 1, today + 3600_000);
      expect(fs.readdirSync(paths.backups)).toHaveLength(3);
      expect(await pruning).toBeNull();
      expect(fs.readdirSync(paths.backups)).toEqual(['daily-2026-03-05.db']);

      // A daily name that cannot be removed (a folder) is an error for the caller, as before.
      fs.mkdirSync(path.join(paths.backups, 'daily-2026-03-04.db'));
      await expect(keepDailyBackup(db, paths.backups, 1, today)).rejects.toThrow(/daily-2026-03-04\.db/);
      expect(fs.existsSync(path.join(paths.backups, 'daily-2026-03-05.db'))).toBe(true);
    } finally {
      db.close();
    }
  });

  it('refuses to write the backup over the database itself, in one line', async () => {
    const paths = tempHome();
    openDatabase(paths.database).close();
    const result = await runCli(paths.home, ['backup', '--out', paths.database]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
