import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { runCli, runCliJson } from './helpers/cli';
import { bundleCreateTasksDriver, startCreateTasksDriver } from './helpers/driver';
import { useTempHomes } from './helpers/home';

/** docs/architecture.md §1: several processes may write at the same time; no SQLITE_BUSY ever reaches a user. */

const tempHome = useTempHomes();
const BUSY = /SQLITE_BUSY|database is locked|database_busy/i;

function readAll(database: string) {
  const db = new Database(database, { readonly: true });
  try {
    return {
      tasks: db.prepare('SELECT id, created_by AS createdBy FROM tasks ORDER BY rowid').all() as {
        id: string;
        createdBy: string;
      }[],
      events: db.prepare('SELECT id, kind, task_id AS taskId FROM events ORDER BY id').all() as {
        id: number;
        kind: string;
        taskId: string;
      }[],
    };
  } finally {
    db.close();
  }
}

describe('two processes creating 500 tasks each through the core, at the same moment', () => {
  let driver: Awaited<ReturnType<typeof bundleCreateTasksDriver>>;
  beforeAll(async () => {
    driver = await bundleCreateTasksDriver();
  });
  afterAll(() => driver?.cleanup());

  it('both succeed: exactly 1,000 tasks, 1,000 created events without gaps, zero errors', async () => {
    // A fresh home: the two processes also race to create and migrate the database.
    const { database } = tempHome();
    const drivers = ['driver-a', 'driver-b'].map((actor) =>
      startCreateTasksDriver(driver.file, database, 500, actor, { waitForPeer: true }),
    );
    await Promise.all(drivers.map((d) => d.ready));
    for (const d of drivers) d.go();
    const results = await Promise.all(drivers.map((d) => d.finished));

    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.report).toMatchObject({ created: 500, errors: [] });
      expect(result.stdout).not.toMatch(BUSY);
    }
    const { tasks, events } = readAll(database);
    expect(tasks).toHaveLength(1_000);
    expect(new Set(tasks.map((task) => task.id)).size).toBe(1_000);
    expect(tasks.filter((task) => task.createdBy === 'driver-a')).toHaveLength(500);
    expect(events.map((event) => event.id)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(new Set(events.map((event) => event.kind))).toEqual(new Set(['created']));
    // The two really competed: each started writing before the other had finished (each waited after
    // its first task for the other's, so this holds however they were scheduled; without it, CI saw
    // one write its 500 before the other began).
    const [a, b] = results.map((result) => result.report!);
    expect(Math.max(a!.startedAt, b!.startedAt)).toBeLessThan(Math.min(a!.finishedAt, b!.finishedAt));
  });
});

describe('real `switchyard create` processes at the same time', () => {
  it('2×12 concurrent CLI creates on a fresh home all succeed, without SQLITE_BUSY', async () => {
    const { home, database } = tempHome();
    // Declared terminal lanes: an unknown lane would (rightly) get a typo warning on stderr.
    fs.writeFileSync(
      path.join(home, 'lanes.json'),
      JSON.stringify({ lanes: { 'lane-a': { kind: 'terminal' }, 'lane-b': { kind: 'terminal' } } }),
    );
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        runCli(home, ['create', `parallel ${i}`, '--assignee', i % 2 ? 'lane-a' : 'lane-b'], {
          timeoutMs: 60_000,
        }),
      ),
    );
    for (const result of results) {
      expect(result.stderr).not.toMatch(BUSY);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const listed = await runCliJson<Task[]>(home, ['list']);
    expect(listed).toHaveLength(24);
    expect(new Set(listed.map((task) => task.title)).size).toBe(24);
    const { events } = readAll(database);
    expect(events.map((event) => event.id)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('two processes claiming the same tasks never both win one', async () => {
    const { home, database } = tempHome();
    for (let i = 0; i < 3; i++) await runCliJson(home, ['create', `claimable ${i}`, '--assignee', 'term']);
    // Eight terminals race for three tasks: exactly three claims succeed, the others find nothing.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runCli(home, ['claim', '--next', '--lane', 'term', '--json'], { env: { SWITCHYARD_ACTOR: `t${i}` } }),
      ),
    );
    const winners = results.filter((result) => result.code === 0);
    const losers = results.filter((result) => result.code !== 0);
    expect(winners).toHaveLength(3);
    for (const loser of losers) {
      expect(loser.code).toBe(1);
      expect(loser.stderr).toMatch(/no ready task in lane "term"/);
    }
    const claimedIds = winners.map((winner) => (JSON.parse(winner.stdout) as Task).id);
    expect(new Set(claimedIds).size).toBe(3);
    const db = new Database(database, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 3 });
    db.close();
  });
});
