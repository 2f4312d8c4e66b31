import { parentPort, workerData } from 'node:worker_threads';
import { followLogHere, type FollowedLog } from './followedLog';
import { LogStateMailboxWriter } from './logStateMailbox';
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
// Not lowered below the main thread (it was, at nice +10): every file read it starts takes libuv's
// process-wide pool mutex and wakes a pool thread while holding it, and the woken thread preempted
// it there; the main thread's own file I/O then slept on that mutex until the lowered thread got a
// core again (57 ms seen at load ~20; bench/RESULTS.md, "Rows 5 and 12: what the main thread
// sleeps on"). At the main thread's priority it gets its core back as soon as the main thread would.
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
