import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/** Per-lane switches set from the UI or CLI; they win over lanes.json and profile defaults. */

export interface LaneOverride {
  name: string;
  paused: boolean | null;
  maxConcurrent: number | null;
}

export function laneOverrides(db: Db): Map<string, LaneOverride> {
  const rows = cachedStatement(db, 'SELECT name, paused, max_concurrent FROM lane_settings').all() as {
    name: string;
    paused: number | null;
    max_concurrent: number | null;
  }[];
  return new Map(
    rows.map((row) => [
      row.name,
      {
        name: row.name,
        paused: row.paused === null ? null : row.paused === 1,
        maxConcurrent: row.max_concurrent,
      },
    ]),
  );
}

export function setLanePausedRow(db: Db, name: string, paused: boolean): void {
  db.prepare(
    'INSERT INTO lane_settings (name, paused) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET paused = excluded.paused',
  ).run(name, paused ? 1 : 0);
}

export function setLaneMaxConcurrentRow(db: Db, name: string, maxConcurrent: number): void {
  db.prepare(
    'INSERT INTO lane_settings (name, max_concurrent) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET max_concurrent = excluded.max_concurrent',
  ).run(name, maxConcurrent);
}
