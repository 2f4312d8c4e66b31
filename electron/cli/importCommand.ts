import path from 'node:path';
import type { HermesImportReport } from '../core/import/importHermes';
import { requirePositional, stringOption } from './args';
import type { CliCommand } from './context';
import { printJson } from './output';

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

/** `switchyard import-hermes PATH/kanban.db` (SPEC §6): bring a Hermes Agent board over, idempotently. */
export const importHermesCommand: CliCommand = {
  name: 'import-hermes',
  summary: 'import a Hermes Agent kanban board (kanban.db); importing again adds nothing',
  usage: 'import-hermes PATH/kanban.db [--board SLUG] [--json]',
  options: { board: { type: 'string' }, json: { type: 'boolean' } },
  flags: {
    board: 'the board to import into (default: $SWITCHYARD_BOARD, else default)',
    json: 'print the import report as JSON',
  },
  maxPositionals: 1,
  async run(context, { values, positionals }) {
    const file = path.resolve(requirePositional(positionals, 0, 'path to kanban.db'));
    const { importHermesBoard } = await import('../core/import/importHermes');
    const report = importHermesBoard(context.db(), file, {
      board: stringOption(values, 'board') ?? context.env.SWITCHYARD_BOARD ?? 'default',
    });
    if (values.json) printJson(context.output, report);
    else context.output.out(formatReport(report));
  },
};
