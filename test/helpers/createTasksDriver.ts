/**
 * A worker process for the concurrency tests: opens its own connection to the database and calls
 * the core's createTask in a loop. Bundled by `bundleCreateTasksDriver` and run with plain Node.
 *
 * argv: <database file> <count> <actor name> [wait-for-peer]. It prints "ready" once loaded, waits
 * for a line on stdin (so several drivers open the database and write at the same moment), then
 * prints one JSON line: { created, errors, startedAt, finishedAt } (times in ms since the epoch).
 * With `wait-for-peer` it waits after its first task until another actor's task is in the database:
 * each has then written before the other finished, however the two processes were scheduled (on a
 * fast machine one could write its 500 before the other had run at all).
 */
import { createTask } from '../../electron/core/commands/taskCommands';
import { openDatabase } from '../../electron/core/store/db/open';

async function main(): Promise<void> {
  const [file, countText, actorName, mode] = process.argv.slice(2);
  if (!file || !countText || !actorName) throw new Error('usage: driver DB COUNT ACTOR');
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  // Opened only after "go", so that several drivers also race to create and migrate the database.
  const db = openDatabase(file);
  const startedAt = Date.now();
  const errors: string[] = [];
  let created = 0;
  for (let i = 0; i < Number(countText); i++) {
    try {
      createTask(db, { title: `${actorName} task ${i}` }, { name: actorName });
      created++;
    } catch (error) {
      errors.push(`${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
    }
    if (i === 0 && mode === 'wait-for-peer' && !peerHasWritten(db, actorName)) {
      errors.push('no other writer wrote within 60 s');
      break;
    }
  }
  const finishedAt = Date.now();
  db.close();
  process.stdout.write(`${JSON.stringify({ created, errors, startedAt, finishedAt })}\n`);
  process.stdin.destroy();
}

/** Waits (up to 60 s) until a task of another actor is in the database; false if none came. */
function peerHasWritten(db: ReturnType<typeof openDatabase>, actorName: string): boolean {
  const others = db.prepare('SELECT 1 FROM tasks WHERE created_by <> ? LIMIT 1').pluck();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const giveUpAt = Date.now() + 60_000;
  while (Date.now() < giveUpAt) {
    if (others.get(actorName) !== undefined) return true;
    Atomics.wait(pause, 0, 0, 2);
  }
  return false;
}

main().catch((error: unknown) => {
  process.stderr.write(`driver failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
