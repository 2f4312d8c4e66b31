import type { SkipReason } from '../../../shared/domain';
import type { Db } from './db/open';
import { cachedStatement } from './db/statements';

/**
 * A verdict that holds for every ready task of a lane (migration v13), stored once for the lane:
 * `tasks_with_skips` shows it on the lane's ready, unclaimed tasks in place of their own rows.
 * The Unassigned lane is ''.
 */
export interface LaneSkip {
  reason: SkipReason;
  detail: string | null;
}

/** Every stored lane verdict, by lane. */
export function laneSkipRows(db: Db): Map<string, LaneSkip> {
  const rows = cachedStatement(db, 'SELECT lane, reason, detail FROM lane_skips').all() as ({
    lane: string;
  } & LaneSkip)[];
  return new Map(rows.map((row) => [row.lane, { reason: row.reason, detail: row.detail }]));
}

/** Stores (or, for null, removes) the verdict of each lane named; callers own the transaction. */
export function writeLaneSkips(db: Db, changes: ReadonlyMap<string, LaneSkip | null>): void {
  const store = cachedStatement(
    db,
    `INSERT INTO lane_skips (lane, reason, detail) VALUES (@lane, @reason, @detail)
     ON CONFLICT (lane) DO UPDATE SET reason = excluded.reason, detail = excluded.detail`,
  );
  const clear = cachedStatement(db, 'DELETE FROM lane_skips WHERE lane = ?');
  for (const [lane, skip] of changes) {
    if (skip === null) clear.run(lane);
    else store.run({ lane, reason: skip.reason, detail: skip.detail });
  }
}
