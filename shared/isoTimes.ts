/** An ISO 8601 UTC time as the core writes it in skip details ("backoff until …", "resets …"). */
const ISO_TIME = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;

/**
 * `text` with each ISO time in it written by `format`: the board's and the CLI's own way of
 * writing times, where a stored detail keeps ISO for the programs that read it.
 */
export function withTimesWrittenAs(text: string, format: (ms: number) => string): string {
  return text.replace(ISO_TIME, (iso) => format(Date.parse(iso)));
}
