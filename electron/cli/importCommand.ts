import path from 'node:path';
import { SLUG_PATTERN } from '../../shared/constants';
import type { HermesImportReport } from '../core/import/importHermes';
import { requirePositional, stringOption } from './args';
import type { CliCommand } from './context';
import { printJson, type Output } from './output';

function formatReport(report: HermesImportReport): string {
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none';
  return [
    `Imported from ${report.source} into board "${report.board}":`,
    `  tasks     ${report.tasks.imported} new, ${report.tasks.alreadyImported} already imported (${report.tasks.seen} in the file)`,
    `  links     ${report.links} new`,
    `  comments  ${report.comments}`,
    `  runs      ${report.runs}`,
    `  events    ${report.events}`,
    `  lanes     ${counts(report.lanes)}`,
    `  statuses  ${counts(report.statuses)}`,
    ...report.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

/** How often a long import says how far it is (a short one says nothing). */
const PROGRESS_EVERY_MS = 1000;

/**
 * The progress of a long import on standard error, at most once a second (standard output keeps
 * only the report, so `--json` stays parseable): `import-hermes: 40,000 of 100,000 tasks (40 %)`.
 */
function progressLine(output: Output): (progress: { tasksDone: number; tasksTotal: number }) => void {
  const started = Date.now();
  let last = started;
  return ({ tasksDone, tasksTotal }) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    const percent = tasksTotal > 0 ? Math.floor((100 * tasksDone) / tasksTotal) : 100;
    output.err(
      `import-hermes: ${tasksDone.toLocaleString('en')} of ${tasksTotal.toLocaleString('en')} tasks (${percent} %), ` +
        `${((now - started) / 1000).toFixed(0)} s`,
    );
  };
}

/**
 * `switchyard import-hermes FILE` (docs/architecture.md §6, issue 16): bring a Hermes Agent board over, idempotently,
 * from its kanban.db, from a `hermes kanban export` archive (<slug>.tar.gz) or from the dashboard's
 * JSON export (import/hermesExport.ts).
 */
export const importHermesCommand: CliCommand = {
  name: 'import-hermes',
  summary:
    'import a Hermes Agent board (kanban.db, a `hermes kanban export` .tar.gz, or its JSON export); again adds nothing',
  usage: 'import-hermes PATH/kanban.db|BOARD.tar.gz|BOARD.json [--board SLUG] [--ready] [--json]',
  options: { board: { type: 'string' }, json: { type: 'boolean' }, ready: { type: 'boolean' } },
  flags: {
    board:
      'the board to import into (default: $SWITCHYARD_BOARD, else the board named in an export, else default)',
    json: 'print the import report as JSON',
    ready: 'keep ready and todo tasks as they were (by default imported work waits in triage for review)',
  },
  maxPositionals: 1,
  async run(context, { values, positionals }) {
    const file = path.resolve(
      requirePositional(positionals, 0, 'path to kanban.db or a Hermes board export'),
    );
    const { importHermesBoard } = await import('../core/import/importHermes');
    const { prepareHermesSource } = await import('../core/import/hermesExport');
    const prepared = await prepareHermesSource(file);
    try {
      const exported = prepared.manifest?.board?.toLowerCase();
      const board =
        stringOption(values, 'board') ??
        context.env.SWITCHYARD_BOARD ??
        (exported && SLUG_PATTERN.test(exported) ? exported : 'default');
      const imported = importHermesBoard(context.db(), prepared.database, {
        board,
        ready: values.ready === true,
        onProgress: progressLine(context.output),
      });
      // docs/architecture.md §9: Hermes worktree workspaces become the tasks' worktrees where they still exist.
      const { adoptHermesWorktrees } = await import('../core/import/importedWork');
      const adopted = await adoptHermesWorktrees(context.db(), imported.worktreeWorkspaces);
      const report = {
        ...imported,
        notes: [...imported.notes, ...adopted.notes],
        worktrees: adopted.adoptedTasks,
        source: file,
      };
      if (values.json) printJson(context.output, { ...report, format: prepared.kind });
      else context.output.out(formatReport(report));
    } finally {
      prepared.cleanup();
    }
  },
};
