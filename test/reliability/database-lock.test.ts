import { describe, expect, it } from 'vitest';
import type { Task } from '../../shared/domain';
import { runCli, runCliJson } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { holdWriteLock } from './helpers/faults';

const tempHome = useTempHomes();

/** docs/architecture.md §1 + §6: a lock that never goes away ends in one clear line (exit 1), not SQLITE_BUSY or a hang. */
describe('a write lock that is never released', () => {
  it('the CLI gives up after its retry window with one line, and works once the lock is gone', async () => {
    const paths = tempHome();
    await runCliJson(paths.home, ['create', 'before']);
    const holder = holdWriteLock(paths.database);
    await holder.locked;
    try {
      const result = await runCli(paths.home, ['create', 'never applied'], { timeoutMs: 50_000 });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/locked by another process; try again/);
      expect(result.stderr).not.toMatch(/SQLITE_BUSY|unexpected/);
    } finally {
      await holder.release();
    }
    await runCliJson(paths.home, ['create', 'after']);
    expect((await runCliJson<Task[]>(paths.home, ['list'])).map((task) => task.title).sort()).toEqual([
      'after',
      'before',
    ]);
  }, 55_000);
});
