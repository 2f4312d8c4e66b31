/**
 * JSON parse errors as people read them: where the mistake is (line and column), without V8's echo
 * of the source. Shared by the core (profile.json, lanes.json, settings.json) and the profile editor.
 */

/** V8 quotes up to this many characters each side of an unexpected token. */
const V8_CONTEXT_CHARS = 10;

/**
 * Where V8's error points. Newer messages say "at position N"; "Unexpected token" messages instead
 * quote the source around the token (`..."<10 chars><token><10 chars>"...`), which is found back in
 * the source when it occurs there exactly once.
 */
function errorOffset(message: string, source: string): number | null {
  const positioned = / in JSON at position (\d+)/.exec(message);
  if (positioned) return Number(positioned[1]);
  const quoted = /, (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s.exec(message);
  if (!quoted) return null;
  const [, before, context = '', after] = quoted;
  const start = source.indexOf(context);
  if (start < 0 || start !== source.lastIndexOf(context)) return null;
  if (before) return start + V8_CONTEXT_CHARS;
  if (after) return start + context.length - V8_CONTEXT_CHARS;
  return null;
}

/** Turns V8's "… in JSON at position 57" into "… at line 3 column 5", and drops the echoed source. */
export function describeJsonError(message: string, source: string): string {
  const offset = errorOffset(message, source);
  const text = message
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  if (offset === null) return text;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${text} at line ${line} column ${column}`;
}
