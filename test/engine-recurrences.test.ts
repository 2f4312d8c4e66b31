import { afterEach, describe, expect, it } from 'vitest';
import { addRecurrence, listRecurrences } from '../electron/core/commands/recurrences';
import { Engine } from '../electron/core/dispatch/engine';
import { openDatabase } from '../electron/core/store/db/open';
import * as tasks from '../electron/core/store/tasks';
import { useTempHomes } from './helpers/home';
import { newEngine, waitFor, writeFastSettings } from './helpers/engine';

/** Issue 16: the engine makes recurring tasks on its own timer, also for recurrences added by the CLI. */

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

describe('engine: recurring tasks', () => {
  it('makes a task at each occurrence of a recurrence another process added while it runs', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths);
    engines.push(engine);
    engine.start();
    await waitFor(() => engine.dispatcherState().lastTickAt !== null, 'the first tick');

    // Added through another connection, as `switchyard recur add` does: every second (6-field cron).
    const cli = openDatabase(paths.database);
    const { id } = addRecurrence(cli, {
      title: 'Heartbeat check',
      schedule: '* * * * * *',
      timeZone: 'UTC',
      lane: 'ops',
    });
    cli.close();

    const made = await waitFor(
      () => {
        const list = tasks.listTasks(engine.db, {}).filter((task) => task.createdBy === `recurrence:${id}`);
        return list.length >= 2 ? list : null;
      },
      'two recurring tasks',
      10_000,
    );
    expect(made.every((task) => task.title === 'Heartbeat check' && task.assignee === 'ops')).toBe(true);
    // One per occurrence: never more tasks than whole seconds handled since it was added.
    const [recurrence] = listRecurrences(engine.db);
    const handled = Math.round(((recurrence?.lastOccurrenceAt ?? 0) - (recurrence?.createdAt ?? 0)) / 1000);
    const count = tasks
      .listTasks(engine.db, {})
      .filter((task) => task.createdBy === `recurrence:${id}`).length;
    expect(count).toBeLessThanOrEqual(handled + 1);
  });

  it('shows each lane’s next recurring task in the lane view, also for a lane with no tasks yet', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const engine = newEngine(paths, false);
    engines.push(engine);
    const weekly = addRecurrence(engine.db, {
      title: 'Weekly triage',
      schedule: '0 9 * * 1',
      timeZone: 'Europe/Paris',
      lane: 'triage-bot',
    });
    addRecurrence(engine.db, { title: 'Unassigned', schedule: '0 9 * * *', timeZone: 'UTC' });
    const lanes = engine.laneStatuses('default');
    const lane = lanes.find((candidate) => candidate.name === 'triage-bot');
    expect(lane?.nextRecurrenceAt).toBe(weekly.nextRunAt);
    expect(new Date(weekly.nextRunAt as number).getUTCDay()).toBe(1);
    expect(lanes.filter((candidate) => candidate.nextRecurrenceAt != null)).toHaveLength(1);
    // On another board the lane has nothing coming.
    expect(engine.laneStatuses('other').find((candidate) => candidate.name === 'triage-bot')).toBeUndefined();
  });
});
