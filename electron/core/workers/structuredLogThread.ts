import fsp from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { followLogHere, type FollowedLog } from './followedLog';
import { LogStateMailboxWriter } from './logStateMailbox';
import { lowerThisThread } from './priority';
import type { LogState, ThreadReport, ThreadRequest } from './structuredLogs';

/**
 * The structured-log thread (structuredLogs.ts): follows each log it is given with followLogHere
 * and reports the changed ones together, at most every BATCH_MS, through the shared-memory mailbox
 * the main thread takes them from (logStateMailbox.ts: a message would make the main thread wait on
 * a lock this lower-priority thread holds). Bundled on its own (scripts/build-node.mjs →
 * dist/structuredLogThread.cjs).
 */

/** States of logs that changed are posted together after this long (one message, not one per poll). */
const BATCH_MS = 25;

const port = parentPort;
const mailbox =
  (workerData as { stateMailbox?: unknown } | null)?.stateMailbox instanceof SharedArrayBuffer
    ? new LogStateMailboxWriter((workerData as { stateMailbox: SharedArrayBuffer }).stateMailbox)
    : null;
// Below the main thread, in the app's scheduling group: the event loop is picked first whenever
// both are ready (priority.ts lowerThisThread). Only once libuv's pool exists: it is the whole
// process's, its threads are made by the first thread that uses it and inherit that thread's nice,
// and the main thread's own file reads and writes run on it too.
void fsp.stat('.').finally(lowerThisThread);
const logs = new Map<number, FollowedLog>();
const changed = new Set<number>();
let batchTimer: NodeJS.Timeout | null = null;

function stateOf(id: number, log: FollowedLog): LogState {
  return { id, lastLine: log.lastLine, outputBytes: log.outputBytes, usage: log.usage };
}

function report(message: ThreadReport): void {
  port?.postMessage(message);
}

function postChanged(): void {
  batchTimer = null;
  const states: LogState[] = [];
  for (const id of changed) {
    const log = logs.get(id);
    if (log) states.push(stateOf(id, log));
  }
  if (states.length > 0 && mailbox) {
    const outcome = mailbox.put(JSON.stringify(states));
    if (outcome === 'busy') {
      // The last batch is not taken yet: these logs stay marked, and go with the next try.
      batchTimer = setTimeout(postChanged, BATCH_MS);
      return;
    }
    if (outcome === 'put') {
      changed.clear();
      return;
    }
  }
  changed.clear();
  if (states.length > 0) report({ type: 'states', states });
}

function markChanged(id: number): void {
  changed.add(id);
  batchTimer ??= setTimeout(postChanged, BATCH_MS);
}

port?.on('message', (request: ThreadRequest) => {
  switch (request.type) {
    case 'follow':
      logs.set(
        request.id,
        followLogHere({
          ...request.options,
          now: Date.now,
          onChange: () => markChanged(request.id),
          onError: (error) => report({ type: 'error', id: request.id, message: error.message }),
        }),
      );
      return;
    case 'finish': {
      const { id } = request;
      const log = logs.get(id);
      if (!log) {
        report({ type: 'finished', id, state: null });
        return;
      }
      log
        .finish()
        .catch((error: unknown) => report({ type: 'error', id, message: String(error) }))
        .finally(() => {
          logs.delete(id);
          changed.delete(id);
          report({ type: 'finished', id, state: stateOf(id, log) });
        });
      return;
    }
    case 'stop':
      logs.get(request.id)?.stop();
      logs.delete(request.id);
      changed.delete(request.id);
      return;
  }
});
