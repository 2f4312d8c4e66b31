import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useOpenDatabases } from '../../../../test/helpers/db';
import { useTempHomes } from '../../../../test/helpers/home';
import { runInWriteTransaction } from './open';
import { cachedStatement } from './statements';

const tempHome = useTempHomes();
const open = useOpenDatabases();

describe('cachedStatement', () => {
  it('prepares once per connection and SQL text, and reads what is there now', () => {
    const file = path.join(tempHome().home, 'switchyard.db');
    const db = open(file);
    const other = open(file);
    const sql = "SELECT value FROM meta WHERE key = 'k'";
    const first = cachedStatement(db, sql);
    expect(cachedStatement(db, sql)).toBe(first);
    expect(cachedStatement(other, sql)).not.toBe(first);
    expect(first.get()).toBeUndefined();
    // Written by another connection after the statement was prepared: a kept statement sees it.
    runInWriteTransaction(other, () =>
      other.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run(),
    );
    expect(cachedStatement(db, sql).get()).toEqual({ value: 'v' });
  });

  it('keeps working after the schema changes (SQLite re-prepares it)', () => {
    const db = open(path.join(tempHome().home, 'switchyard.db'));
    const sql = 'SELECT count(*) AS n FROM lane_settings';
    expect(cachedStatement(db, sql).get()).toEqual({ n: 0 });
    db.exec('CREATE TABLE unrelated (x INTEGER)');
    db.exec("INSERT INTO lane_settings (name, paused) VALUES ('a', 1)");
    expect(cachedStatement(db, sql).get()).toEqual({ n: 1 });
  });
});
