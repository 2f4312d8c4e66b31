import type { Db } from './db/open';
import { taskIdExists } from './tasks';

// Its own module so that the CLI's read-only commands (list, show), which load store/tasks.ts at
// start, need not load it.
//
// The 32 random bits come from Math.random, not node:crypto: an id must be new, not secret (it is
// shown on every card and in every path), and it is checked against the table below, inside the
// caller's write transaction, so two processes cannot both take one. Loading node:crypto would cost
// every `switchyard create` ~50 of Node's internal modules (crypto brings all of its streams with it;
// performance issue 17, target 4c).

/**
 * A fresh task id (`t_` and 8 hex digits) no task has yet, nor any of `pending` (ids a bulk insert
 * has handed out but not written yet).
 */
export function newTaskId(db: Db, pending?: ReadonlySet<string>): string {
  for (;;) {
    const id = `t_${Math.floor(Math.random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0')}`;
    if (!pending?.has(id) && !taskIdExists(db, id)) return id;
  }
}
