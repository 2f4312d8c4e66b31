/**
 * The targets table of performance issue 17, printed at the end of every `npm run bench` run: each
 * row with its target, the figure the sections measured and whether it is met. A section records a
 * row with `recordTarget(id, figure, met)`; a row no section recorded says which section measures it.
 * Sections of other issues (the review loop, agents) record their rows the same way.
 */

/**
 * The event-loop maximum the main process holds to while workers run (target 5); targets 11 and 12
 * are held to the same figure, and every section that prints it reads it from here.
 */
export const SUPERVISOR_LOOP_MAX_MS = 30;

export interface TargetRow {
  id: string;
  what: string;
  target: string;
  /** The section(s) that measure it: `npm run bench -- SECTION`. */
  section: string;
}

export const TARGETS: readonly TargetRow[] = [
  { id: '1', what: 'idle tick on "large" (engine.runTick)', target: '≤ 0.5 ms', section: 'tick' },
  { id: '2', what: 'tick re-evaluating 20,000 ready', target: '≤ 10 ms', section: 'tick' },
  { id: '3a', what: 'ready through the API → spawned', target: '≤ 12 ms', section: 'api' },
  { id: '3b', what: '`switchyard create` exit → spawned', target: '≤ 50 ms', section: 'api' },
  { id: '4a', what: '`list` one lane, whole process', target: '≤ `node -e 0` + 25 ms', section: 'cli' },
  { id: '4c', what: '`create`, whole process', target: '≤ `node -e 0` + 25 ms', section: 'cli' },
  { id: '4b', what: '`list --json` of all 20,000 ready', target: '≤ 300 ms', section: 'cli' },
  {
    id: '5',
    what: '40 workers × 20 MB: bytes lost / event-loop max',
    target: `0 / ≤ ${SUPERVISOR_LOOP_MAX_MS} ms`,
    section: 'supervisor',
  },
  {
    id: '7',
    what: '`serve` start → board painted in Chromium, "large", median of 5',
    target: '≤ 1.5 s',
    section: 'serve',
  },
  {
    id: '8',
    what: '`import-hermes` of 100,000 tasks',
    target: '≤ 5 s, ≤ 250 MB RSS, progress line',
    section: 'import',
  },
  {
    id: '9',
    what: 'first tick of a fresh engine on "large" (and not before the first paint)',
    target: '≤ 100 ms',
    section: 'tick, serve',
  },
  {
    id: '10',
    what: 'scale curve 10k → 100k → 1M: idle tick / snapshot / paint / RSS at 1M',
    target: '≤ 1 ms / ≤ 2 s / ≤ 2 s / ≤ 400 MB',
    section: '--scale',
  },
  {
    id: '10b',
    what: 'scale curve at 1M: lane figures recomputed (lane view; the api redoes it every 200 ms while busy)',
    target: '≤ 5 ms',
    section: '--scale',
  },
  {
    id: '11',
    what: 'review loop: 8 worktrees at once, 300-file / 30k-line diff shown',
    target: 'tick and loop targets hold; ≤ 300 ms to show',
    section: 'review',
  },
  {
    id: '12',
    what: 'MCP claim_next round trip / 40 structured streams parsed',
    target: '≤ 50 ms / loop target holds',
    section: 'agents',
  },
];

interface Measured {
  figure: string;
  /** null: measured, but whether it is met is not a yes/no (see the figure). */
  met: boolean | null;
}

const measured = new Map<string, Measured>();

/** Records (or, measured again, replaces) the figure of target `id`. */
export function recordTarget(id: string, figure: string, met: boolean | null): void {
  if (!TARGETS.some((row) => row.id === id)) throw new Error(`bench: no target row ${id}`);
  measured.set(id, { figure, met });
}

const mark = (met: boolean | null | undefined): string =>
  met === undefined ? 'not run' : met === null ? '—' : met ? 'met' : 'MISSED';

/** The table, in the issue's order; rows of sections not run say how to run them. */
export function printTargets(load: string): void {
  console.log(`\n## Issue 17 targets (load average ${load})`);
  const rows = TARGETS.map((row) => {
    const result = measured.get(row.id);
    return [
      row.id,
      row.what,
      row.target,
      result?.figure ?? `(npm run bench -- ${row.section})`,
      mark(result?.met),
    ];
  });
  const header = ['#', 'what', 'target', 'figure', 'met?'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
  const missed = TARGETS.filter((row) => measured.get(row.id)?.met === false).map((row) => row.id);
  const met = TARGETS.filter((row) => measured.get(row.id)?.met === true).length;
  console.log(`met ${met}, missed ${missed.length}${missed.length ? ` (${missed.join(', ')})` : ''}`);
}
