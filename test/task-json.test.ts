import { describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../electron/core/store/db/open';
import { eachTaskJson, listTasks, type TaskFilter } from '../electron/core/store/tasks';
import type { JsonLayout } from '../shared/jsonArrayElement';
import { useTempHomes } from './helpers/home';

// Performance issue 17, target 4b: `switchyard list --json` has SQLite write each task's JSON
// (store/tasks.ts eachTaskJson). What it writes must stay, byte for byte, what JSON.stringify of the
// tasks wrote — indented for a terminal, compact one task a line for a program — for any text a
// database can hold and any value another program may have stored.

const tempHome = useTempHomes();

function freshDb(): Db {
  return openDatabase(tempHome().database);
}

/** Inserts a ready task on "default" and sets `columns` on it as they are (any SQLite value). */
function insertTask(db: Db, id: string, createdAt: number, columns: Record<string, unknown> = {}): void {
  db.prepare(
    `INSERT INTO tasks (id, board, title, body, status, priority, created_at, updated_at)
     VALUES (?, 'default', ?, '', 'ready', 0, ?, ?)`,
  ).run(id, `task ${id}`, createdAt, createdAt);
  for (const [column, value] of Object.entries(columns))
    db.prepare(`UPDATE tasks SET ${column} = ? WHERE id = ?`).run(value, id);
}

/** The whole array as `list --json` writes it, from eachTaskJson's elements. */
function arrayText(db: Db, filter: TaskFilter, layout: JsonLayout): string {
  const elements = [...eachTaskJson(db, filter, layout)];
  return elements.length === 0 ? '[]' : `[\n${elements.join(',\n')}\n]`;
}

/** What JSON.stringify writes for `tasks` in `layout`: indented, or each task compact on a line. */
function stringified(tasks: unknown[], layout: JsonLayout): string {
  if (layout === 'pretty') return JSON.stringify(tasks, null, 2);
  return tasks.length === 0 ? '[]' : `[\n${tasks.map((task) => JSON.stringify(task)).join(',\n')}\n]`;
}

/** Every field of a task set, most of them to text a person would not type. */
const EVERY_FIELD = {
  assignee: 'lane-a',
  created_by: 'someone "quoted" \\ back\\slashed',
  started_at: 1_700_000_000_001,
  completed_at: -42,
  workspace: 'dir:/tmp/ü/😀',
  max_runtime_seconds: 0,
  failure_count: Number.MAX_SAFE_INTEGER,
  next_attempt_at: -Number.MAX_SAFE_INTEGER,
  current_run_id: 7,
  result: '',
  last_error: 'line 1\nline 2\r\n\ttabbed\b\f\u0000nul\u001f\u007f\u2028\u2029',
  block_reason: '</script><!-- \u00e9\u0301 \ud83d\ude00',
  claim_owner: 'worker:t_1',
  claim_expires_at: 1,
  last_heartbeat_at: 2,
  approval_required: 1,
  approved_by: 'ann',
  approved_at: 3,
};

describe.each(['pretty', 'lines'] as const)('eachTaskJson (switchyard list --json), %s', (layout) => {
  it('writes what JSON.stringify writes, for every field set and every character', () => {
    const db = freshDb();
    // Every BMP character but the surrogates (which UTF-8 cannot hold), in one body.
    let everyCharacter = '';
    for (let code = 0; code < 0x10000; code++)
      if (code < 0xd800 || code > 0xdfff) everyCharacter += String.fromCharCode(code);
    insertTask(db, 't_00000001', 1, { ...EVERY_FIELD, body: everyCharacter, title: '"\\/\u0000' });
    insertTask(db, 't_00000002', 2, { priority: -3, approval_required: 0 });
    insertTask(db, 't_00000003', 3, { priority: 5, assignee: 'lane-b', body: 'ü'.repeat(3000) });
    // Bytes that are not UTF-8, as another program may have stored them: both ways read them alike.
    db.prepare("UPDATE tasks SET title = CAST(x'41e282ff42c0' AS TEXT) WHERE id = 't_00000002'").run();
    db.prepare(
      "INSERT INTO task_skips (task_id, reason, detail) VALUES ('t_00000002', 'lane_paused', 'paused \"x\"')",
    ).run();
    const tasks = listTasks(db, {});
    expect(tasks).toHaveLength(3);
    expect(arrayText(db, {}, layout)).toBe(stringified(tasks, layout));
    for (const filter of [
      { assignee: 'lane-b' },
      { statuses: ['done' as const] },
      { limit: 2 },
      { text: 'ü' },
    ])
      expect(arrayText(db, filter, layout), JSON.stringify(filter)).toBe(
        stringified(listTasks(db, filter), layout),
      );
    db.close();
  });

  it('is written by SQLite: no JSON.stringify for a task the database holds as Switchyard wrote it', () => {
    const db = freshDb();
    for (let i = 0; i < 200; i++)
      insertTask(db, `t_${String(i).padStart(8, '0')}`, i, i % 2 ? EVERY_FIELD : {});
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const elements = [...eachTaskJson(db, {}, layout)];
      expect(elements).toHaveLength(200);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
    expect(JSON.parse(arrayText(db, {}, layout))).toEqual(listTasks(db, {}));
    db.close();
  });

  it('leaves a REAL, a BLOB or an integer beyond 2^53 to JSON.stringify, from that task on, in one snapshot', () => {
    const db = freshDb();
    for (let i = 0; i < 40; i++) insertTask(db, `t_${String(i).padStart(8, '0')}`, i);
    // Values only another program could have stored; SQLite's JSON of them differs from JavaScript's.
    insertTask(db, 't_real0001', 10.5, { priority: 0, max_runtime_seconds: 1e21 });
    insertTask(db, 't_blob0001', 20.5, { result: Buffer.from([1, 2, 3]) });
    insertTask(db, 't_huge0001', 30.5, { failure_count: 2n ** 60n });
    const expected = stringified(listTasks(db, {}), layout);
    const stringify = vi.spyOn(JSON, 'stringify');
    let text: string;
    try {
      text = arrayText(db, {}, layout);
      // The 11 tasks before the REAL one were SQLite's; it and the 32 after it JavaScript's.
      expect(stringify).toHaveBeenCalledTimes(43 - 11);
    } finally {
      stringify.mockRestore();
    }
    expect(text).toBe(expected);
    // The read transaction it opened is closed, as is one left half-read.
    expect(db.inTransaction).toBe(false);
    const partial = eachTaskJson(db, {}, layout);
    partial.next();
    partial.return();
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it.each([
    ['text in an integer column', { max_runtime_seconds: 'soon' }],
    ['an empty BLOB in a text column of NULLs', { approved_by: Buffer.alloc(0) }],
    ['a BLOB in a text column', { title: Buffer.from('title') }],
    ['a BLOB flag', { approval_required: Buffer.from([1]) }],
  ])('leaves %s to JSON.stringify, from that task on', (_name, columns) => {
    const db = freshDb();
    insertTask(db, 't_00000001', 1);
    insertTask(db, 't_00000002', 2, columns);
    insertTask(db, 't_00000003', 3);
    const stringify = vi.spyOn(JSON, 'stringify');
    let text: string;
    try {
      text = arrayText(db, {}, layout);
      // The first task was SQLite's; the odd one and the one after it JavaScript's.
      expect(stringify).toHaveBeenCalledTimes(2);
    } finally {
      stringify.mockRestore();
    }
    expect(text).toBe(stringified(listTasks(db, {}), layout));
    db.close();
  });
});
