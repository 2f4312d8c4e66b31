import { afterEach, describe, expect, it } from 'vitest';
import type { DispatcherState } from '../shared/dispatch';
import * as commands from '../electron/core/commands';
import { openDatabase } from '../electron/core/db/open';
import type { Engine } from '../electron/core/engine';
import { useTempHomes } from './helpers/home';
import { newEngine, waitFor, writeFastSettings } from './helpers/engine';

/**
 * The toolbar's and the tray's "running · ready" counts come from pushed dispatcher states; they
 * must follow every write that changes them, not only spawns and completions.
 */

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

describe('engine: pushed dispatcher state', () => {
  it('follows creates and moves by this or another process, and stays quiet when the counts do not change', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths, false);
    engines.push(engine);
    engine.start();
    const states: DispatcherState[] = [];
    engine.onDispatcherState((state) => states.push(state));
    const last = () => states.at(-1);

    const terminal = { name: 'test' };
    const first = commands.createTask(engine.db, { title: 'one', assignee: 'alice' }, terminal);
    engine.flush();
    await waitFor(() => last()?.ready === 1, 'ready 1 after a create');

    // Another process (the CLI) writes: the engine sees it through its change feed.
    const other = openDatabase(paths.database);
    try {
      commands.createTask(other, { title: 'two', assignee: 'alice' }, terminal);
      await waitFor(() => last()?.ready === 2, 'ready 2 after a create by another process');
      commands.moveTask(other, first.id, 'triage', terminal);
      await waitFor(() => last()?.ready === 1, 'ready 1 after a move to triage');
    } finally {
      other.close();
    }
    const pushed = states.length;
    commands.addComment(engine.db, first.id, 'no change to the counts', terminal);
    engine.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(states.length).toBe(pushed);
  });
});
