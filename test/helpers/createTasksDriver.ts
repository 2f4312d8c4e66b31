/**
 * A worker process for the concurrency tests: opens its own connection to the database and calls
 * the core's createTask in a loop. Bundled by `bundleCreateTasksDriver` and run with plain Node.
 *
 * argv: <database file> <count> <actor name>. It prints "ready" once loaded, waits for a line on
 * stdin (so several drivers open the database and write at the same moment), then prints one JSON
 * line: { created, errors, startedAt, finishedAt } (times in ms since the epoch).
 */
import { createTask } from '../../electron/core/commands/taskCommands';
import { openDatabase } from '../../electron/core/store/db/open';

async function main(): Promise<void> {
  const [file, countText, actorName] = process.argv.slice(2);
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
  }
  const finishedAt = Date.now();
  db.close();
  process.stdout.write(`${JSON.stringify({ created, errors, startedAt, finishedAt })}\n`);
  process.stdin.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`driver failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
