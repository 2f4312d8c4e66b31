import type { Task } from '../../shared/domain';
import { SKIP_REASON_LABELS } from '../../shared/constants';

/** Human-readable output; `--json` output goes through `printJson` and stays stable. */

export interface Output {
  /** One line (a newline is added). */
  out(text: string): void;
  err(text: string): void;
  /** Part of the standard output, as is: for output written in pieces (`printJsonArray`). */
  write(text: string): void;
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** How many items `printJsonArray` turns into text at once, and how much text it gathers before writing. */
const JSON_BATCH_ITEMS = 64;
const JSON_CHUNK_CHARS = 64 * 1024;

/**
 * The same text as `printJson(output, [...items])`, written in pieces as the items come: `list
 * --json` of 20,000 tasks (18 MB) never holds all the tasks, nor the whole text, nor its bytes at
 * once — those copies and their garbage collection were most of its time (performance issue 17,
 * target 4b). Items are stringified 64 at a time as an array, whose text between `[\n` and `\n]`
 * is exactly theirs inside the whole array (indented, `,\n` between them); batches of 64 measured
 * faster than one item at a time re-indented, and faster than larger batches.
 */
export function printJsonArray(output: Output, items: Iterable<unknown>): void {
  let pending = '[';
  let empty = true;
  let batch: unknown[] = [];
  const addBatch = (): void => {
    pending += `${empty ? '\n' : ',\n'}${JSON.stringify(batch, null, 2).slice(2, -2)}`;
    empty = false;
    batch = [];
    if (pending.length >= JSON_CHUNK_CHARS) {
      output.write(pending);
      pending = '';
    }
  };
  for (const item of items) {
    batch.push(item);
    if (batch.length === JSON_BATCH_ITEMS) addBatch();
  }
  if (batch.length > 0) addBatch();
  output.write(empty ? `${pending}]\n` : `${pending}\n]\n`);
}

function clip(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > width ? `${oneLine.slice(0, width - 1)}…` : oneLine;
}

export function taskLine(task: Task): string {
  const assignee = task.assignee ?? '-';
  const skip = task.skipReason ? `  [${SKIP_REASON_LABELS[task.skipReason]}]` : '';
  return `${task.id}  ${task.status.padEnd(8)} ${String(task.priority).padStart(4)}  ${clip(assignee, 20).padEnd(20)} ${clip(task.title, 70)}${skip}`;
}

export function taskTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return 'No tasks.';
  const header = `${'ID'.padEnd(10)}  ${'STATUS'.padEnd(8)} ${'PRI'.padStart(4)}  ${'ASSIGNEE'.padEnd(20)} TITLE`;
  return [header, ...tasks.map(taskLine)].join('\n');
}

export function formatTime(ms: number | null): string {
  return ms === null
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

/** 45 s, 3 min 20 s, 2 h 5 min: how long a run took or has been running. */
export function formatDurationMs(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
