import { afterEach, describe, expect, it } from 'vitest';
import type { BoardEvent } from '../shared/contract';
import { createApi, type Api } from '../electron/core/api/api';
import * as commands from '../electron/core/commands/taskCommands';
import * as tasks from '../electron/core/store/tasks';
import { Engine } from '../electron/core/dispatch/engine';
import type { EngineChange } from '../electron/core/dispatch/engineChanges';
import type { HomePaths } from '../electron/core/config/home';
import { useTempHomes } from './helpers/home';
import { waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { makeRepo, useTempFolders } from './helpers/git';
import { createBoard } from '../electron/core/commands/taskCommands';
import { configureBoardRepository } from '../electron/core/workers/repository';
import { runCli } from './helpers/cli';

/**
 * The one change path (docs/architecture.md "How a change travels"): the event log plus the
 * engine's one typed emitter reach every listener once, a throwing listener stops nobody, and skip
 * reasons travel in the log, so a board served by a process that does not dispatch sees them too.
 */

const newHome = useTempHomes();
const newFolder = useTempFolders();
const open: { engine: Engine; api?: Api }[] = [];
afterEach(async () => {
  for (const { engine, api } of open.splice(0).reverse()) {
    api?.close();
    await engine.close({ stopWorkers: true });
  }
});

function start(paths: HomePaths, dispatch: boolean, log: string[] = []): { engine: Engine; api: Api } {
  const engine = new Engine({
    home: paths.home,
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    dispatch,
    actor: { name: 'test' },
    log: (line) => log.push(line),
  });
  engine.start();
  const api = createApi(engine, { validateResponses: true, logError: () => undefined });
  open.push({ engine, api });
  return { engine, api };
}

const actor = { name: 'test' };

describe('one change path', () => {
  it('setDispatcherEnabled reaches the board once, even across the ticks it causes', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    // A profile lane with a task that cannot start (its lane is full): the switch changes its skip
    // reason, and the ticks after the switch write, but the state the board shows changes once.
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['20000'], maxConcurrent: 1 });
    const { engine, api } = start(paths, true);
    commands.createTask(engine.db, { title: 'runs', assignee: 'coder' }, actor);
    const waiting = commands.createTask(engine.db, { title: 'waits', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => engine.workers().length === 1, 'the first task running');
    await waitFor(
      () => tasks.findTask(engine.db, waiting.id)?.skipReason === 'lane_at_capacity',
      'the second one waiting for capacity',
    );
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    const ticksBefore = engine.lastDispatchResult();

    value(await api.call('setDispatcherEnabled', { enabled: false }));
    await waitFor(
      () => tasks.findTask(engine.db, waiting.id)?.skipReason === 'dispatcher_paused',
      'the tick after the switch',
    );
    // Two more ticks: neither may send the state again.
    for (let i = 0; i < 2; i++) {
      const last = engine.lastDispatchResult();
      await waitFor(() => engine.lastDispatchResult() !== last, 'another tick');
    }
    expect(engine.lastDispatchResult()).not.toBe(ticksBefore);
    const states = events.filter((event) => event.type === 'dispatcher');
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ state: { enabled: false, running: 1, ready: 1 } });
  });

  it('a listener that throws is logged once and stops neither the others nor the engine', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const log: string[] = [];
    const { engine, api } = start(paths, false, log);
    const seen: EngineChange['type'][] = [];
    engine.subscribe(() => {
      throw new Error('listener bug');
    });
    engine.subscribe((change) => seen.push(change.type));
    const board: BoardEvent[] = [];
    api.subscribe((event) => board.push(event));

    const first = commands.createTask(engine.db, { title: 'one', assignee: 'alice' }, actor);
    engine.flush();
    commands.createTask(engine.db, { title: 'two', assignee: 'alice' }, actor);
    engine.flush();
    value(await api.call('setDispatcherEnabled', { enabled: false }));

    expect(seen.filter((type) => type === 'events')).toHaveLength(2);
    expect(seen).toContain('dispatcher');
    expect(board.filter((event) => event.type === 'tasks')).toHaveLength(2);
    // Each create changed the ready count, then the switch: three states, each once.
    expect(
      board.flatMap((event) =>
        event.type === 'dispatcher' ? [[event.state.ready, event.state.enabled]] : [],
      ),
    ).toEqual([
      [1, true],
      [2, true],
      [2, false],
    ]);
    const failures = log.filter((line) => line.includes('listener bug'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('a listener of engine changes failed on "events"');
    // The engine still works: reads, writes, and its change feed.
    expect(value(await api.call('taskDetail', { id: first.id })).task.id).toBe(first.id);
  });

  it('a board event listener that throws stops neither the other board listeners nor the API', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const { engine, api } = start(paths, false);
    api.subscribe(() => {
      throw new Error('transport bug');
    });
    const board: BoardEvent[] = [];
    api.subscribe((event) => board.push(event));
    commands.createTask(engine.db, { title: 'one', assignee: 'alice' }, actor);
    engine.flush();
    expect(board.map((event) => event.type)).toEqual(['tasks', 'dispatcher']);
    expect(value(await api.call('listBoards', {})).map((b) => b.slug)).toContain('default');
  });

  it("a skip reason the dispatcher of another process stores reaches this process's board", async () => {
    const paths = newHome();
    writeFastSettings(paths);
    // This process serves the board without dispatching (`serve --no-dispatch`); another one
    // dispatches (`dispatch --watch`). Both share the home.
    const served = start(paths, false);
    const dispatching = start(paths, true);
    const events: BoardEvent[] = [];
    served.api.subscribe((event) => events.push(event));

    const task = commands.createTask(served.engine.db, { title: 'for a person', assignee: 'alice' }, actor);
    served.engine.flush();
    dispatching.engine.wake();
    const skips = await waitFor(
      () =>
        events
          .flatMap((event) => (event.type === 'skips' ? event.skips : []))
          .find((skip) => skip.id === task.id),
      'the skip reason on the served board',
    );
    expect(skips).toMatchObject({ id: task.id, skipReason: 'terminal_lane' });
    // The lane figures follow the same rows (a throttled recount, not a path of its own).
    await waitFor(
      () =>
        events.some(
          (event) =>
            event.type === 'lanes' &&
            event.lanes.some((lane) => lane.name === 'alice' && lane.queuedBySkipReason.terminal_lane === 1),
        ),
      'the lane figures with the skip reason',
    );
  });
});

