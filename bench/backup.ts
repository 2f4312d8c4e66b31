import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { engineDailyBackup } from '../electron/core/dispatch/housekeeping';
import { openDatabase } from '../electron/core/store/db/open';
import { prepareLoopWindow } from './loopWindow';
import { threadSnapshot } from './threadCpu';

/**
 * The daily backup on "large" (electron/core/store/backup.ts, housekeeping.ts): the engine makes it
 * once a day on its own thread's event loop, so its figure is that loop's longest wait while the
 * backup runs, from the copy's first step to the copy renamed into place. Each round makes a new
 * daily in an empty folder from the same database (opened as the engine opens it).
 */

export interface BackupRound {
  /** monitorEventLoopDelay's max during the backup (resolution 5 ms: an idle loop reads ~5 ms). */
  loopMaxMs: number;
  wallMs: number;
  /** CPU time of the main thread (schedstat) during the backup. */
  mainThreadCpuMs: number;
  bytes: number;
  /** The longest 10 ms timer gap and what filled it; the threads' times and the CPU stalls. */
  detail: string;
}

/** The longest of the loop window's timers (the gap probe's interval; the histogram's is 5 ms). */
const LOOP_TIMER_MS = 10;

const mainThreadRunMs = (): number => (threadSnapshot().get(process.pid)?.runNs ?? 0) / 1e6;

/** Backs up `database` `rounds` times into fresh folders beside it (removed after each round). */
export async function backupRounds(database: string, rounds: number): Promise<BackupRound[]> {
  const db = openDatabase(database);
  const results: BackupRound[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      const folder = fs.mkdtempSync(path.join(path.dirname(database), 'bench-backups-'));
      try {
        const window = await prepareLoopWindow();
        window.open();
        const ranBefore = mainThreadRunMs();
        const started = performance.now();
        const made = await engineDailyBackup(db, folder, 1, undefined);
        const wallMs = performance.now() - started;
        const mainThreadCpuMs = mainThreadRunMs() - ranBefore;
        // The loop's timers get their turn after the backup's last step, so that a wait it ended
        // with is recorded too (closed at once, the histogram never saw a settling done in place).
        await new Promise((resolve) => setTimeout(resolve, 3 * LOOP_TIMER_MS));
        const figures = await window.close();
        results.push({
          loopMaxMs: figures.maxMs,
          wallMs,
          mainThreadCpuMs,
          bytes: made?.bytes ?? 0,
          detail: `${figures.gapText}; ${figures.threadsText}`,
        });
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    }
  } finally {
    db.close();
  }
  return results;
}
