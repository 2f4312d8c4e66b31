import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../electron/core/api/api';
import * as commands from '../electron/core/commands/taskCommands';
import type { Engine } from '../electron/core/dispatch/engine';
import {
  MAX_RUNTIME_SECONDS,
  type CallName,
  type CallResult,
  type CallResponse,
  type CreateTaskInput,
} from '../shared/contract';
import { TASK_STATUSES } from '../shared/constants';
import { describeDispatcher, type DispatcherState } from '../shared/dispatch';
import { useTempHomes } from './helpers/home';
import { editHomeFiles, newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';

/**
 * Facts that used to be computed in several places and disagreed (issue 14), each checked through
 * every reader on the real engine over a temp home: what the tray, the board (API) and the
 * dispatcher's tick see must be the same answer.
 */

const newHome = useTempHomes();
const open: { engine: Engine; api: Api }[] = [];
afterEach(async () => {
  for (const { engine, api } of open.splice(0)) {
    api.close();
    await engine.close({ stopWorkers: true });
  }
});

function start(prepare: (paths: ReturnType<typeof newHome>) => void = () => undefined) {
  const paths = newHome();
  prepare(paths);
  // dispatch: false — the test ticks by hand, so it sees each tick's result.
  const engine = newEngine(paths, false);
  const api = createApi(engine, { validateResponses: true, logError: () => undefined });
  open.push({ engine, api });
  engine.start();
  return { paths, engine, api };
}

async function call<N extends CallName>(api: Api, name: N, request: unknown): Promise<CallResponse<N>> {
  const result = (await api.call(name, request)) as CallResult<CallResponse<N>>;
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('dispatcher on/off is one fact', () => {
  it('settings.json "enabled": false with no stored switch: the tray, the API and the tick all say off', async () => {
    const { engine, api } = start((paths) => {
      writeFastSettings(paths, { enabled: false });
      writeAgentProfile(paths, 'coder', 'exit0.mjs');
    });
    const task = commands.createTask(engine.db, { title: 'work', assignee: 'coder' }, engine.actor);

    expect(engine.dispatcherState().enabled).toBe(false); // what the tray reads
    expect((await call(api, 'dispatcherState', {})).enabled).toBe(false);
    const tick = engine.runTick();
    expect(tick?.spawned).toEqual([]);
    expect(tick?.skipped).toEqual([
      expect.objectContaining({ taskId: task.id, reason: 'dispatcher_paused' }),
    ]);

    // The stored switch, once set, wins over settings.json for every reader; the board hears of it once.
    const pushed: boolean[] = [];
    api.subscribe((event) => {
      if (event.type === 'dispatcher') pushed.push(event.state.enabled);
    });
    expect((await call(api, 'setDispatcherEnabled', { enabled: true })).enabled).toBe(true);
    expect(pushed).toEqual([true]);
    expect(engine.runTick()?.spawned.map((spawn) => spawn.taskId)).toEqual([task.id]);
  });
});

describe('whether anyone dispatches is one fact', () => {
  it('under `serve --no-dispatch` the board says off though the switch is on, and follows a dispatcher elsewhere', async () => {
    // This engine serves the board without a dispatcher, as `switchyard serve --no-dispatch` does.
    const { paths, engine, api } = start((home) => writeFastSettings(home));
    const served = await call(api, 'snapshot', { board: 'default' });
    expect(served.dispatcher).toMatchObject({ enabled: true, dispatching: 'nowhere' });
    expect(describeDispatcher(served.dispatcher)).toMatchObject({
      on: false,
      switchable: false,
      label: 'Dispatcher off — this server runs with --no-dispatch',
    });

    const pushed: DispatcherState[] = [];
    api.subscribe((event) => {
      if (event.type === 'dispatcher') pushed.push(event.state);
    });
    // Another process dispatches (`switchyard dispatch --watch`): its lease reaches this board.
    const elsewhere = newEngine(paths, true);
    elsewhere.start();
    try {
      await waitFor(
        () => pushed.at(-1)?.dispatching === 'elsewhere',
        'the state naming the other dispatcher',
      );
      const state = await call(api, 'dispatcherState', {});
      expect(state.dispatching).toBe('elsewhere');
      expect(describeDispatcher(state)).toMatchObject({ on: true, label: 'Dispatcher on (elsewhere)' });
      expect(describeDispatcher(state).detail).toContain(`pid ${process.pid}`);
    } finally {
      await elsewhere.close({ stopWorkers: true });
    }
    // It stopped and gave the lease back: nobody dispatches again.
    engine.flush();
    await waitFor(() => pushed.at(-1)?.dispatching === 'nowhere', 'the state after the other one stopped');
    expect(describeDispatcher(engine.dispatcherState()).on).toBe(false);
  });

  it('a process that dispatches says on while the switch is, and off when it is not', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths, true);
    const api = createApi(engine, { validateResponses: true, logError: () => undefined });
    open.push({ engine, api });
    engine.start();
    await waitFor(() => engine.dispatcherState().active, 'the lease');
    expect(describeDispatcher(await call(api, 'dispatcherState', {}))).toMatchObject({
      on: true,
      label: 'Dispatcher on',
    });
    const off = await call(api, 'setDispatcherEnabled', { enabled: false });
    expect(off.dispatching).toBe('here');
    expect(describeDispatcher(off)).toMatchObject({ on: false, switchable: true, label: 'Dispatcher off' });
  });
});