describe('one change path: the board list', () => {
  it('a board the CLI creates, archives and restores reaches an open board without a reload', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const { api } = start(paths, false);
    const events: BoardEvent[] = [];
    api.subscribe((event) => events.push(event));
    const lastBoards = () => events.filter((event) => event.type === 'boards').at(-1)?.boards ?? [];
    const web = () => lastBoards().find((board) => board.slug === 'web');

    const created = await runCli(paths.home, ['boards', 'create', 'web', '--name', 'Web shop']);
    expect(created.stderr).toBe('');
    const board = await waitFor(web, 'the new board in a boards event');
    expect(board).toMatchObject({ name: 'Web shop', archivedAt: null });
    expect(lastBoards().map((candidate) => candidate.slug)).toEqual(['default', 'web']);

    expect((await runCli(paths.home, ['boards', 'archive', 'web'])).code).toBe(0);
    await waitFor(() => (web()?.archivedAt ?? null) !== null, 'the board archived in a boards event');

    expect((await runCli(paths.home, ['boards', 'create', 'web'])).code).toBe(0);
    await waitFor(() => web()?.archivedAt === null, 'the board restored in a boards event');
  });
});

describe('one change path: card figures of worktree tasks (docs/architecture.md §9)', () => {
  it(
    "the changes tracker's new figures reach the board of a process that runs no tracker",
    { timeout: 60_000 },
    async () => {
      const paths = newHome();
      writeFastSettings(paths);
      const repo = makeRepo(newFolder(), 'shop');
      writeAgentProfile(paths, 'coder', 'git-edit.mjs', { args: ['src/cart.ts=export const total = 0;\\n'] });
      // The board is served by a process that does not dispatch (and so computes no figures).
      const served = start(paths, false);
      createBoard(served.engine.db, 'web', undefined);
      await configureBoardRepository(served.engine.db, 'web', { repo, base: 'main' });
      const events: BoardEvent[] = [];
      served.api.subscribe((event) => events.push(event));
      const dispatching = start(paths, true);

      const task = commands.createTask(
        served.engine.db,
        { board: 'web', title: 'Cart total', assignee: 'coder' },
        actor,
      );
      served.engine.flush();
      dispatching.engine.wake();
      const card = await waitFor(
        () =>
          events
            .flatMap((event) => (event.type === 'changes' && event.board === 'web' ? event.changes : []))
            .find((candidate) => candidate.taskId === task.id && candidate.needsReview),
        'the card figures on the served board',
        45_000,
      );
      expect(card.summary).toMatchObject({ files: 1, additions: 1, ahead: 1, merged: false });
    },
  );
});

function value<T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
