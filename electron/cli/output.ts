import type { Task } from '../../shared/domain';
import { SKIP_REASON_LABELS } from '../../shared/constants';
import { jsonArrayElement, type JsonLayout } from '../../shared/jsonArrayElement';

/** Human-readable output; `--json` output goes through `printJson` and stays stable. */

export interface Output {
  /** One line (a newline is added). */
  out(text: string): void;
  err(text: string): void;
  /** Part of the standard output, as is: for output written in pieces (`printJsonArray`). */
  write(text: string): void;
  /** How `--json` output is laid out here (stdio.ts `jsonLayoutOfStandardOutput` for a process). */
  jsonLayout(): JsonLayout;
}

/**
 * `value` as `--json` writes it in `layout`: `JSON.stringify(value, null, 2)` for `pretty`; for
 * `lines`, the value compact on one line, or for an array `[`, each element compact on a line of its
 * own, and `]`. Both are the same JSON value.
 */
export function jsonText(value: unknown, layout: JsonLayout): string {
  if (layout === 'pretty') return JSON.stringify(value, null, 2);
  if (!Array.isArray(value)) return JSON.stringify(value);
  return value.length === 0
    ? '[]'
    : `[\n${Array.from(value, (item) => jsonArrayElement(item, layout)).join(',\n')}\n]`;
}

export function printJson(output: Output, value: unknown): void {
  output.out(jsonText(value, output.jsonLayout()));
}

/** How much text `printJsonArray` gathers before writing. */
const JSON_CHUNK_CHARS = 64 * 1024;

/**
 * The same text as `printJson(output, [...values])`, from each value's text as an element of that
 * array in `output.jsonLayout()` (`jsonArrayElement`, shared/jsonArrayElement.ts; for tasks,
 * store/tasks.ts `eachTaskJson`), written in pieces as the elements come: `list --json` of 20,000
 * tasks (18 MB indented, 15 MB in lines) never holds all the tasks, nor the whole text, nor its
 * bytes at once (performance issue 17, target 4b). Both layouts put `[`, each element and `]` on
 * lines of their own; only the elements differ.
 */
export function printJsonArray(output: Output, elements: Iterable<string>): void {
  let pending = '[';
  let empty = true;
  for (const element of elements) {
    pending += empty ? `\n${element}` : `,\n${element}`;
    empty = false;
    if (pending.length >= JSON_CHUNK_CHARS) {
      output.write(pending);
      pending = '';
    }
  }
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
