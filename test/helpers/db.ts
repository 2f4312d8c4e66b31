import { afterEach } from 'vitest';
import { openDatabase, type Db } from '../../electron/core/store/db/open';

/**
 * Registers cleanup with the current test file: `open(file)` opens a database the way the app does,
 * and every connection still open after a test is closed, so a failing test leaves no lock behind.
 */
export function useOpenDatabases(): (file: string) => Db {
  const opened: Db[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
  });
  return (file) => {
    const db = openDatabase(file);
    opened.push(db);
    return db;
  };
}
