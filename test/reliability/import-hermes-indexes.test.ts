import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { importHermesBoard } from '../../electron/core/import/importHermes';
import { openDatabase, runInWriteTransaction, type Db } from '../../electron/core/store/db/open';
import { DEFERRABLE_TASK_INDEXES, deferTaskIndexes } from '../../electron/core/store/db/deferredIndexes';
import { CLI_ENTRY, REPO_ROOT } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { writeHermesFile } from './helpers/hermesFixture';

/**
 * Issue 17, target 8: an import that brings more tasks than the database holds builds the
 * spread-out indexes of `tasks` once after its rows (store/db/deferredIndexes.ts). The database must
 * end with exactly the schema a fresh one has, whatever happens to the import: finished, failed half
 * way, or killed — then the next open builds them, unless the importer is still running.
 */

const tempHome = useTempHomes();

const MARKER = 'bulk-load:deferred-task-indexes';

/** Every index of the database with its SQL, as "name: sql". */
const indexes = (db: Db): string[] =>
  (
    db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name").all() as {
      name: string;
      sql: string | null;
    }[]
  ).map((row) => `${row.name}: ${row.sql}`);

const marker = (db: Db): string | undefined =>
  (db.prepare('SELECT value FROM meta WHERE key = ?').get(MARKER) as { value: string } | undefined)?.value;

const missingDeferrable = (db: Db): string[] => {
  const present = new Set(
    (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]).map(
      (row) => row.name,
    ),
  );
  return DEFERRABLE_TASK_INDEXES.filter((name) => !present.has(name));
};

/** The fixture's board plus `extra` ready tasks with their created events. */
const hermesFile = (home: string, extra: number): string =>
  writeHermesFile(home, { count: extra, assignee: (n) => `lane-${n % 7}`, createdEvents: true });

/** The indexes of a database as this program creates it. */
function freshIndexes(home: string): string[] {
  const db = openDatabase(path.join(home, 'fresh.db'));
  try {
    return indexes(db);
  } finally {
    db.close();
  }
}

