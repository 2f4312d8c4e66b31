import { afterEach, expect, it } from 'vitest';
import type { DispatcherState } from '../shared/dispatch';
import * as commands from '../electron/core/commands/taskCommands';
import type { Engine } from '../electron/core/dispatch/engine';
import { findTask } from '../electron/core/store/tasks';
import { runCli } from './helpers/cli';
import { newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { useTempHomes } from './helpers/home';

/**
 * The toolbar's "M/4 workers in all boards" is the dispatcher's own count of the worker slots in
 * use (SPEC §3's global limit, §4.6's capacity check), not every running task: a task a terminal
 * claimed with `switchyard claim` runs but was never spawned and uses no slot. The toolbar read
 * DispatcherState.running, so one terminal claim and two workers under a limit of 2 read "3/2".
 */

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

it("a terminal's claim runs but fills no worker slot; the state's figure is the capacity check's", async () => {
  const paths = newHome();
  writeFastSettings(paths, { globalMaxConcurrent: 2 });
  writeAgentProfile(paths, 'builder', 'sleep.mjs', { args: ['600'], maxConcurrent: 3 });
  const engine = newEngine(paths);
  engines.push(engine);
  const pushed: DispatcherState[] = [];
  engine.subscribe((change) => {
    if (change.type === 'dispatcher') pushed.push(change.state);
  });
  engine.start();
  const person = { name: 'test' };

  // A terminal lane's task, claimed through the real CLI.
  const desk = commands.createTask(engine.db, { title: 'Review by hand', assignee: 'desk' }, person);
  const claimed = await runCli(paths.home, ['claim', desk.id]);
  expect(claimed.code, claimed.stderr).toBe(0);
  expect(findTask(engine.db, desk.id)?.status).toBe('running');

  // Three tasks for workers under a global limit of 2: the claim above takes none of the two slots.
  const builds = ['one', 'two', 'three'].map((title) =>
    commands.createTask(engine.db, { title: `Build ${title}`, assignee: 'builder' }, person),
  );
  engine.wake();
  // Same priority and creation time: which two start first is the ids' order, not the titles'.
  const statuses = () => builds.map((task) => findTask(engine.db, task.id));
  await waitFor(
    () =>
      statuses().filter((task) => task?.status === 'running').length === 2 &&
      statuses().some((task) => task?.skipReason === 'global_at_capacity'),
    'two workers spawned and the third held by the global limit',
  );
  const held = statuses().find((task) => task?.skipReason === 'global_at_capacity');

  const state = engine.dispatcherState();
  expect({
    running: state.running,
    workerSlotsInUse: state.workerSlotsInUse,
    globalMaxConcurrent: state.globalMaxConcurrent,
    workers: state.workers.length,
  }).toEqual({ running: 3, workerSlotsInUse: 2, globalMaxConcurrent: 2, workers: 2 });
  // What the toolbar is sent says the same.
  await waitFor(() => pushed.at(-1)?.running === 3, 'the pushed state with three running');
  expect(pushed.at(-1)?.workerSlotsInUse).toBe(2);

  // The terminal finishes its task: running drops, the workers' slots stay as they were.
  const completed = await runCli(paths.home, ['complete', desk.id, '--summary', 'looked at it']);
  expect(completed.code, completed.stderr).toBe(0);
  await waitFor(() => pushed.at(-1)?.running === 2, 'the pushed state after the terminal completed');
  expect(pushed.at(-1)?.workerSlotsInUse).toBe(2);
  expect(findTask(engine.db, held?.id ?? '')?.status).toBe('ready');
});

it("a lane's capacity figure is the dispatcher's slot count too: a terminal's claim of the lane's task fills none", async () => {
  const paths = newHome();
  writeAgentProfile(paths, 'builder', 'sleep.mjs', { args: ['600'], maxConcurrent: 2 });
  writeFastSettings(paths, { globalMaxConcurrent: 4 });
  const engine = newEngine(paths);
  engines.push(engine);
  const person = { name: 'test' };

  // A person takes one of the profile lane's tasks by hand before the dispatcher runs.
  const byHand = commands.createTask(engine.db, { title: 'Fix by hand', assignee: 'builder' }, person);
  const claimed = await runCli(paths.home, ['claim', byHand.id]);
  expect(claimed.code, claimed.stderr).toBe(0);

  const builds = ['one', 'two'].map((title) =>
    commands.createTask(engine.db, { title: `Build ${title}`, assignee: 'builder' }, person),
  );
  engine.start();
  await waitFor(
    () => builds.every((task) => findTask(engine.db, task.id)?.status === 'running'),
    'both workers spawned beside the claim taken by hand (the lane limit is of workers)',
  );

  const builder = engine.laneStatuses('default').find((lane) => lane.name === 'builder');
  expect({ running: builder?.running, workerSlotsInUse: builder?.workerSlotsInUse }).toEqual({
    running: 3,
    workerSlotsInUse: 2,
  });
});
