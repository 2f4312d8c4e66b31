import fs from 'node:fs';
import path from 'node:path';
import type { HomeImportReport } from '../core/import/homeArchive';
import { SwitchyardError, invalidInput } from '../core/errors';
import type { HomePaths } from '../core/config/home';
import { homeFileAt } from '../core/config/homeFiles';
import { requirePositional, stringOption } from './args';
import type { CliCommand } from './context';
import { printJson } from './output';

/** `switchyard export`, `import` and `backup` (issue 16; formats in docs/export-format.md). */

const stamp = (now = new Date()): string => now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');

/**
 * Writes `text` to `file` whole or not at all: into a partial file renamed over `file` at the end.
 * A target it cannot write is one line saying why, and no partial file stays behind.
 */
/** An --out that would write over the home's own data is refused before anything is written. */
function refuseHomeFile(paths: HomePaths, file: string): void {
  const what = homeFileAt(paths, file);
  if (what)
    throw invalidInput(
      `${file} ${what}: writing there would lose it; choose another file (nothing was written)`,
    );
}

function writeOut(file: string, text: string): void {
  const partial = `${file}.partial-${process.pid}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  } catch (error) {
    if (fs.existsSync(partial)) fs.rmSync(partial);
    throw invalidInput(`cannot write ${file}: ${whyNotWritten(file, error)} (nothing was written)`);
  }
}

/** Why writing `file` failed, in words rather than an errno code and a temporary file's name. */
function whyNotWritten(file: string, error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return `${nearestExisting(path.dirname(file))} is not a folder`;
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOENT':
      return `${path.dirname(file)} takes no new files`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return (error as Error).message;
  }
}

/** The deepest of `folder` and its parents that exists: the file in the way of a path's folders. */
function nearestExisting(folder: string): string {
  let current = folder;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

export const exportCommand: CliCommand = {
  name: 'export',
  workers: 'read',
  readsManyRows: true,
  summary: 'write the home (or one board) as versioned JSON: tasks, links, comments, runs, lanes, profiles',
  usage: 'export [--board SLUG] [--out FILE]   (without --out the JSON goes to standard output)',
  options: { board: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  flags: {
    board: 'only this board (default: every board)',
    out: 'write to FILE instead of standard output',
    json: 'with --out: print what was written as JSON',
  },
  maxPositionals: 0,
  async run(context, { values }) {
    const { exportHome } = await import('../core/import/homeArchive');
    const data = exportHome(context.db(), context.paths, { board: stringOption(values, 'board') });
    const text = `${JSON.stringify(data, null, 2)}\n`;
    const out = stringOption(values, 'out');
    if (out === undefined) {
      context.output.out(text.trimEnd());
      return;
    }
    const file = path.resolve(out);
    refuseHomeFile(context.paths, file);
    writeOut(file, text);
    const summary = {
      file,
      tasks: data.tasks.length,
      boards: data.boards.length,
      bytes: Buffer.byteLength(text),
    };
    if (values.json) printJson(context.output, summary);
    else context.output.out(`Exported ${summary.tasks} tasks on ${summary.boards} board(s) to ${file}`);
  },
};

function formatImportReport(report: HomeImportReport): string {
  const part = (name: string, counts: Record<string, number>) =>
    `  ${name.padEnd(13)} ${Object.entries(counts)
      .map(([key, count]) => `${count} ${key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`)
      .join(', ')}`;
  return [
    `Imported ${report.source}:`,
    part('boards', report.boards),
    part('tasks', report.tasks),
    part('links', report.links),
    part('comments', report.comments),
    part('runs', report.runs),
    part('lane settings', report.laneSettings),
    part('profiles', report.profiles),
    `  lanes.json    ${report.lanesFile}`,
    part('recurrences', report.recurrences),
    ...report.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

export const importCommand: CliCommand = {
  name: 'import',
  summary:
    'restore a `switchyard export` file into this home (ids kept; conflicts reported, never overwritten)',
  usage: 'import FILE [--json]',
  options: { json: { type: 'boolean' } },
  flags: { json: 'print what was imported as JSON' },
  maxPositionals: 1,
  async run(context, { values, positionals }) {
    const file = path.resolve(requirePositional(positionals, 0, 'export file'));
    const { importHome } = await import('../core/import/homeArchive');
    const report = importHome(context.db(), context.paths, file);
    if (values.json) printJson(context.output, report);
    else context.output.out(formatImportReport(report));
  },
};

export const backupCommand: CliCommand = {
  name: 'backup',
  readsManyRows: true,
  summary: 'write a consistent copy of the database (SQLite online backup; safe while the app runs)',
  usage: 'backup [--out FILE] [--json]   (default: <home>/backups/switchyard-<UTC time>.db)',
  options: { out: { type: 'string' }, json: { type: 'boolean' } },
  flags: {
    out: 'write the copy to FILE (default: <home>/backups/switchyard-<UTC time>.db)',
    json: 'print where the copy went as JSON',
  },
  maxPositionals: 0,
  async run(context, { values }) {
    const out = stringOption(values, 'out');
    const file = path.resolve(out ?? path.join(context.paths.backups, `switchyard-${stamp()}.db`));
    refuseHomeFile(context.paths, file);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory())
      throw new SwitchyardError('invalid_input', `${file} is a folder; give a file name`);
    const { backupDatabase } = await import('../core/store/backup');
    // A copy that fails its integrity check is an error there (backupDatabase), not a result.
    const result = await backupDatabase(context.db(), file, { nativeBinding: context.nativeBinding });
    if (values.json) printJson(context.output, result);
    else context.output.out(`Backed up to ${file} (${result.bytes} bytes, integrity ok)`);
  },
};

export const archiveCommands: CliCommand[] = [exportCommand, importCommand, backupCommand];
