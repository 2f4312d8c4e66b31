import fs from 'node:fs';
import { isProcessAlive, processStartTime, readCommandLine } from '../procfs';

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
 * The waiter, run as `sh -c WAITER_SCRIPT switchyard-waiter <status file> <log writer> <chunk prefix>
 * <chunk bytes> <autogroup nice> <program path> [args…]` (empty strings for what it goes without). The agent's argv travels only through "$@" (never parsed by
 * the shell: docs/architecture.md §5), and its program is an absolute path, so the shell can never take
 * it for a builtin such as `eval`.
 * - Traps (not ignores: an ignored signal would be inherited) TERM, INT, HUP and QUIT, so a signal to
 *   the group ends the agent while the waiter stays to record it; a dash waiting for a foreground
 *   child runs the trap only after the child has ended.
 * - Its own stderr goes to /dev/null (the agent gets the log back through fd 3 in a subshell that
 *   execs it): otherwise the shell would append "Terminated" to the log after a signal death.
 * - With a log writer (issue 18, logRotation.ts): the agent's stdout and stderr go into a FIFO
 *   (`<run>.pipe`, made 0600 by the waiter, its name removed once both ends are open) read by `split -b <chunk bytes>`, which writes the output
 *   (0600, like every file of the home) in files of exactly that size (`<prefix>aaaa`, `<prefix>aaab` …), switching files without losing
 *   a byte. split ignores the stop signals, so it writes out what the agent said while dying and ends
 *   at end of input; it is not waited for (a helper the agent left running may hold the FIFO open).
 *   Without mkfifo or split the agent writes to the log itself, as it does without a log writer.
 * - `$?` above 128 that names a signal (`kill -l`) is a signal death. An agent that itself exits with
 *   such a code (130, 143 …) is recorded as that signal: a failure either way.
 * - The temp file is created with noclobber (`set -C`: O_EXCL), so a link planted in its place is
 *   never written through; the rename then replaces whatever sits at the status path itself.
 * - The waiter then exits with the agent's status, so its own parent (if any) sees the same.
 * - A low worker's session (the waiter leads it) gets its scheduling autogroup lowered before anything
 *   else starts (priority.ts): `<autogroup nice>` written to /proc/$$/autogroup. A refusal
 *   (no autogroups, EAGAIN) is silent; the supervisor checks and retries after the spawn.
 * - Before it starts the agent it writes its own pid into `<run>.pid` (noclobber, as below): a
 *   dispatcher killed after the worker started but before it stored the pid (spawning is
 *   asynchronous, spawner.ts) still finds the worker on restart (recordedWaiter) — no orphan, no
 *   second run of the task.
 */
export const WAITER_SCRIPT = [
  'status_file=$1; log_writer=$2; chunk_prefix=$3; chunk_bytes=$4; group_nice=$5; shift 5',
  'trap : HUP INT QUIT TERM',
  'exec 3>&2 2>/dev/null',
  '[ -z "$group_nice" ] || printf \'%s\\n\' "$group_nice" >"/proc/$$/autogroup"',
  'set -C; printf \'%s\\n\' "$$" > "${status_file%.exit}.pid"; set +C',
  'pipe=${status_file%.exit}.pipe',
  'if [ -n "$log_writer" ] && PATH=/usr/bin:/bin mkfifo -m 600 "$pipe"; then',
  '  (trap \'\' HUP INT QUIT TERM; umask 077; PATH=/usr/bin:/bin rm -f "$pipe"; exec 3>&- && exec "$log_writer" -b "$chunk_bytes" -a 4 - "$chunk_prefix") <"$pipe" &',
  '  (exec >"$pipe" 2>&1 3>&- && exec "$@")',
  'else',
  '  (exec 2>&3 3>&- && exec "$@")',
  'fi',
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

/** `<run>.pid`, where the waiter writes its pid before it starts the agent. */
export function waiterPidPathOf(logPath: string): string {
  return `${exitStatusPathOf(logPath).slice(0, -'.exit'.length)}.pid`;
}

/**
 * The live waiter of the run whose log is `logPath`, from the pid it wrote: only when that pid is
 * alive and still runs the waiter for this very run (its argv names the run's status file), so a
 * recycled pid is never taken for it. Null when it never started, has ended, or /proc cannot tell.
 */
export function recordedWaiter(logPath: string): { pid: number; startTime: string } | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(waiterPidPathOf(logPath), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const argv = readCommandLine(pid);
  const at = argv ? argv.indexOf(WAITER_NAME) : -1;
  if (at < 0 || argv?.[at + 1] !== exitStatusPathOf(logPath)) return null;
  const startTime = processStartTime(pid);
  return startTime !== null && isProcessAlive(pid, startTime) ? { pid, startTime } : null;
}

/**
 * Whether the waiter whose argv is `argv` feeds the agent's output through a log writer: true or
 * false when the argv shows (the waiter's, or `nice`'s just before it execs the waiter: both name it);
 * false for a worker run without a waiter; null when the argv cannot tell — unreadable, or empty,
 * as /proc/<pid>/cmdline reads while a process is between one program and the next (an adopt right
 * after the spawn catches `nice` exec'ing the waiter's shell about half the time), or still the
 * standby's that is about to exec the waiter.
 */
export function waiterUsesLogWriter(argv: readonly string[] | null): boolean | null {
  if (argv === null || argv.length === 0 || (argv.length === 1 && argv[0] === '')) return null;
  // A standby (spawner.ts) that has answered but not yet exec'd its command: not the waiter yet.
  if (argv.includes(STANDBY_NAME)) return null;
  const at = argv.indexOf(WAITER_NAME);
  return at >= 0 && (argv[at + 2] ?? '') !== '';
}

/** `$0` of the waiter: what `ps` shows and what the shell's own messages start with. */
export const WAITER_NAME = 'switchyard-waiter';

/**
 * `$1` of a standby waiter (spawner.ts): a shell the spawner forked ahead of the next start, which
 * execs that start's argv (the waiter's, through `nice` for a low worker) in place — same pid.
 */
export const STANDBY_NAME = 'switchyard-standby';

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

/** Where the waiter's log writer puts the agent's output: `<run>.chunk.aaaa`, `.aaab` … (logRotation.ts). */
export interface LogWriter {
  /** Absolute path of `split`. */
  program: string;
  chunkPrefix: string;
  chunkBytes: number;
}

/** The argv that runs `programPath args…` under the waiter, its output through `logWriter` if given. */
export function waiterArgv(
  shell: string,
  statusPath: string,
  programPath: string,
  args: string[],
  logWriter: LogWriter | null = null,
  autogroupNice: number | null = null,
): string[] {
  return [
    shell,
    '-c',
    WAITER_SCRIPT,
    WAITER_NAME,
    statusPath,
    logWriter?.program ?? '',
    logWriter?.chunkPrefix ?? '',
    String(logWriter?.chunkBytes ?? 0),
    autogroupNice === null ? '' : String(autogroupNice),
    programPath,
    ...args,
  ];
}

/**
 * `split` from the system folders, where a log writer can run (POSIX with `mkfifo`), else null:
 * logs are then rotated by copy-truncate (logRotation.ts says what that risks).
 */
export function findLogWriterProgram(): string | null {
  if (process.platform === 'win32') return null;
  const found = (names: string[]): string | null => {
    for (const candidate of names) {
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
    return null;
  };
  if (!found(['/usr/bin/mkfifo', '/bin/mkfifo'])) return null;
  return found(['/usr/bin/split', '/bin/split']);
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
