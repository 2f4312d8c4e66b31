import fs from 'node:fs';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../errors';

/**
 * Reads a Hermes Agent kanban database (the source of `switchyard import-hermes`). The file is
 * opened read-only and never changed; older Hermes versions lack some tables and columns, so a
 * missing table reads as no rows.
 */

export type HermesRow = Record<string, unknown>;

export interface HermesRows {
  tasks: HermesRow[];
  comments: HermesRow[];
  runs: HermesRow[];
  events: HermesRow[];
  links: HermesRow[];
}

function columnsOf(source: Database.Database, table: string): Set<string> {
  return new Set(
    (source.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map(
      (column) => column.name,
    ),
  );
}

/** Every row of a table in rowid order, or [] when this Hermes version has no such table. */
function rowsOf(source: Database.Database, table: string): HermesRow[] {
  if (columnsOf(source, table).size === 0) return [];
  return source.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all() as HermesRow[];
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

/** Every row the import needs, read in one transaction (a consistent snapshot of the file). */
export function readHermesRows(file: string): HermesRows {
  const source = openHermes(file);
  try {
    source.exec('BEGIN');
    const rows: HermesRows = {
      tasks: rowsOf(source, 'tasks'),
      comments: rowsOf(source, 'task_comments'),
      runs: rowsOf(source, 'task_runs'),
      events: rowsOf(source, 'task_events'),
      links: rowsOf(source, 'task_links'),
    };
    source.exec('COMMIT');
    return rows;
  } finally {
    if (source.inTransaction) source.exec('ROLLBACK');
    source.close();
  }
}

/** A Hermes task row with its comments, runs and events (each in the file's rowid order). */
export interface HermesTaskRows {
  task: HermesRow;
  comments: HermesRow[];
  runs: HermesRow[];
  events: HermesRow[];
}

/** A Hermes file read a task at a time (performance issue 17, target 8: no whole-file arrays). */
export interface HermesStream {
  /** How many task rows the file has (for a progress line). */
  taskCount: number;
  /** Every task with its rows, in order of the task id as text. */
  tasks(): Generator<HermesTaskRows>;
  /** Every link row, in rowid order. */
  links(): Generator<HermesRow>;
  close(): void;
}

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
 * table sort somewhere in between and are passed over.
 */
class RowsByTask {
  private next: IteratorResult<HermesRow>;

  constructor(private readonly rows: IterableIterator<HermesRow>) {
    this.next = rows.next();
  }

  take(key: string): HermesRow[] {
    const taken: HermesRow[] = [];
    while (!this.next.done) {
      const rowKey = this.next.value[KEY] as string;
      if (rowKey !== key && compareKeys(rowKey, key) > 0) break;
      if (rowKey === key) taken.push(this.next.value);
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
  const close = (): void => {
    for (const connection of opened.splice(0)) {
      if (connection.inTransaction) connection.exec('ROLLBACK');
      connection.close();
    }
  };
  try {
    const main = open();
    const taskCount = (main.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
    const childRows = (table: string): IterableIterator<HermesRow> => {
      const connection = open();
      if (columnsOf(connection, table).size === 0) return [][Symbol.iterator]();
      return connection
        .prepare(
          `SELECT *, CAST(task_id AS TEXT) AS ${KEY} FROM "${table}" WHERE task_id IS NOT NULL
           ORDER BY ${KEY} COLLATE BINARY, rowid`,
        )
        .iterate() as IterableIterator<HermesRow>;
    };
    return {
      taskCount,
      *tasks() {
        const comments = new RowsByTask(childRows('task_comments'));
        const runs = new RowsByTask(childRows('task_runs'));
        const events = new RowsByTask(childRows('task_events'));
        // When every id is text (Hermes writes them so), ordering by the column itself gives the
        // same order and lets SQLite walk the primary key's index instead of sorting the whole
        // table (~0.2 s of 100,000 tasks); the check reads that index alone.
        const idsAreText =
          main.prepare("SELECT 1 FROM tasks WHERE typeof(id) NOT IN ('text', 'null') LIMIT 1").get() ===
          undefined;
        const tasks = main
          .prepare(
            `SELECT *, CAST(id AS TEXT) AS ${KEY} FROM tasks WHERE id IS NOT NULL
             ORDER BY ${idsAreText ? 'id' : KEY} COLLATE BINARY, rowid`,
          )
          .iterate() as IterableIterator<HermesRow>;
        for (const task of tasks) {
          const key = task[KEY] as string;
          yield { task, comments: comments.take(key), runs: runs.take(key), events: events.take(key) };
        }
      },
      *links() {
        const connection = open();
        if (columnsOf(connection, 'task_links').size === 0) return;
        yield* connection
          .prepare('SELECT * FROM task_links ORDER BY rowid')
          .iterate() as IterableIterator<HermesRow>;
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
