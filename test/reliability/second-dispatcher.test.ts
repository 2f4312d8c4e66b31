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
    const first = runCli(paths.home, ['dispatch', '--watch'], { timeoutMs: 8_000 });
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
    await first;
  }, 60_000);
});
