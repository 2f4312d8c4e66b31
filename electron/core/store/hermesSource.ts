import fs from 'node:fs';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../errors';

/**
 * Reads a Hermes Agent kanban database (the source of `switchyard import-hermes`). The file is
 * opened read-only and never changed; older Hermes versions lack some tables and columns, so a
 * missing table reads as no rows.
 */

function columnsOf(source: Database.Database, table: string): Set<string> {
  return new Set(
    (source.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map(
      (column) => column.name,
    ),
  );
}

/**
 * The other boards whose databases have a tasks table with id and title: imported as Hermes they
 * would come over as triage tasks of unknown statuses. Each is told apart by what only it has.
 */
function otherBoardDatabase(
  source: Database.Database,
  taskColumns: ReadonlySet<string>,
): { what: string; hint: (file: string) => string } | null {
  if (taskColumns.has('project_id') && columnsOf(source, 'projects').size > 0)
    return {
      what: 'a Vibe Kanban database',
      hint: (file) => `\`switchyard import-vibe-kanban ${file}\` imports it`,
    };
  if (taskColumns.has('board') && columnsOf(source, 'lane_skips').size > 0)
    return {
      what: 'a Switchyard database',
      hint: () => '`switchyard export` it there and `switchyard import` the export here',
    };
  return null;
}

function openHermes(file: string): Database.Database {
  if (!fs.existsSync(file)) throw new SwitchyardError('not_found', `no such file: ${file}`);
  let source: Database.Database;
  try {
    source = new Database(file, { readonly: true, fileMustExist: true });
    source.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new SwitchyardError('invalid_input', `cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    const taskColumns = columnsOf(source, 'tasks');
    if (!taskColumns.has('id') || !taskColumns.has('title'))
      throw new SwitchyardError(
        'invalid_input',
        `${file} is not a Hermes kanban database (no tasks table with id and title)`,
      );
    const other = otherBoardDatabase(source, taskColumns);
    if (other)
      throw new SwitchyardError(
        'invalid_input',
        `${file} is ${other.what}, not a Hermes board: ${other.hint(file)}`,
      );
  } catch (error) {
    source.close();
    if (error instanceof SwitchyardError) throw error;
    throw new SwitchyardError(
      'invalid_input',
      `${file} is not a readable SQLite database: ${(error as Error).message}`,
    );
  }
  return source;
}

/**
 * The columns the import reads, per table (issue 17, target 8: a Hermes task row has ~25 columns
 * and the import uses 18; row objects of only these, built from raw rows, read in under half the
 * time of `SELECT *` objects). A column an older Hermes file lacks reads as NULL. The JSON export's
 * Hermes-shaped database (hermesJsonExport.ts) is written with the same task columns.
 */
export const HERMES_TASK_COLUMNS = [
  'id',
  'title',
  'body',
  'assignee',
  'status',
  'priority',
  'created_by',
  'created_at',
  'started_at',
  'completed_at',
  'workspace_kind',
  'workspace_path',
  'max_runtime_seconds',
  'consecutive_failures',
  'spawn_failures',
  'result',
  'last_spawn_error',
  'last_heartbeat_at',
] as const;
const COMMENT_COLUMNS = ['author', 'body', 'created_at'] as const;
const RUN_COLUMNS = [
  'id',
  'profile',
  'worker_pid',
  'started_at',
  'ended_at',
  'outcome',
  'summary',
  'error',
] as const;
const EVENT_COLUMNS = ['id', 'run_id', 'kind', 'payload', 'created_at'] as const;
const LINK_COLUMNS = ['parent_id', 'child_id'] as const;

type RowOf<Columns extends readonly string[]> = { readonly [Column in Columns[number]]: unknown };
export type HermesTask = RowOf<typeof HERMES_TASK_COLUMNS>;
export type HermesComment = RowOf<typeof COMMENT_COLUMNS>;
export type HermesRun = RowOf<typeof RUN_COLUMNS>;
export type HermesEvent = RowOf<typeof EVENT_COLUMNS>;
export type HermesLink = RowOf<typeof LINK_COLUMNS>;

/** A Hermes task row with its comments, runs and events (each in the file's rowid order). */
export interface HermesTaskRows {
  task: HermesTask;
  comments: HermesComment[];
  runs: HermesRun[];
  events: HermesEvent[];
}

/** A Hermes file read a task at a time (performance issue 17, target 8: no whole-file arrays). */
export interface HermesStream {
  /** How many task rows the file has (for a progress line). */
  taskCount: number;
  /** Every task with its rows, in order of the task id as text. */
  tasks(): Generator<HermesTaskRows>;
  /** Every link row, in rowid order. */
  links(): Generator<HermesLink>;
  close(): void;
}

/** `"column"` where the table has it, else `NULL AS "column"`: every row has the same fields. */
function selectList(source: Database.Database, table: string, columns: readonly string[]): string {
  const present = columnsOf(source, table);
  return columns.map((column) => (present.has(column) ? `"${column}"` : `NULL AS "${column}"`)).join(', ');
}

// Rows are read raw (arrays) and made into objects here: an object literal of fixed fields costs
// far less than the objects better-sqlite3 builds by column name. The key comes last.
const taskOf = (r: unknown[]): HermesTask => ({
  id: r[0],
  title: r[1],
  body: r[2],
  assignee: r[3],
  status: r[4],
  priority: r[5],
  created_by: r[6],
  created_at: r[7],
  started_at: r[8],
  completed_at: r[9],
  workspace_kind: r[10],
  workspace_path: r[11],
  max_runtime_seconds: r[12],
  consecutive_failures: r[13],
  spawn_failures: r[14],
  result: r[15],
  last_spawn_error: r[16],
  last_heartbeat_at: r[17],
});
const commentOf = (r: unknown[]): HermesComment => ({ author: r[0], body: r[1], created_at: r[2] });
const runOf = (r: unknown[]): HermesRun => ({
  id: r[0],
  profile: r[1],
  worker_pid: r[2],
  started_at: r[3],
  ended_at: r[4],
  outcome: r[5],
  summary: r[6],
  error: r[7],
});
const eventOf = (r: unknown[]): HermesEvent => ({
  id: r[0],
  run_id: r[1],
  kind: r[2],
  payload: r[3],
  created_at: r[4],
});

/** The task id as text, the key the task rows and their comments, runs and events are ordered by. */
const KEY = 'switchyard_import_key';

/**
 * SQLite orders text by its UTF-8 bytes (BINARY); JavaScript's `<` compares UTF-16 code units,
 * which differs for characters past U+FFFF. The merge below must agree with SQLite's order.
 */
function compareKeys(a: string, b: string): number {
  // Without encoding either string (twice per task and table, a tenth of the reading in a profile):
  // the first code unit that differs decides, as in UTF-16, except where a surrogate (half of a
  // character past U+FFFF) meets a unit of U+E000…U+FFFF, which is the smaller character.
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate && y >= 0xe000) return 1;
    if (ySurrogate && x >= 0xe000) return -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * One table's rows in task order, handed out a task at a time. Rows whose task is not in the tasks
 * table sort somewhere in between and are passed over. Each raw row ends with its task's key.
 */
class RowsByTask<Row> {
  private next: IteratorResult<unknown[]>;

  constructor(
    private readonly rows: IterableIterator<unknown[]>,
    private readonly rowOf: (raw: unknown[]) => Row,
  ) {
    this.next = rows.next();
  }

  take(key: string): Row[] {
    const taken: Row[] = [];
    while (!this.next.done) {
      const raw = this.next.value;
      const rowKey = raw[raw.length - 1] as string;
      if (rowKey !== key && compareKeys(rowKey, key) > 0) break;
      if (rowKey === key) taken.push(this.rowOf(raw));
      this.next = this.rows.next();
    }
    return taken;
  }
}

/**
 * Opens `file` for a streaming import. better-sqlite3 allows one running iterator per connection,
 * so the tasks and each child table are read through a read-only connection of their own, each in
 * one read transaction, and merged on the task id: SQLite sorts (spilling to temporary files, not
 * into this process's heap) and the import holds one task's rows at a time. A file another program
 * writes to meanwhile may show each table as of a slightly different moment; rows of a task not in
 * the tasks table's snapshot are passed over.
 */
export function openHermesStream(file: string): HermesStream {
  const opened: Database.Database[] = [];
  const open = (): Database.Database => {
    const connection = openHermes(file);
    opened.push(connection);
    connection.exec('BEGIN');
    return connection;
  };
  /** Every query being read: one not read to its end must be ended before its connection closes. */
  const reading: IterableIterator<unknown[]>[] = [];
  const iterate = (statement: Database.Statement): IterableIterator<unknown[]> => {
    const rows = statement.raw().iterate() as IterableIterator<unknown[]>;
    reading.push(rows);
    return rows;
  };
  const close = (): void => {
    for (const rows of reading.splice(0)) rows.return?.();
    for (const connection of opened.splice(0)) {
      if (connection.inTransaction) connection.exec('ROLLBACK');
      connection.close();
    }
  };
  try {
    const main = open();
    const taskCount = (main.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
    const childRows = <Row>(
      table: string,
      columns: readonly string[],
      rowOf: (raw: unknown[]) => Row,
    ): RowsByTask<Row> => {
      const connection = open();
      if (columnsOf(connection, table).size === 0) return new RowsByTask([][Symbol.iterator](), rowOf);
      const rows = iterate(
        connection.prepare(
          `SELECT ${selectList(connection, table, columns)}, CAST(task_id AS TEXT) AS ${KEY} FROM "${table}"
           WHERE task_id IS NOT NULL ORDER BY ${KEY} COLLATE BINARY, rowid`,
        ),
      );
      return new RowsByTask(rows, rowOf);
    };
    return {
      taskCount,
      *tasks() {
        const comments = childRows('task_comments', COMMENT_COLUMNS, commentOf);
        const runs = childRows('task_runs', RUN_COLUMNS, runOf);
        const events = childRows('task_events', EVENT_COLUMNS, eventOf);
        // When every id is text (Hermes writes them so), ordering by the column itself gives the
        // same order and lets SQLite walk the primary key's index instead of sorting the whole
        // table (~0.2 s of 100,000 tasks); the check reads that index alone.
        const idsAreText =
          main.prepare("SELECT 1 FROM tasks WHERE typeof(id) NOT IN ('text', 'null') LIMIT 1").get() ===
          undefined;
        const tasks = iterate(
          main.prepare(
            `SELECT ${selectList(main, 'tasks', HERMES_TASK_COLUMNS)}, CAST(id AS TEXT) AS ${KEY} FROM tasks
             WHERE id IS NOT NULL ORDER BY ${idsAreText ? 'id' : KEY} COLLATE BINARY, rowid`,
          ),
        );
        for (const raw of tasks) {
          const key = raw[HERMES_TASK_COLUMNS.length] as string;
          yield {
            task: taskOf(raw),
            comments: comments.take(key),
            runs: runs.take(key),
            events: events.take(key),
          };
        }
      },
      *links() {
        const connection = open();
        if (columnsOf(connection, 'task_links').size === 0) return;
        const links = iterate(
          connection.prepare(
            `SELECT ${selectList(connection, 'task_links', LINK_COLUMNS)} FROM task_links ORDER BY rowid`,
          ),
        );
        for (const raw of links) yield { parent_id: raw[0], child_id: raw[1] };
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
