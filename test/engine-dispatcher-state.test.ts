import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatcherState } from '../shared/dispatch';
import type { EngineNotice } from '../electron/core/dispatch/engineChanges';
import * as commands from '../electron/core/commands/taskCommands';
import { openDatabase } from '../electron/core/store/db/open';
import type { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { editHomeFiles, newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';

/**
 * What the engine pushes to the toolbar, the tray and desktop notifications: the "running · ready"
 * counts must follow every write that changes them (not only spawns and completions), and notices
 * come from completions, blocks and give-ups only.
 */

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

describe('engine: what it pushes and reports', () => {
  it('follows creates and moves by this or another process, and stays quiet when the counts do not change', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths, false);
    engines.push(engine);
    engine.start();
    const states: DispatcherState[] = [];
    engine.subscribe((change) => {
      if (change.type === 'dispatcher') states.push(change.state);
    });
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

  it("sends a tick's own events before its summaries (they count the whole board)", async () => {
    const paths = newHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['5000'] });
    const engine = newEngine(paths);
    engines.push(engine);
    const order: string[] = [];
    engine.subscribe((change) => {
      if (change.type === 'events' && change.events.some((event) => event.kind === 'spawned'))
        order.push('spawned event');
      if (change.type === 'dispatcher' && change.state.running > 0) order.push('state with it running');
    });
    engine.start();
    commands.createTask(engine.db, { title: 'work', assignee: 'coder' }, { name: 'test' });
    engine.wake();
    await waitFor(() => order.length >= 2, 'the spawn and the state');
    expect(order[0]).toBe('spawned event');
  });

  it('turns completions and blocks into notices with the task title, and moves into none', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths, false);
    engines.push(engine);
    engine.start();
    const notices: EngineNotice[] = [];
    engine.subscribe((change) => {
      if (change.type === 'notice') notices.push(change.notice);
    });
    const actor = { name: 'test' };
    const done = commands.createTask(engine.db, { title: 'Ship it', assignee: 'alice' }, actor);
    const stuck = commands.createTask(engine.db, { title: 'Needs a key', assignee: 'alice' }, actor);
    commands.moveTask(engine.db, stuck.id, 'triage', actor);
    engine.flush();
    expect(notices).toEqual([]);
    commands.claimTask(engine.db, { taskId: done.id }, actor);
    commands.completeTask(engine.db, done.id, 'shipped', actor);
    commands.blockTask(engine.db, stuck.id, 'no API key', actor);
    engine.flush();
    expect(notices).toEqual([
      { level: 'info', title: 'Done', message: 'Ship it', taskId: done.id },
      { level: 'warning', title: 'Blocked', message: 'Needs a key: no API key', taskId: stuck.id },
    ]);
  });

  it('reports a broken settings.json once, and follows the file when it is fixed', async () => {
    const paths = newHome();
    fs.writeFileSync(paths.settingsFile, JSON.stringify({ dispatcher: { workerPriority: 'ultra' } }));
    const engine = newEngine(paths, true);
    engines.push(engine);
    engine.start();
    expect(engine.problems()).toEqual(['settings.json: dispatcher.workerPriority must be "low" or "normal"']);
    await editHomeFiles(engine, () =>
      fs.writeFileSync(
        paths.settingsFile,
        JSON.stringify({ dispatcher: { workerPriority: 'normal', tickMs: 500 } }),
      ),
    );
    engine.runTick();
    expect(engine.problems()).toEqual([]);
  });
});
