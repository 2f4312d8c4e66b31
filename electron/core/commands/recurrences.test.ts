import { afterEach, describe, expect, it } from 'vitest';
import {
  addRecurrence,
  listRecurrences,
  removeRecurrence,
  runDueRecurrences,
  setRecurrencePaused,
} from './recurrences';
import { archiveTask, completeTask, claimTask, createBoard, archiveBoard } from './taskCommands';
import { openDatabase, type Db } from '../store/db/open';
import * as tasks from '../store/tasks';
import { makeTempHome, removeTempHome } from '../../../test/helpers/home';
import { appendAll } from '../../../shared/arrays';

/** Issue 16: recurring tasks, with the clock faked (every call gets its own `now`). */

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 2, 8, 0, 30); // 08:00:30 UTC, half a minute past an occurrence

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) removeTempHome(home);
});

function freshDb(): Db {
  const paths = makeTempHome();
  homes.push(paths.home);
  return openDatabase(paths.database);
}

const tasksOf = (db: Db, board = 'default') => tasks.listTasks(db, { board, includeArchived: true });

describe('recurring tasks', () => {
  it('every minute: exactly one task per occurrence, however often it is evaluated', () => {
    const db = freshDb();
    const recurrence = addRecurrence(
      db,
      { title: 'Bump deps ✓', schedule: '* * * * *', timeZone: 'UTC', lane: 'Bot' },
      T0,
    );
    expect(recurrence.nextRunAt).toBe(T0 + 30_000);
    // Evaluate every 10 s for 10 minutes: 10 occurrences (08:01 … 08:10).
    const made: string[] = [];
    for (let now = T0; now <= T0 + 10 * MINUTE; now += 10_000) {
      appendAll(
        made,
        runDueRecurrences(db, now).created.map((c) => c.taskId),
      );
    }
    expect(made).toHaveLength(10);
    const all = tasksOf(db);
    expect(all).toHaveLength(10);
    expect(new Set(all.map((task) => task.title))).toEqual(new Set(['Bump deps ✓']));
    expect(all.every((task) => task.assignee === 'bot' && task.status === 'ready')).toBe(true);
    // Created at the evaluations just after each minute, one apiece.
    const [listed] = listRecurrences(db);
    expect(listed?.lastOccurrenceAt).toBe(Date.UTC(2026, 2, 2, 8, 10, 0));
    expect(listed?.nextRunAt).toBe(Date.UTC(2026, 2, 2, 8, 11, 0));
    db.close();
  });

  it('after a 3-hour downtime makes exactly one catch-up task, not 180', () => {
    const db = freshDb();
    addRecurrence(db, { title: 'Poll', schedule: '* * * * *', timeZone: 'UTC' }, T0);
    expect(runDueRecurrences(db, T0 + MINUTE).created).toHaveLength(1);
    const back = T0 + MINUTE + 3 * 60 * MINUTE;
    const caughtUp = runDueRecurrences(db, back);
    expect(caughtUp.created).toHaveLength(1);
    expect(caughtUp.created[0]?.missed).toBe(179);
    expect(runDueRecurrences(db, back + 1000).created).toHaveLength(0);
    expect(tasksOf(db)).toHaveLength(2);
    expect(listRecurrences(db)[0]?.lastOutcome).toMatch(/179 missed occurrences folded in/);
    // And it goes on normally from there.
    expect(runDueRecurrences(db, back + MINUTE).created).toHaveLength(1);
    db.close();
  });

  it('"skip if open" passes over occurrences while the previous task is open, then makes the next', () => {
    const db = freshDb();
    const { id } = addRecurrence(
      db,
      { title: 'Triage', schedule: '* * * * *', timeZone: 'UTC', lane: 'term', skipIfOpen: true },
      T0,
    );
    const first = runDueRecurrences(db, T0 + MINUTE);
    expect(first.created).toHaveLength(1);
    const second = runDueRecurrences(db, T0 + 2 * MINUTE);
    expect(second.created).toHaveLength(0);
    expect(second.skipped).toEqual([
      expect.objectContaining({
        recurrenceId: id,
        reason: expect.stringMatching(/previous task t_\w+ still ready/),
      }),
    ]);
    expect(tasksOf(db)).toHaveLength(1);
    const taskId = first.created[0]?.taskId as string;
    claimTask(db, { taskId }, { name: 'terminal:term' });
    completeTask(db, taskId, 'done', { name: 'terminal:term' });
    expect(runDueRecurrences(db, T0 + 3 * MINUTE).created).toHaveLength(1);
    expect(tasksOf(db)).toHaveLength(2);
    db.close();
  });

  it('without "skip if open" an open previous task does not hold the next one back', () => {
    const db = freshDb();
    addRecurrence(db, { title: 'Report', schedule: '* * * * *', timeZone: 'UTC' }, T0);
    runDueRecurrences(db, T0 + MINUTE);
    runDueRecurrences(db, T0 + 2 * MINUTE);
    expect(tasksOf(db)).toHaveLength(2);
    db.close();
  });

  it('an archived previous task counts as closed', () => {
    const db = freshDb();
    addRecurrence(db, { title: 'Sweep', schedule: '* * * * *', timeZone: 'UTC', skipIfOpen: true }, T0);
    const [made] = runDueRecurrences(db, T0 + MINUTE).created;
    archiveTask(db, made?.taskId as string, { name: 'me' });
    expect(runDueRecurrences(db, T0 + 2 * MINUTE).created).toHaveLength(1);
    db.close();
  });

  it('reads the schedule in its own time zone', () => {
    const db = freshDb();
    // 09:00 in Paris is 08:00 UTC in March (CET, UTC+1).
    const start = Date.UTC(2026, 2, 2, 7, 0, 0);
    const recurrence = addRecurrence(
      db,
      { title: 'Standup', schedule: '0 9 * * *', timeZone: 'Europe/Paris' },
      start,
    );
    expect(recurrence.nextRunAt).toBe(Date.UTC(2026, 2, 2, 8, 0, 0));
    expect(runDueRecurrences(db, Date.UTC(2026, 2, 2, 7, 59, 59)).created).toHaveLength(0);
    expect(runDueRecurrences(db, Date.UTC(2026, 2, 2, 8, 0, 0)).created).toHaveLength(1);
    db.close();
  });

  it('paused makes nothing and resuming does not catch up the paused time; removed is gone', () => {
    const db = freshDb();
    const { id } = addRecurrence(db, { title: 'Nightly', schedule: '* * * * *', timeZone: 'UTC' }, T0);
    setRecurrencePaused(db, id, true, T0 + 1000);
    expect(runDueRecurrences(db, T0 + 30 * MINUTE).created).toHaveLength(0);
    setRecurrencePaused(db, id, false, T0 + 30 * MINUTE);
    expect(runDueRecurrences(db, T0 + 30 * MINUTE + 1000).created).toHaveLength(0);
    expect(runDueRecurrences(db, T0 + 31 * MINUTE).created).toHaveLength(1);
    removeRecurrence(db, id);
    expect(runDueRecurrences(db, T0 + 40 * MINUTE).created).toHaveLength(0);
    expect(listRecurrences(db)).toEqual([]);
    db.close();
  });

  it('refuses a bad schedule, an unknown time zone or an archived board with a clear message', () => {
    const db = freshDb();
    expect(() => addRecurrence(db, { title: 'x', schedule: '61 * * * *', timeZone: 'UTC' })).toThrow(
      /schedule "61 \* \* \* \*"/,
    );
    expect(() => addRecurrence(db, { title: 'x', schedule: '* * * * *', timeZone: 'Mars/Olympus' })).toThrow(
      /not a time zone/,
    );
    createBoard(db, 'old', undefined);
    archiveBoard(db, 'old');
    expect(() =>
      addRecurrence(db, { title: 'x', schedule: '* * * * *', timeZone: 'UTC', board: 'old' }),
    ).toThrow(/archived/);
    db.close();
  });

  it('an occurrence whose board was archived since is passed over with the reason, once', () => {
    const db = freshDb();
    createBoard(db, 'side', undefined);
    addRecurrence(db, { title: 'x', schedule: '* * * * *', timeZone: 'UTC', board: 'side' }, T0);
    archiveBoard(db, 'side');
    const result = runDueRecurrences(db, T0 + MINUTE);
    expect(result.created).toHaveLength(0);
    expect(result.skipped[0]?.reason).toMatch(/not created: board "side" is archived/);
    expect(runDueRecurrences(db, T0 + MINUTE + 1000).skipped).toHaveLength(0);
    db.close();
  });
});
