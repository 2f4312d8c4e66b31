import os from 'node:os';

/**
 * The one reading of "low priority" for what the app starts in the background: workers
 * (supervisor.ts, settings.json `dispatcher.workerPriority`) and the git an engine runs off its
 * event loop (offLoopExecFile.ts). How much lower "low" is: nice +10 over this process, at most 19;
 * Windows: below normal.
 */
export const LOW_PRIORITY_NICE_INCREMENT = 10;
export const MAX_NICE = 19;

/** The priority (os.setPriority) a low-priority child of this process gets. */
export function lowPriorityValue(): number {
  return process.platform === 'win32'
    ? os.constants.priority.PRIORITY_BELOW_NORMAL
    : Math.min(MAX_NICE, os.getPriority() + LOW_PRIORITY_NICE_INCREMENT);
}
