import { afterEach, describe, expect, it } from 'vitest';
import * as commands from '../electron/core/commands/taskCommands';
import type { Engine } from '../electron/core/dispatch/engine';
import * as tasks from '../electron/core/store/tasks';
import { useTempHomes } from './helpers/home';
import { recordPrepared } from './helpers/statements';
import { newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';

const newHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

/**
 * Performance issue 17, target 3a (ready → spawned): compiling a statement that writes `tasks` also
 * compiles every trigger on it (~0.13 ms on "large"), and the claim → spawn → record path ran a dozen
 * such `db.prepare` calls for every worker it started. Kept statements (store/db/statements.ts) are
 * compiled once per connection: the second task a lane starts compiles none of them again.
 */
describe('the create → claim → spawn → record path', () => {
  it('compiles its statements once per connection, not once per worker', async () => {
    // The create and the promotion step that the new task's event runs are on the path too.
    const paths = newHome();
    writeFastSettings(paths);
    writeAgentProfile(paths, 'coder', 'exit0.mjs');
    const engine = newEngine(paths);
    engines.push(engine);
    const actor = { name: 'test' };
    const done = (id: string) => tasks.findTask(engine.db, id)?.status === 'done';

    const first = commands.createTask(
      engine.db,
      { title: 'first', assignee: 'coder', status: 'ready' },
      actor,
    );
    engine.start();
    await waitFor(() => done(first.id), 'the first task done');

    const prepared = recordPrepared(engine.db);
    // `db.pragma()` and `db.exec()` compile their SQL on every call too (natively, so they are
    // counted here), and `db.transaction(fn)` builds a new transaction function each time.
    const compiledElsewhere: string[] = [];
    for (const method of ['pragma', 'exec', 'transaction'] as const) {
      const original = (engine.db[method] as (...args: unknown[]) => unknown).bind(engine.db);
      (engine.db as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        compiledElsewhere.push(`${method}: ${String(args[0]).slice(0, 40)}`);
        return original(...args);
      };
    }
    const second = commands.createTask(
      engine.db,
      { title: 'second', assignee: 'coder', status: 'ready' },
      actor,
    );
    engine.wake();
    await waitFor(() => done(second.id), 'the second task done');

    const claimPath = [
      'SELECT * FROM boards WHERE slug', // the create's board
      'INSERT INTO tasks (', // the task (its triggers compile with it)
      'SELECT DISTINCT child_id FROM task_links', // promotion: the changed tasks' children
      'SELECT t.id FROM tasks t WHERE t.id IN (SELECT value FROM json_each', // promotion: which may move
      'SELECT w.*, t.status AS task_status', // the worktrees whose base may have moved
      "UPDATE tasks SET status = 'running'", // the claim
      'DELETE FROM task_skips WHERE task_id', // its skip reason cleared
      'INSERT INTO runs ', // the run
      'UPDATE runs SET log_path', // its log
      'UPDATE runs SET secret_hash', // its worker's secret
      'UPDATE tasks SET current_run_id', // the task's current run
      'SELECT * FROM runs WHERE id', // still open?
      'UPDATE runs SET pid', // the pid recorded
      'SELECT * FROM comments WHERE task_id', // the prompt's comments
      'SELECT t.id, t.title, t.status, t.result FROM task_links', // the prompt's parents
      'DELETE FROM task_followups WHERE task_id', // a waiting follow-up taken
      'SELECT followup, outcome FROM runs', // a follow-up to retry
      'UPDATE runs SET ended_at', // the run closed at exit
    ];
    const compiledAgain = prepared.filter((sql) => claimPath.some((start) => sql.startsWith(start)));
    expect(compiledAgain).toEqual([]);
    // The write-lock probe before each tick (waitForWriteLock) and the write transactions.
    expect(compiledElsewhere).toEqual([]);
  });
});
