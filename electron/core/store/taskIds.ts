import { randomBytes } from 'node:crypto';
import type { Db } from './db/open';
import { taskIdExists } from './tasks';

// Its own module so that the CLI's read-only commands (list, show), which load store/tasks.ts at
// start, do not pay for node:crypto; only the commands that make tasks import this.

/** A fresh task id (`t_` and 8 hex digits) no task has yet. */
export function newTaskId(db: Db): string {
  for (;;) {
    const id = `t_${randomBytes(4).toString('hex')}`;
    if (!taskIdExists(db, id)) return id;
  }
}
