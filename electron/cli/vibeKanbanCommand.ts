import path from 'node:path';
import type { VibeKanbanImportReport } from '../core/import/importVibeKanban';
import { SwitchyardError } from '../core/errors';
import type { CliCommand } from './context';
import { printJson } from './output';

function formatReport(report: VibeKanbanImportReport): string {
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none';
  return [
    `Imported from ${report.source} (Vibe Kanban schema ${report.schema ?? 'unknown'}):`,
    ...report.boards.map(
      (board) =>
        `  board     ${board.slug} "${board.name}"${board.created ? '' : ' (already there)'}${
          board.repository ? ` — repository ${board.repository}` : ''
        }`,
    ),
    `  tasks     ${report.tasks.imported} new, ${report.tasks.alreadyImported} already imported, ${report.tasks.skipped} skipped (${report.tasks.seen} in the file)`,
    `  links     ${report.links.imported} new, ${report.links.skipped} skipped`,
    `  statuses  ${counts(report.statuses)}`,
    `  branches  ${report.branches}, labels ${report.labels}`,
    ...report.skipped.map((item) => `  skipped   ${item.id}: ${item.reason}`),
    ...report.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

/** `switchyard import-vibe-kanban [PATH]` (issue 16): bring Vibe Kanban's local boards over, idempotently. */
export const importVibeKanbanCommand: CliCommand = {
  name: 'import-vibe-kanban',
  summary:
    'import the projects and tasks of a Vibe Kanban database (default: its usual place); again adds nothing',
  usage: 'import-vibe-kanban [PATH/db.v2.sqlite] [--json]',
  options: { json: { type: 'boolean' } },
  flags: { json: 'print the import report as JSON' },
  maxPositionals: 1,
  async run(context, { values, positionals }) {
    const { findVibeKanbanDatabase, defaultVibeKanbanPaths, importVibeKanban } =
      await import('../core/import/importVibeKanban');
    const given = positionals[0];
    const file = given ? path.resolve(given) : findVibeKanbanDatabase(context.env);
    if (!file)
      throw new SwitchyardError(
        'not_found',
        `no Vibe Kanban database found at ${defaultVibeKanbanPaths(process.platform, context.env).join(' or ')}; give its path`,
      );
    const imported = importVibeKanban(context.db(), file);
    // docs/architecture.md §9: the project's repository becomes the board's, attempt branches the tasks' worktrees.
    const { adoptVibeKanbanWork } = await import('../core/import/importedWork');
    const adopted = await adoptVibeKanbanWork(context.db(), imported.boards);
    const report = {
      ...imported,
      notes: [...imported.notes, ...adopted.notes],
      boardRepositories: adopted.boardRepositories,
      worktrees: adopted.adoptedTasks,
    };
    if (values.json) printJson(context.output, report);
    else context.output.out(formatReport(report));
  },
};
