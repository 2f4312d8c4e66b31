import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { writeFastSettings } from '../helpers/engine';
import { waitFor } from '../helpers/processes';
import { openDatabase } from '../../electron/core/store/db/open';
import { currentLease } from '../../electron/core/store/lease';

/** Issue 18: a second `dispatch --watch` refuses naming the lease holder, not a closed connection. */

const tempHome = useTempHomes();

describe('a second dispatch --watch', () => {
  it('refuses in one line naming who holds the lease', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    // The first runs until the second has answered, then is stopped. It had a fixed 8 s life: where
    // starting both takes longer (a slow CI machine), it was gone first, and the second took the
    // free lease and ran on instead of refusing.
    const stopFirst = new AbortController();
    const first = runCli(paths.home, ['dispatch', '--watch'], { timeoutMs: 55_000, stop: stopFirst.signal });
    try {
      await waitFor(
        'the first dispatcher to take the lease',
        () => {
          const db = openDatabase(paths.database);
          try {
            return currentLease(db) ?? false;
          } finally {
            db.close();
          }
        },
        { timeoutMs: 20_000 },
      );
      const second = await runCli(paths.home, ['dispatch', '--watch'], { timeoutMs: 15_000 });
      expect(second.code).toBe(1);
      const lines = second.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(/another dispatcher holds the lease: \S+/);
      expect(second.stderr).not.toMatch(/not open/);
    } finally {
      stopFirst.abort();
    }
    // Still running when stopped: it ends as SIGTERM makes it, not by the safety-net SIGKILL.
    expect(await first).toMatchObject({ code: 0, signal: null });
  }, 60_000);
});
