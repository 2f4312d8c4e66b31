import os from 'node:os';
import type { Db } from './db/open';
import { runInWriteTransaction } from './db/open';
import { isProcessAlive } from '../procfs';

/**
 * One dispatcher per database (docs/architecture.md §4): a lease row with owner and heartbeat. A second
 * dispatcher is refused and told who holds it; a dead holder's lease is taken over.
 */

export interface LeaseHolder {
  owner: string;
  pid: number;
  host: string;
  acquiredAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

export type LeaseResult = { acquired: true } | { acquired: false; holder: LeaseHolder };

export const LEASE_TTL_MS = 30_000;

function readLease(db: Db): LeaseHolder | undefined {
  const row = db.prepare('SELECT * FROM dispatcher_lease WHERE id = 1').get() as
    | {
        owner: string;
        pid: number;
        host: string;
        acquired_at: number;
        heartbeat_at: number;
        expires_at: number;
      }
    | undefined;
  return row
    ? {
        owner: row.owner,
        pid: row.pid,
        host: row.host,
        acquiredAt: row.acquired_at,
        heartbeatAt: row.heartbeat_at,
        expiresAt: row.expires_at,
      }
    : undefined;
}

function holderIsGone(holder: LeaseHolder, now: number): boolean {
  if (holder.expiresAt < now) return true;
  // Same machine: a holder whose process has died need not be waited out.
  return holder.host === os.hostname() && !isProcessAlive(holder.pid);
}

/** Takes or renews the lease. */
export function acquireLease(db: Db, owner: string, now: number, ttlMs = LEASE_TTL_MS): LeaseResult {
  return runInWriteTransaction(db, () => {
    const holder = readLease(db);
    if (holder && holder.owner !== owner && !holderIsGone(holder, now)) return { acquired: false, holder };
    const acquiredAt = holder && holder.owner === owner ? holder.acquiredAt : now;
    db.prepare(
      `INSERT INTO dispatcher_lease (id, owner, pid, host, acquired_at, heartbeat_at, expires_at)
       VALUES (1, @owner, @pid, @host, @acquiredAt, @now, @expiresAt)
       ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
         acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
    ).run({ owner, pid: process.pid, host: os.hostname(), acquiredAt, now, expiresAt: now + ttlMs });
    return { acquired: true };
  });
}

export function releaseLease(db: Db, owner: string): void {
  runInWriteTransaction(db, () =>
    db.prepare('DELETE FROM dispatcher_lease WHERE id = 1 AND owner = ?').run(owner),
  );
}

export function currentLease(db: Db): LeaseHolder | undefined {
  return readLease(db);
}

/** The holder of the lease if it is still alive (not expired, its process not gone), else undefined. */
export function liveLeaseHolder(db: Db, now: number): LeaseHolder | undefined {
  const holder = readLease(db);
  return holder && !holderIsGone(holder, now) ? holder : undefined;
}

export function describeHolder(holder: LeaseHolder): string {
  return `${holder.owner} (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.acquiredAt).toISOString()})`;
}
