import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { newEngine, writeFastSettings } from '../helpers/engine';
import { useTempHomes } from '../helpers/home';
import { writeHermesFile } from './helpers/hermesFixture';

/**
 * docs/architecture.md §1, issue 17 target 8: `import-hermes` (a CLI process, its batches committed
 * 2,000 tasks at a time with the count triggers kept out of the rows) while a dispatcher ticks on
 * the same database from another process. After every tick, the dispatcher's view must be a board
 * an import could have left between two commits: whole batches only (each task with its mapping and
 * its created event), and count tables equal to a recount. At the end it has judged every imported
 * ready task: none slipped between its cursor and a commit.
 */

const tempHome = useTempHomes();

const BOARD = 'hermes';
const EXTRA_TASKS = 4500;

interface Seen {
  imported: number;
  mapped: number;
  withCreated: number;
  counts: string[];
  recount: string[];
}

/** What another connection sees, in one read transaction. */
function look(reader: Database.Database): Seen {
  return reader.transaction(() => {
    const n = (sql: string): number => (reader.prepare(sql).get(BOARD) as { n: number }).n;
    const rows = (sql: string): string[] =>
      (reader.prepare(sql).all() as Record<string, unknown>[])
        .map((row) => Object.values(row).join('/'))
        .sort();
    return {
      imported: n('SELECT count(*) AS n FROM tasks WHERE board = ?'),
      mapped: n("SELECT count(*) AS n FROM meta WHERE key LIKE 'hermes-import:' || ? || ':%'"),
      withCreated: n("SELECT count(DISTINCT task_id) AS n FROM events WHERE board = ? AND kind = 'created'"),
      counts: [
        ...rows('SELECT status, n FROM task_status_counts WHERE n <> 0'),
        ...rows('SELECT board, lane, status, n FROM task_cell_counts WHERE n <> 0'),
        ...rows('SELECT board, lane, reason, n FROM task_skip_counts WHERE n <> 0'),
      ].sort(),
      recount: [
        ...rows('SELECT status, count(*) FROM tasks GROUP BY status'),
        ...rows(
          "SELECT board, coalesce(assignee, ''), status, count(*) FROM tasks GROUP BY board, assignee, status",
        ),
        ...rows(
          `SELECT t.board, coalesce(t.assignee, ''), s.reason, count(*) FROM tasks t JOIN task_skips s ON s.task_id = t.id
           WHERE t.status = 'ready' GROUP BY t.board, t.assignee, s.reason`,
        ),
      ].sort(),
    };
  })();
}

describe('import-hermes while a dispatcher ticks in another process', () => {
  it('the dispatcher only ever sees whole batches and exact counts, and judges every imported ready task', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    // The fixture's board plus EXTRA_TASKS ready tasks for a lane without a profile (skip: terminal_lane).
    const file = writeHermesFile(paths.home, {
      count: EXTRA_TASKS,
      assignee: (n) => `lane-${n % 7}`,
      title: 'racing',
      createdEvents: true,
    });
    const engine = newEngine(paths);
    const reader = new Database(paths.database, { readonly: true });
    try {
      engine.runTick(); // the database exists and the dispatcher holds the lease before the import starts
      const importing = runCli(paths.home, ['import-hermes', file, '--board', BOARD, '--ready', '--json'], {
        timeoutMs: 120_000,
      });
      let running = true;
      void importing.finally(() => (running = false));
      const seen: Seen[] = [];
      // The reader looks more often than the dispatcher ticks: a tick waits while the import holds
      // the write lock, a read never does, so more of the import's commits are seen.
      for (let turn = 0; running; turn++) {
        if (turn % 4 === 0) engine.runTick();
        seen.push(look(reader));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const result = await importing;
      expect(
        result.stderr
          .split('\n')
          .filter((line) => !line.startsWith('import-hermes: '))
          .join(''),
      ).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { tasks: { imported: number } };
      const total = report.tasks.imported;
      expect(total).toBe(EXTRA_TASKS + 7);
      engine.runTick();
      seen.push(look(reader));

      // It ran while the import committed (more than one state seen), and every state was whole.
      expect(new Set(seen.map((state) => state.imported)).size).toBeGreaterThan(1);
      for (const state of seen) {
        expect(state.imported % 2000 === 0 || state.imported === total).toBe(true);
        expect(state.mapped).toBe(state.imported);
        expect(state.withCreated).toBe(state.imported);
        expect(state.counts).toEqual(state.recount);
      }
      // Every imported ready task of a lane without a profile got its skip reason from the dispatcher
      // (its lane's, stored once for the lane: migration v13; read as every reader reads it).
      const unjudged = reader
        .prepare(
          `SELECT count(*) AS n FROM tasks_with_skips
           WHERE board = ? AND status = 'ready' AND assignee LIKE 'lane-%' AND skip_reason IS NULL`,
        )
        .get(BOARD) as { n: number };
      expect(unjudged.n).toBe(0);
      const judged = reader
        .prepare(
          `SELECT count(*) AS n FROM tasks_with_skips
           WHERE board = ? AND status = 'ready' AND skip_reason = 'terminal_lane'`,
        )
        .get(BOARD) as { n: number };
      expect(judged.n).toBeGreaterThanOrEqual(EXTRA_TASKS);
    } finally {
      reader.close();
      await engine.close();
    }
  }, 180_000);
});