describe('effective lane settings are one fact', () => {
  it('pausing a lane nobody uses yet answers what the dispatcher then does', async () => {
    const { paths, engine, api } = start((paths) => writeFastSettings(paths, { globalMaxConcurrent: 4 }));
    const answer = await call(api, 'setLanePaused', { lane: 'fresh', paused: true });
    expect(answer).toMatchObject({ name: 'fresh', paused: true, maxConcurrent: 1 });

    // Its profile arrives later: the dispatcher holds the lane paused, as the answer said.
    await editHomeFiles(engine, () => writeAgentProfile(paths, 'fresh', 'exit0.mjs'));
    const task = commands.createTask(engine.db, { title: 'later', assignee: 'fresh' }, engine.actor);
    const tick = engine.runTick();
    expect(tick?.skipped).toEqual([expect.objectContaining({ taskId: task.id, reason: 'lane_paused' })]);
    const view = (await call(api, 'laneStatuses', { board: 'default' })).find(
      (lane) => lane.name === 'fresh',
    );
    expect(view).toMatchObject({ kind: 'profile', paused: true, maxConcurrent: 1 });
  });

  it('database override → lanes.json → profile → 1, the same in the lane view, the API answer and the tick', async () => {
    const { paths, engine, api } = start((paths) => {
      writeFastSettings(paths, { globalMaxConcurrent: 10 });
      writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['5000'], maxConcurrent: 3 });
    });
    for (let i = 0; i < 6; i++)
      commands.createTask(engine.db, { title: `t${i}`, assignee: 'coder' }, engine.actor);
    const lane = async () =>
      (await call(api, 'laneStatuses', { board: 'default' })).find((status) => status.name === 'coder');
    expect(await lane()).toMatchObject({ paused: false, maxConcurrent: 3 }); // the profile's

    await editHomeFiles(engine, () =>
      fs.writeFileSync(paths.lanesFile, JSON.stringify({ lanes: { coder: { maxConcurrent: 2 } } })),
    );
    engine.runTick({ spawn: false });
    expect(await lane()).toMatchObject({ maxConcurrent: 2 }); // lanes.json over the profile

    const answer = await call(api, 'setLaneConcurrency', { lane: 'coder', maxConcurrent: 1 });
    expect(answer).toMatchObject({ maxConcurrent: 1 }); // the database over lanes.json
    expect(await lane()).toMatchObject({ maxConcurrent: 1 });
    const tick = engine.runTick();
    expect(tick?.spawned).toHaveLength(1);
  });
});

describe('the first-run "create example profile"', () => {
  it('creates the profile through the API of the real engine, and the lane becomes a profile lane', async () => {
    const { paths, api } = start((paths) => writeFastSettings(paths));
    const lane = await call(api, 'createProfile', { name: 'Shell', template: 'shell' });
    expect(lane).toMatchObject({ name: 'shell', kind: 'profile' });
    expect(fs.existsSync(`${paths.profiles}/shell/profile.json`)).toBe(true);
    const again = await api.call('createProfile', { name: 'shell', template: 'shell' });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('task inputs are one schema', () => {
  it('the API and the commands (CLI, MCP) accept and refuse the same new tasks', async () => {
    const { engine, api } = start((paths) => writeFastSettings(paths));
    const inputs: Record<string, unknown>[] = [
      ...TASK_STATUSES.map((status) => ({ status })),
      ...[1, MAX_RUNTIME_SECONDS, MAX_RUNTIME_SECONDS + 1, 0].map((maxRuntimeSeconds) => ({
        maxRuntimeSeconds,
      })),
    ];
    const verdicts = await Promise.all(
      inputs.map(async (extra) => {
        const input = { title: 'x', board: 'default', ...extra };
        let viaCommands: boolean;
        try {
          commands.createTask(engine.db, input as CreateTaskInput, engine.actor);
          viaCommands = true;
        } catch {
          viaCommands = false;
        }
        const viaApi = (await api.call('createTask', input)).ok;
        return { extra, viaCommands, viaApi };
      }),
    );
    for (const verdict of verdicts)
      expect(verdict.viaApi, JSON.stringify(verdict.extra)).toBe(verdict.viaCommands);
    // And the ones that must be refused are.
    const refused = verdicts.filter((verdict) => !verdict.viaApi).map((verdict) => verdict.extra);
    expect(refused).toEqual([
      { status: 'running' },
      { maxRuntimeSeconds: MAX_RUNTIME_SECONDS + 1 },
      { maxRuntimeSeconds: 0 },
    ]);
  });
});
