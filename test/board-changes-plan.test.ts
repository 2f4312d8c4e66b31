import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import * as commands from '../electron/core/commands/taskCommands';
import { openDatabase, type Db } from '../electron/core/store/db/open';
import { boardTaskChanges, insertTaskWorktree } from '../electron/core/store/repositories';
import { useTempHomes } from './helpers/home';

const newHome = useTempHomes();
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

/** `db` whose statements record their query plan (for the board 'default') as they are prepared. */
function recordingPlans(db: Db, plans: string[]): Db {
  const prepare = db.prepare.bind(db);
  return Object.assign(Object.create(db) as Database.Database, {
    prepare: (sql: string) => {
      const rows = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(sql.includes('?') ? ['default'] : [])) as {
        detail: string;
      }[];
      for (const row of rows) plans.push(row.detail);
      return prepare(sql);
    },
  });
}

/**
 * Performance issue 17, target 7: the board asks for its change cards (`boardChanges`) as it opens.
 * The query walked every task of the board looking for a worktree row (100,000 tasks on "large":
 * ~190 ms cold, with no worktree at all), holding the snapshot asked just after it.
 */
describe("a board's change cards", () => {
  it("are the board's worktree tasks, read from the worktrees and each task by its id", () => {
    const db = openDatabase(newHome().database);
    opened.push(db);
    const actor = { name: 'test' };
    commands.createBoard(db, 'other', undefined);
    const ids = Array.from(
      { length: 20 },
      (_, i) => commands.createTask(db, { board: 'default', title: `task ${i}` }, actor).id,
    );
    const elsewhere = commands.createTask(db, { board: 'other', title: 'elsewhere' }, actor).id;
    const worktree = (taskId: string) =>
      insertTaskWorktree(
        db,
        {
          taskId,
          repo: '/repo',
          baseBranch: 'main',
          branch: `switchyard/${taskId}`,
          path: `/w/${taskId}`,
          baseCommit: 'abc',
          holdChildren: false,
        },
        Date.now(),
      );
    const [kept, archived] = [ids[3] as string, ids[7] as string];
    for (const id of [kept, archived, elsewhere]) worktree(id);
    commands.archiveTask(db, archived, actor);

    const plans: string[] = [];
    const rows = boardTaskChanges(recordingPlans(db, plans), 'default');

    expect(rows.map((row) => row.taskId)).toEqual([kept]);
    expect(rows[0]).toMatchObject({ board: 'default', status: 'ready', summary: null, reviewWaived: false });
    // Worktrees first; a task only by its key, never a search through the board's tasks.
    expect(plans[0]).toMatch(/^SCAN w\b/);
    expect(plans.slice(1)).toEqual([expect.stringMatching(/^SEARCH t USING .*\(id=\?\)$/)]);
  });
});
