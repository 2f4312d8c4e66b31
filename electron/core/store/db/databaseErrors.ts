import fs from 'node:fs';
import path from 'node:path';
import { SwitchyardError } from '../../errors';

/**
 * Turns a raw SQLite or file-system failure of the database into a message a user can act on
 * (docs/architecture.md §6: a one-line user error, exit 1), instead of "unexpected error: database disk image is
 * malformed". Returns null for anything that is not a database/disk fault.
 */
export function describeDatabaseFault(error: unknown, file: string): SwitchyardError | null {
  if (error instanceof SwitchyardError) return null;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const detail = (error as Error | null)?.message ?? String(error);
  const folder = path.dirname(file);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new SwitchyardError(
      'database_unavailable',
      `the disk holding ${folder} is full; free some space and try again (this change was not saved, earlier data is intact)`,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new SwitchyardError(
      'database_unavailable',
      `${file} is damaged or is not a Switchyard database (${detail}); Switchyard leaves it untouched — ` +
        'restore it from a backup or move it away to start a new board',
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') && folderIsWritable(folder)) {
    return new SwitchyardError(
      'database_unavailable',
      `cannot open ${file} (${detail}); check that it is a readable database file, not a folder`,
    );
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM'
  ) {
    return new SwitchyardError(
      'database_unavailable',
      `cannot write to ${folder} (${detail}); Switchyard needs a writable home — fix its permissions, ` +
        'remount it read-write, or point SWITCHYARD_HOME elsewhere',
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new SwitchyardError(
      'database_unavailable',
      `input/output error on ${file} (${detail}); check the disk`,
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    return new SwitchyardError(
      'database_busy',
      'the database is locked by another process; try again once it has finished',
    );
  }
  return null;
}

function folderIsWritable(folder: string): boolean {
  try {
    fs.accessSync(folder, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
