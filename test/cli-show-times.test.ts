import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { openDatabase } from '../electron/core/store/db/open';
import * as tasks from '../electron/core/store/tasks';
import { runCli, runCliJson } from './helpers/cli';
import { useTempHomes } from './helpers/home';

const tempHome = useTempHomes();

describe('switchyard show', () => {
  // The core stores a backoff's detail with its time as ISO (machine-read by the board's budget
  // badge and pinned by tests); `show` printed it so, beside its own "next attempt … Z" line.
  it('writes the times in a skip detail as its other times: UTC to the second, not ISO', async () => {
    const { home, database } = tempHome();
    const task = await runCliJson<Task>(home, ['create', 'Flaky build', '--assignee', 'coder']);
    const nextAttemptAt = Date.UTC(2026, 11, 5, 15, 22, 17, 43);
    const db = openDatabase(database);
    const skipDetail = `backoff until ${new Date(nextAttemptAt).toISOString()}`;
    tasks.updateTask(db, task.id, { skipReason: 'backoff', skipDetail, nextAttemptAt }, Date.now());
    db.close();

    const shown = await runCli(home, ['show', task.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('next attempt 2026-12-05 15:22:17Z');
    expect(shown.stdout).toContain('skipped: backoff — backoff until 2026-12-05 15:22:17Z\n');
    expect(shown.stdout).not.toMatch(/\dT\d/);
  });
});
