import { describe, expect, it, vi } from 'vitest';
import type { CallResult, Snapshot } from '../../../shared/contract';
import fs from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import { useEngineApis } from '../../../test/helpers/api';
import type { Engine } from '../dispatch/engine';
import { openDatabase } from '../store/db/open';
import { createApi, type Api } from './api';
import * as boardCardsModule from '../store/boardCards';
import * as commands from '../commands/taskCommands';

// Counts the snapshot's own (synchronous) reads of the board, to see when the read ahead served it.
vi.mock('../store/boardCards', async (importOriginal) => {
  const actual = await importOriginal<typeof boardCardsModule>();
  return { ...actual, boardCards: vi.fn(actual.boardCards) };
});
const freshReads = vi.mocked(boardCardsModule.boardCards);

const apiOnEngine = useEngineApis();

// The read ahead reads a few cells per turn of the event loop (setImmediate): the tests run those
// turns by hand instead of sleeping until they are over.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setImmediate'] });
});
afterEach(() => {
  vi.useRealTimers();
});
const readAheadOver = () => vi.runAllTimersAsync();

/** An API on a board of `tasks` cards over three lanes, nothing read yet. */
function setup(tasks = 30): { engine: Engine; api: Api } {
  const made = apiOnEngine((engine) => {
    for (let i = 0; i < tasks; i++) {
      commands.createTask(engine.db, { title: `task ${i}`, assignee: `lane-${i % 3}` }, engine.actor);
    }
  });
  freshReads.mockClear();
  return made;
}

function value<T>(result: CallResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** A snapshot call, with the read ahead it may wait for run to its end. */
async function snapshot(api: Api, board = 'default'): Promise<Snapshot> {
  const answer = api.call('snapshot', { board });
  await readAheadOver();
  return value(await answer);
}

/** The parts of a snapshot that come from the board's cards, in a fixed order. */
const cardsOf = (shot: Snapshot) => ({
  tasks: [...shot.tasks].sort((a, b) => a.id.localeCompare(b.id)),
  cells: [...shot.cells].sort((a, b) => `${a.assignee}${a.status}`.localeCompare(`${b.assignee}${b.status}`)),
});

describe('reading the first snapshot ahead (prefetchSnapshot)', () => {
  it('serves the first snapshot from the cards read ahead, the same as a fresh read, once', async () => {
    const { api } = setup();
    api.prefetchSnapshot('default');
    const first = await snapshot(api);
    expect(freshReads).not.toHaveBeenCalled();
    const second = await snapshot(api);
    expect(freshReads).toHaveBeenCalledTimes(1);
    expect(cardsOf(first)).toEqual(cardsOf(second));
    expect(first.tasks).toHaveLength(30);
  });

  it('reads the lane figures ahead too, but afresh once a lane changed', async () => {
    const { engine, api } = setup();
    api.prefetchSnapshot('default');
    await readAheadOver();
    // A lane setting in lanes.json (or a profile file): no database write, the cards still hold.
    fs.writeFileSync(engine.paths.lanesFile, JSON.stringify({ lanes: { 'lane-0': { paused: true } } }));
    engine.dryRun(); // looks at the files again, as every tick does
    const first = await snapshot(api);
    expect(freshReads).not.toHaveBeenCalled();
    expect(first.lanes.find((lane) => lane.name === 'lane-0')?.paused).toBe(true);
  });

  it('reads afresh when the database changed after the read ahead, from this or another process', async () => {
    const { engine, api } = setup();
    api.prefetchSnapshot('default');
    await readAheadOver();
    const other = openDatabase(engine.paths.database);
    commands.createTask(other, { title: 'written elsewhere', assignee: 'lane-0' }, engine.actor);
    other.close();
    const first = await snapshot(api);
    expect(freshReads).toHaveBeenCalledTimes(1);
    expect(first.tasks.map((task) => task.title)).toContain('written elsewhere');

    api.prefetchSnapshot('default');
    commands.createTask(engine.db, { title: 'written here', assignee: 'lane-1' }, engine.actor);
    expect((await snapshot(api)).tasks.map((task) => task.title)).toContain('written here');
    expect(freshReads).toHaveBeenCalledTimes(2);
  });

  it('reads afresh when an event went out meanwhile, and for another board', async () => {
    const { engine, api } = setup();
    api.subscribe(() => undefined);
    value(await api.call('createBoard', { slug: 'ops' }));
    api.prefetchSnapshot('default');
    engine.setDispatcherEnabled(false); // seq moves on: a client subscribing now never saw that event
    await snapshot(api);
    expect(freshReads).toHaveBeenCalledTimes(1);

    api.prefetchSnapshot('default');
    const ops = await snapshot(api, 'ops');
    expect(ops.tasks).toEqual([]);
    expect(freshReads).toHaveBeenCalledTimes(2);
    await snapshot(api);
    expect(freshReads).toHaveBeenCalledTimes(3);
  });

  it('reads at most 5 cells per turn of the event loop, so a page request waits for a short step only', async () => {
    // Performance issue 17, target 7: `serve` reads ahead while the browser asks for the page and
    // its code; 20 cells a turn were 50-85 ms on "large" with the database cold.
    const { api } = apiOnEngine((engine) => {
      for (let i = 0; i < 16; i++)
        commands.createTask(engine.db, { title: `task ${i}`, assignee: `lane-${i % 8}` }, engine.actor);
    });
    freshReads.mockClear();
    api.prefetchSnapshot('default');
    let turns = 0;
    while (vi.getTimerCount() > 0) {
      turns++;
      await vi.runOnlyPendingTimersAsync();
    }
    // The 8 lanes' cells: 5 in the first turn, 3 in the second.
    expect(turns).toBe(2);
    const first = await snapshot(api);
    expect(freshReads).not.toHaveBeenCalled();
    expect(first.tasks).toHaveLength(16);
  });

  it('ignores a board that does not exist, and a read ahead the API closed stops quietly', async () => {
    const { engine } = setup();
    const logError = vi.fn();
    const api = createApi(engine, { logError });
    api.prefetchSnapshot('nope');
    expect(await api.call('snapshot', { board: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    api.prefetchSnapshot('default');
    api.close();
    await readAheadOver();
    expect(logError).not.toHaveBeenCalled();
  });
});
