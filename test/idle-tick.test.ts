import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../shared/dispatch';
import { claimTask, createTask } from '../electron/core/commands/taskCommands';
import { openDatabase, type Db } from '../electron/core/store/db/open';
import { setLanePausedRow } from '../electron/core/store/laneSettings';
import { findTask } from '../electron/core/store/tasks';
import { useTempHomes } from './helpers/home';
import { newEngine, tickUntil, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { statementsRunBy } from './helpers/statements';
import type { Engine } from '../electron/core/dispatch/engine';

/**
 * Issue 17, target 1: a tick when nothing changed since the last one reads the database's stamp
 * (store/readsUntilChanged.ts) and nothing else — and every change is still seen by the next tick:
 * another connection's writes, the engine's own, a profile edited on disk, and the changes that
 * come with time alone (a terminal claim running out, a retry's backoff ending).
 */

const actor = { name: 'test' };
const tempHome = useTempHomes();
const engines: Engine[] = [];
const others: Db[] = [];

afterEach(async () => {
  for (const db of others.splice(0)) db.close();
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function setUp(settings: Record<string, number | boolean> = {}): {
  engine: Engine;
  paths: ReturnType<typeof tempHome>;
} {
  const paths = tempHome();
  writeFastSettings(paths, settings);
  fs.writeFileSync(paths.lanesFile, JSON.stringify({ lanes: { human: { kind: 'terminal' } } }));
  const engine = newEngine(paths);
  engines.push(engine);
  return { engine, paths };
}

/** Another connection to the same database: another process as far as SQLite is concerned. */
function otherConnection(engine: Engine): Db {
  const db = openDatabase(engine.paths.database);
  others.push(db);
  return db;
}

/** Every tick the engine reports (runTick and its own scheduled ones). */
function ticksOf(engine: Engine): DispatchResult[] {
  const results: DispatchResult[] = [];
  engine.subscribe((change) => {
    if (change.type === 'tick') results.push(change.result);
  });
  return results;
}

const verdictOf = (result: DispatchResult | null | undefined, taskId: string): string | undefined =>
  result?.skipped.find((entry) => entry.taskId === taskId)?.reason;

/**
 * A lane of one slot, with a long tick interval (no tick of the engine's own between the test's):
 * one task running in it and `waiting` judged at capacity by the idle ticks after.
 */
function oneRunningOneWaiting() {
  const { engine, paths } = setUp({ tickMs: 60_000 });
  writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
  // Spawned first whatever the ids: two tasks made in the same millisecond are walked in id order.
  createTask(engine.db, { title: 'runs', assignee: 'coder', status: 'ready', priority: 1 }, actor);
  const waiting = createTask(engine.db, { title: 'waits', assignee: 'coder', status: 'ready' }, actor);
  engine.runTick();
  engine.runTick();
  expect(verdictOf(engine.runTick(), waiting.id)).toBe('lane_at_capacity');
  return { engine, paths, waiting };
}

describe('the idle tick', () => {
  it('runs no statement but the database stamp when nothing changed since the last tick', () => {
    // A long tick interval: no tick of the engine's own runs between the ones below.
    const { engine, paths } = setUp({ tickMs: 60_000 });
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
    for (const title of ['runs', 'waits', 'also waits'])
      createTask(engine.db, { title, assignee: 'coder', status: 'ready' }, actor);
    createTask(engine.db, { title: 'for a person', assignee: 'human', status: 'ready' }, actor);
    createTask(engine.db, { title: 'nobody', status: 'ready' }, actor);
    expect(engine.runTick()?.spawned).toHaveLength(1);

    let statements: string[] = [];
    // A lease renewal (every 5 s) writes, and the tick after it reads again: measured again then.
    for (let attempt = 0; attempt < 3; attempt++) {
      engine.runTick();
      engine.runTick();
      statements = statementsRunBy(engine.db, () => engine.runTick());
      if (!statements.some((sql) => sql.includes('dispatcher_lease'))) break;
    }
    // The stamp twice: the dispatcher's look before the tick and the change feed's poll after it
    // (a second poll after that one read it a third time).
    expect(statements.filter((sql) => sql.includes('pragma_data_version'))).toHaveLength(2);
    expect(statements.filter((sql) => !sql.includes('pragma_data_version'))).toEqual([]);
  });

  it('sees a lane paused and a task created by another connection at the next tick', () => {
    const { engine, waiting } = oneRunningOneWaiting();
    const other = otherConnection(engine);
    setLanePausedRow(other, 'coder', true);
    expect(verdictOf(engine.runTick(), waiting.id)).toBe('lane_paused');
    engine.runTick();

    const written = createTask(other, { title: 'from the CLI', assignee: 'human', status: 'ready' }, actor);
    expect(verdictOf(engine.runTick(), written.id)).toBe('terminal_lane');
  });

  it('sees a profile edited on disk', async () => {
    const { engine, paths, waiting } = oneRunningOneWaiting();
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'], maxConcurrent: 2 });
    await tickUntil(
      engine,
      () => findTask(engine.db, waiting.id)?.status === 'running',
      'the second slot used',
    );
  });

  it('sees a profile replaced by rename and a lane paused in lanes.json replaced by rename', async () => {
    // What no idle tick stats any more (lanes.json; profiles/ and settings.json likewise) reaches
    // the tick through the watchers: editors and other processes save by renaming a new file over it.
    const { engine, paths, waiting } = oneRunningOneWaiting();
    const replace = (file: string, content: unknown): void => {
      fs.writeFileSync(`${file}.new`, JSON.stringify(content));
      fs.renameSync(`${file}.new`, file);
    };
    const profileFile = path.join(paths.profiles, 'coder', 'profile.json');
    const profile = JSON.parse(fs.readFileSync(profileFile, 'utf8')) as Record<string, unknown>;
    replace(paths.lanesFile, { lanes: { human: { kind: 'terminal' }, coder: { paused: true } } });
    await tickUntil(
      engine,
      () => verdictOf(engine.lastDispatchResult(), waiting.id) === 'lane_paused',
      'the lane paused',
    );
    replace(paths.lanesFile, { lanes: { human: { kind: 'terminal' } } });
    replace(profileFile, { ...profile, maxConcurrent: 2 });
    await tickUntil(
      engine,
      () => findTask(engine.db, waiting.id)?.status === 'running',
      'the second slot used',
    );
  });

  it('reclaims a terminal claim once it runs out, with nothing else written meanwhile', async () => {
    const { engine } = setUp({ tickMs: 60_000 });
    const task = createTask(engine.db, { title: 'for a person', assignee: 'human', status: 'ready' }, actor);
    claimTask(otherConnection(engine), { taskId: task.id, ttlMs: 3_000 }, actor);
    // Idle ticks while the claim holds: the expiry is read once, not asked for every tick.
    expect(engine.runTick()?.reclaimed).toEqual([]);
    expect(engine.runTick()?.reclaimed).toEqual([]);
    const claimed = findTask(engine.db, task.id);
    expect(claimed?.status).toBe('running');
    await waitFor(() => Date.now() > (claimed?.claimExpiresAt ?? 0), 'the claim ran out');
    expect(engine.runTick()?.reclaimed).toEqual([task.id]);
    expect(findTask(engine.db, task.id)?.status).toBe('ready');
  });

  it('spawns again when a retry backoff ends, with nothing else written meanwhile', async () => {
    const { engine, paths } = setUp({
      tickMs: 60_000,
      backoffBaseMs: 400,
      backoffMaxMs: 400,
      failureLimit: 5,
    });
    writeAgentProfile(paths, 'coder', 'exit1.mjs');
    const task = createTask(engine.db, { title: 'fails once', assignee: 'coder', status: 'ready' }, actor);
    engine.runTick();
    await tickUntil(
      engine,
      () => verdictOf(engine.lastDispatchResult(), task.id) === 'backoff',
      'the backoff',
    );
    await tickUntil(engine, () => (findTask(engine.db, task.id)?.failureCount ?? 0) >= 2, 'the retry');
  }, 90_000);

  it('gives a slot freed by a worker that ended to the next task in the tick that reaps it', async () => {
    const { engine, paths } = setUp({ tickMs: 60_000 });
    const signal = path.join(paths.home, 'finish');
    writeAgentProfile(paths, 'coder', 'wait-for-file.mjs', { args: [signal], maxConcurrent: 1 });
    const first = createTask(
      engine.db,
      { title: 'first', assignee: 'coder', status: 'ready', priority: 2 },
      actor,
    );
    const second = createTask(engine.db, { title: 'second', assignee: 'coder', status: 'ready' }, actor);
    expect(engine.runTick()?.spawned.map((spawn) => spawn.taskId)).toEqual([first.id]);
    // Idle ticks: what they read is kept, and the exit must not be judged against it.
    engine.runTick();
    expect(verdictOf(engine.runTick(), second.id)).toBe('lane_at_capacity');
    const ticks = ticksOf(engine);
    fs.writeFileSync(signal, '');
    await tickUntil(engine, () => ticks.some((tick) => tick.completed.includes(first.id)), 'the first done');
    const reaping = ticks.find((tick) => tick.completed.includes(first.id));
    expect(reaping?.spawned.map((spawn) => spawn.taskId)).toEqual([second.id]);
  }, 90_000);
});
