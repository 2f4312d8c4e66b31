/**
 * How `--json` output is laid out: `pretty` is `JSON.stringify(value, null, 2)`, for a person at a
 * terminal; `lines` is the same value compact, an array's elements one a line, for a program
 * reading it (`grep`, `wc -l` and `jq` work on it). The CLI picks one for its standard output
 * (electron/cli/stdio.ts `jsonLayoutOfStandardOutput`).
 */
export type JsonLayout = 'pretty' | 'lines';

/**
 * The text of `value` as one element of an array in `layout` (electron/cli/output.ts `jsonText`):
 * indented by two spaces for `pretty`, compact on one line for `lines`. `switchyard list --json`
 * writes its array element by element (electron/cli/output.ts `printJsonArray`), most of them
 * written by SQLite (electron/core/store/tasks.ts `eachTaskJson`), so that the whole is the same text.
 */
export function jsonArrayElement(value: unknown, layout: JsonLayout): string {
  return layout === 'pretty'
    ? JSON.stringify([value], null, 2).slice(2, -2)
    : JSON.stringify([value]).slice(1, -1);
}
