import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** Small persisted switches shared by every process (e.g. the tray's dispatcher on/off). */

export function readMeta(db: Db, key: string): string | undefined {
  return (
    cachedStatement(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
  )?.value;
}

export function writeMeta(db: Db, key: string, value: string): void {
  cachedStatement(
    db,
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

/**
 * The stored values of many keys in one statement (a bulk writer's batch: the Hermes import maps
 * 500 tasks at a time), key → value for those present.
 */
export function readMetaValues(db: Db, keys: readonly string[]): Map<string, string> {
  const rows = cachedStatement(
    db,
    'SELECT key, value FROM meta WHERE key IN (SELECT value FROM json_each(?))',
  ).all(JSON.stringify(keys)) as { key: string; value: string }[];
  return new Map(rows.map((row) => [row.key, row.value]));
}

/** `writeMeta` of many pairs in one statement (the Hermes import's batch of mappings). */
export function writeMetaValues(db: Db, entries: readonly (readonly [key: string, value: string])[]): void {
  if (entries.length === 0) return;
  cachedStatement(
    db,
    `INSERT INTO meta (key, value) SELECT value ->> 0, value ->> 1 FROM json_each(?) WHERE true
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  ).run(JSON.stringify(entries));
}

const DISPATCHER_ENABLED_KEY = 'dispatcher.enabled';

/**
 * Whether the dispatcher may start workers: the switch stored by the tray, the board or the CLI,
 * else settings.json's `dispatcher.enabled` (`enabledInSettings`). The one reading of this fact:
 * the dispatcher's tick, the engine's state (tray, board, API) all call it.
 */
export function dispatcherEnabled(db: Db, enabledInSettings: boolean): boolean {
  const stored = readMeta(db, DISPATCHER_ENABLED_KEY);
  return stored === undefined ? enabledInSettings : stored === 'true';
}

export function storeDispatcherEnabled(db: Db, enabled: boolean): void {
  writeMeta(db, DISPATCHER_ENABLED_KEY, String(enabled));
}