describe('import-hermes builds the spread-out task indexes after its rows', () => {
  it('imports without them, builds them once at the end, and leaves the schema a fresh database has', () => {
    const paths = tempHome();
    const file = hermesFile(paths.home, 2500);
    const db = openDatabase(paths.database);
    const other = new Database(paths.database, { readonly: true });
    try {
      const seen: { missing: string[]; marked: boolean }[] = [];
      const report = importHermesBoard(db, file, {
        board: 'hermes',
        ready: true,
        // Another connection's view after each commit.
        onProgress: () =>
          seen.push({ missing: missingDeferrable(other), marked: marker(other) !== undefined }),
      });
      expect(report.tasks.imported).toBe(2507);
      expect(seen.length).toBeGreaterThan(0);
      for (const state of seen)
        expect(state).toEqual({ missing: [...DEFERRABLE_TASK_INDEXES], marked: true });
      expect(indexes(db)).toEqual(freshIndexes(paths.home));
      expect(marker(db)).toBeUndefined();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // The built indexes answer a lane's queue: every imported ready task of lane-3 is in it.
      const lane = db
        .prepare(
          "SELECT count(*) AS n FROM tasks INDEXED BY tasks_by_board_assignee_status WHERE board = 'hermes' AND assignee = 'lane-3' AND status = 'ready'",
        )
        .get() as { n: number };
      expect(lane.n).toBe(Math.ceil((2500 - 3) / 7));
    } finally {
      other.close();
      db.close();
    }
  });

  it('keeps them when the database already holds as many tasks as the file brings', () => {
    const paths = tempHome();
    const file = hermesFile(paths.home, 50);
    const db = openDatabase(paths.database);
    try {
      expect(importHermesBoard(db, file, { board: 'first' }).tasks.imported).toBe(57);
      const missing: string[][] = [];
      const report = importHermesBoard(db, file, {
        board: 'second',
        onProgress: () => missing.push(missingDeferrable(db)),
      });
      expect(report.tasks.imported).toBe(57);
      expect(missing).toEqual([[]]);
      expect(indexes(db)).toEqual(freshIndexes(paths.home));
    } finally {
      db.close();
    }
  });

  it('builds them again when the import fails half way', () => {
    const paths = tempHome();
    const file = hermesFile(paths.home, 2500);
    const db = openDatabase(paths.database);
    try {
      expect(() =>
        importHermesBoard(db, file, {
          onProgress: () => {
            throw new Error('stopped after the first commit');
          },
        }),
      ).toThrow('stopped after the first commit');
      expect(indexes(db)).toEqual(freshIndexes(paths.home));
      expect(marker(db)).toBeUndefined();
      // What was committed stays, and importing again brings the rest.
      expect((db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n).toBe(2000);
      expect(importHermesBoard(db, file).tasks.imported).toBe(507);
    } finally {
      db.close();
    }
  });

  it('an open builds the indexes a dead load left down, and leaves a running one alone', async () => {
    const paths = tempHome();
    let db = openDatabase(paths.database);
    expect(runInWriteTransaction(db, () => deferTaskIndexes(db))).toBe(true);
    // A second load does not take them over while the first has them.
    expect(runInWriteTransaction(db, () => deferTaskIndexes(db))).toBe(false);
    db.close();
    // This process is the owner and still running: an open leaves its load alone.
    db = openDatabase(paths.database);
    expect(missingDeferrable(db)).toEqual([...DEFERRABLE_TASK_INDEXES]);
    // The owner has exited (a process that has ended; its pid is not reused this soon).
    const ended = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => ended.on('exit', resolve));
    const value = JSON.parse(marker(db) as string) as { pid: number };
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(
      JSON.stringify({ ...value, pid: ended.pid, startTime: null }),
      MARKER,
    );
    db.close();
    db = openDatabase(paths.database);
    try {
      expect(indexes(db)).toEqual(freshIndexes(paths.home));
      expect(marker(db)).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('a CLI import killed after a commit leaves whole batches, and the next open builds the indexes', async () => {
    const paths = tempHome();
    // Large enough that the import prints a progress line (at most one a second, each after a commit)
    // before it ends.
    const tasksInFile = 60_000;
    const file = hermesFile(paths.home, tasksInFile);
    // The import kills itself right after its first progress line: a kill sent from here once the line
    // has been read came after a fast import had already finished (CI, 5 Dec).
    const killer = path.join(paths.home, 'kill-after-first-progress.cjs');
    fs.writeFileSync(
      killer,
      `const fs = require('node:fs');
const writeSync = fs.writeSync;
fs.writeSync = function (fd, data, ...rest) {
  const written = writeSync.call(this, fd, data, ...rest);
  if (fd === 2 && String(data).startsWith('import-hermes: ')) process.kill(process.pid, 'SIGKILL');
  return written;
};
`,
    );
    const child = spawn(process.execPath, ['--require', killer, CLI_ENTRY, 'import-hermes', file, '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHYARD_HOME: paths.home, SWITCHYARD_ACTOR: 'test' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>(
      (resolve) => child.on('close', (_code, signal) => resolve(signal)), // 'close': after stderr has been read
    );
    expect(await exited).toBe('SIGKILL'); // killed, not finished
    expect(stderr).toContain('import-hermes: ');

    const left = new Database(paths.database, { readonly: true });
    try {
      expect(marker(left)).toBeDefined();
      expect(missingDeferrable(left)).toEqual([...DEFERRABLE_TASK_INDEXES]);
      const tasks = (left.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
      expect(tasks > 0 && tasks % 2000 === 0).toBe(true);
    } finally {
      left.close();
    }
    const db = openDatabase(paths.database);
    try {
      expect(indexes(db)).toEqual(freshIndexes(paths.home));
      expect(marker(db)).toBeUndefined();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(importHermesBoard(db, file).tasks.alreadyImported).toBeGreaterThan(0);
      expect((db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n).toBe(tasksInFile + 7);
    } finally {
      db.close();
    }
  }, 120_000);

  it('no statement names a deferred index with INDEXED BY (it would fail while the index is down)', () => {
    const files = fs
      .readdirSync(path.join(REPO_ROOT, 'electron'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    const named = new Set<string>();
    for (const file of files) {
      const source = fs.readFileSync(path.join(REPO_ROOT, 'electron', file), 'utf8');
      for (const match of source.matchAll(/INDEXED BY\s+(\w+)/g)) named.add(match[1] as string);
    }
    expect(named.size).toBeGreaterThan(0);
    expect(
      [...named].filter((name) => (DEFERRABLE_TASK_INDEXES as readonly string[]).includes(name)),
    ).toEqual([]);
  });
});
