import fs from 'node:fs';

/**
 * A worker's exit status, kept where it survives the dispatcher (issue 20: a dispatcher restart is
 * never the task's failure). Each worker runs under a waiter: a POSIX shell that leads the worker's
 * process group, runs the agent as its child, and when the agent ends writes how it ended into
 * `<run>.exit` next to the run's log, atomically (a temp file renamed over), before it exits itself.
 * Whoever settles the run later — the dispatcher that spawned it, one that adopted it, or one that
 * starts after it ended — reads the same file, so an exit while nobody was listening is not lost.
 */

/** How the agent ended, as its waiter recorded it. Exactly one of the two is set. */
export interface RecordedExit {
  exitCode: number | null;
  signal: string | null;
}

/** `<home>/logs/<task>/<run>.log` → `<home>/logs/<task>/<run>.exit`: the status sits beside the log. */
export function exitStatusPathOf(logPath: string): string {
  return `${logPath.endsWith('.log') ? logPath.slice(0, -'.log'.length) : logPath}.exit`;
}

/**
 * The waiter, run as `sh -c WAITER_SCRIPT switchyard-waiter <status file> <program path> [args…]`.
 * The agent's argv travels only through "$@" (never parsed by the shell: docs/architecture.md §5), and its program
 * is an absolute path, so the shell can never take it for a builtin such as `eval`.
 * - Traps (not ignores: an ignored signal would be inherited) TERM, INT, HUP and QUIT, so a signal to
 *   the group ends the agent while the waiter stays to record it; a dash waiting for a foreground
 *   child runs the trap only after the child has ended.
 * - Its own stderr goes to /dev/null (the agent gets the log back through fd 3 in a subshell that
 *   execs it): otherwise the shell would append "Terminated" to the log after a signal death.
 * - `$?` above 128 that names a signal (`kill -l`) is a signal death. An agent that itself exits with
 *   such a code (130, 143 …) is recorded as that signal: a failure either way.
 * - The temp file is created with noclobber (`set -C`: O_EXCL), so a link planted in its place is
 *   never written through; the rename then replaces whatever sits at the status path itself.
 * - The waiter then exits with the agent's status, so its own parent (if any) sees the same.
 */
export const WAITER_SCRIPT = [
  'status_file=$1; shift',
  'trap : HUP INT QUIT TERM',
  'exec 3>&2 2>/dev/null',
  '(exec 2>&3 3>&- && exec "$@")',
  'code=$?',
  'if [ "$code" -gt 128 ] && name=$(kill -l "$code"); then',
  '  result="{\\"exitCode\\":null,\\"signal\\":\\"SIG$name\\"}"',
  'else',
  '  result="{\\"exitCode\\":$code,\\"signal\\":null}"',
  'fi',
  'set -C',
  'printf \'%s\\n\' "$result" > "$status_file.tmp" && PATH=/usr/bin:/bin mv -f "$status_file.tmp" "$status_file"',
  'exit "$code"',
].join('\n');

/** `$0` of the waiter: what `ps` shows and what the shell's own messages start with. */
export const WAITER_NAME = 'switchyard-waiter';

/**
 * The POSIX shell that runs the waiter, found by absolute path (the worker's PATH cannot replace
 * it), or null where there is none (Windows): workers then run without a waiter and an exit while
 * no dispatcher runs stays unknown.
 */
export function findWaiterShell(): string | null {
  if (process.platform === 'win32') return null;
  try {
    fs.accessSync('/bin/sh', fs.constants.X_OK);
    return '/bin/sh';
  } catch {
    return null;
  }
}

/** The argv that runs `programPath args…` under the waiter. */
export function waiterArgv(shell: string, statusPath: string, programPath: string, args: string[]): string[] {
  return [shell, '-c', WAITER_SCRIPT, WAITER_NAME, statusPath, programPath, ...args];
}

/** The recorded exit in a status file's text, or null when the text is not one (cut short, foreign). */
export function parseExitStatus(text: string): RecordedExit | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { exitCode, signal } = value as Record<string, unknown>;
  const codeOk = exitCode === null || (Number.isInteger(exitCode) && (exitCode as number) >= 0);
  const signalOk = signal === null || (typeof signal === 'string' && /^SIG[A-Z0-9+-]+$/.test(signal));
  if (!codeOk || !signalOk || (exitCode === null) === (signal === null)) return null;
  return { exitCode: exitCode as number | null, signal: signal as string | null };
}

/** The status a waiter left, or null when there is none (it never ended normally, or is still running). */
export async function readExitStatus(statusPath: string): Promise<RecordedExit | null> {
  try {
    return parseExitStatus(await fs.promises.readFile(statusPath, 'utf8'));
  } catch {
    return null; // ENOENT: nothing was recorded — the outcome is unknown, which is the answer
  }
}

/** The same, at start-up, for workers that ended while no dispatcher ran (a few small files, once). */
export function readExitStatusNow(statusPath: string): RecordedExit | null {
  try {
    return parseExitStatus(fs.readFileSync(statusPath, 'utf8'));
  } catch {
    return null;
  }
}
