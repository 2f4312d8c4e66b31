/**
 * The text `JSON.stringify(array, null, 2)` writes for `value` as one element of an array: the
 * value's JSON indented by two spaces. `switchyard list --json` writes its array element by element
 * (electron/cli/output.ts `printJsonArray`), most of them written by SQLite
 * (electron/core/store/tasks.ts `eachTaskJson`), so that the whole is the same text.
 */
export function jsonArrayElement(value: unknown): string {
  return JSON.stringify([value], null, 2).slice(2, -2);
}
