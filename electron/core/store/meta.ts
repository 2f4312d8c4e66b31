import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** Small persisted switches shared by every process (e.g. the tray's dispatcher on/off). */

export function readMeta(db: Db, key: string): string | undefined {
  return (
    cachedStatement(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
  )?.value;
}

export function writeMeta(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

export const DISPATCHER_ENABLED_KEY = 'dispatcher.enabled';

export function dispatcherEnabled(db: Db): boolean {
  return readMeta(db, DISPATCHER_ENABLED_KEY) !== 'false';
}
