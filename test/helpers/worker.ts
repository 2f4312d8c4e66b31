import { issueRunSecret } from '../../electron/core/commands/actors';
import { openDatabase, runInWriteTransaction } from '../../electron/core/store/db/open';
import { findTask } from '../../electron/core/store/tasks';

/**
 * The environment the dispatcher gives a worker of `taskId`'s current run (issue 18): its task, run
 * and a fresh secret whose hash the run keeps. The task must hold a run (claimed or running).
 */
export function workerEnvOf(database: string, taskId: string): Record<string, string> {
  const db = openDatabase(database);
  try {
    const runId = findTask(db, taskId)?.currentRunId;
    if (runId == null) throw new Error(`${taskId} holds no run`);
    const secret = runInWriteTransaction(db, () => issueRunSecret(db, runId));
    return { SWITCHYARD_TASK: taskId, SWITCHYARD_RUN: String(runId), SWITCHYARD_RUN_SECRET: secret };
  } finally {
    db.close();
  }
}
