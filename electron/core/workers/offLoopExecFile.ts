import { execFile, type ExecFileOptionsWithStringEncoding } from 'node:child_process';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowPriorityValue } from './priority';

/**
 * `execFile` whose start does not hold the main event loop (issue 17, targets 11 and 5).
 *
 * Starting a child is synchronous in Node: libuv forks and then waits until the child has called
 * exec. On a loaded machine the new child waits for a core before it can exec, and the parent's
 * event loop waits with it — a CPU profile of 8 worktrees made at once (bench "review" a) had
 * single `git` starts of 200–600 ms inside `ChildProcess.spawn`, the largest part of the loop's
 * maximum. Run from a worker thread, that wait blocks only the thread; the main loop gets the
 * output in a message when the child has ended.
 *
 * One thread for the process, made on first use, unref'd while it has nothing to do (it never keeps
 * the process alive on its own). If it cannot start or dies, calls fall back to `execFile` here.
 *
 * An engine with a spawner process (the app, `serve`, `dispatch --watch`) runs them there instead
 * (`runChildrenThrough`, docs/architecture.md §9): a fork from the thread still copies this whole
 * process. The thread stays for engines without one and for a command the spawner could not start.
 */

export interface OffLoopExecError {
  message: string;
  /** The exit code (a number), or Node's error code ('ENOENT', 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' …). */
  code: number | string | null;
  killed: boolean;
  signal: NodeJS.Signals | null;
}

export interface OffLoopExecResult {
  error: OffLoopExecError | null;
  stdout: string;
  stderr: string;
}

export type OffLoopExecOptions = Pick<
  ExecFileOptionsWithStringEncoding,
  'cwd' | 'env' | 'maxBuffer' | 'timeout'
>;
type Options = OffLoopExecOptions;

/**
 * Runs a command to its end in another process (the engine's spawner, spawner.ts `Spawner.exec`).
 * null: it was not started there (no spawner, or it ended first), and runs in the thread instead.
 */
export interface ChildRunner {
  exec(request: {
    file: string;
    args: string[];
    options: Options;
    priority: number | null;
  }): Promise<OffLoopExecResult | null>;
}

/**
 * Runs in the thread (CommonJS, from this text: the bundles have no file for it). The child is
 * lowered right after its start (see execFileOffTheLoop); lowering the thread itself instead would
 * be inherited by every child, but the thread also does the fork, and a fork holds the whole
 * process's memory map (the main thread's page faults wait for it): it must not wait for a core.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { execFile } = require('node:child_process');
const { setPriority } = require('node:os');
parentPort.on('message', ({ id, file, args, options, priority }) => {
  const child = execFile(file, args, { ...options, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
    parentPort.postMessage({
      id,
      stdout: String(stdout ?? ''),
      stderr: String(stderr ?? ''),
      error: error
        ? { message: error.message, code: error.code ?? null, killed: error.killed === true, signal: error.signal ?? null }
        : null,
    });
  });
  // Gone already, or not allowed: it runs at the engine's priority, as before.
  if (priority !== null && child.pid !== undefined) try { setPriority(child.pid, priority); } catch {}
});
`;

let enabled = false;
let thread: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, (result: OffLoopExecResult) => void>();

let runner: ChildRunner | null = null;

/** Long-lived processes (the engine: app, `serve`) turn it on; a one-shot CLI command starts no thread. */
export function runChildrenOffTheLoop(on: boolean): void {
  enabled = on;
}

/**
 * While on, children start in `through` (an engine's spawner process) rather than from the thread:
 * the thread's fork still copies this whole process's page tables — ~20 ms of CPU per git from a
 * big engine, ~350 ms for the 8 worktrees of a burst, at the engine's priority (bench/RESULTS.md,
 * issue 17 target 11) — while the spawner is a bare Node. The last engine to ask wins;
 * `stopRunningChildrenThrough` with the same runner (that engine closes) goes back to the thread.
 */
export function runChildrenThrough(through: ChildRunner): void {
  runner = through;
}

export function stopRunningChildrenThrough(through: ChildRunner): void {
  if (runner === through) runner = null;
}

let runnerCalls = 0;

/** How many calls another process (the spawner) ran so far (tests: proof that a path used it). */
export function runnerCallCount(): number {
  return runnerCalls;
}

let offLoopCalls = 0;

/** How many calls went through the thread so far (tests: proof that a path used it). */
export function offLoopCallCount(): number {
  return offLoopCalls;
}

/**
 * In a process with an engine, the child also runs at low priority (priority.ts, nice +10): it is
 * the engine's background work (8 worktrees checked out at once are 8 CPU-bound gits), and it
 * shares the engine's scheduling group (the same session, so the same Linux autogroup), where a
 * lower nice is what lets the event loop's thread get a core first. A one-shot command (CLI) runs
 * its git at its own priority: the person waits for that git.
 */
export function execFileOffTheLoop(
  file: string,
  args: readonly string[],
  options: Options,
): Promise<OffLoopExecResult> {
  const priority = enabled ? lowPriorityValue() : null;
  const through = enabled ? runner : null;
  if (through) {
    runnerCalls += 1;
    return through
      .exec({ file, args: [...args], options, priority })
      .then((result) => result ?? inThread(file, args, options, priority));
  }
  return inThread(file, args, options, priority);
}

function inThread(
  file: string,
  args: readonly string[],
  options: Options,
  priority: number | null,
): Promise<OffLoopExecResult> {
  const worker = enabled ? threadOrNull() : null;
  if (!worker) return execFileHere(file, args, options, priority);
  offLoopCalls += 1;
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    if (waiting.size === 1) worker.ref();
    worker.postMessage({ id, file, args: [...args], options, priority });
  });
}

function execFileHere(
  file: string,
  args: readonly string[],
  options: Options,
  priority: number | null,
): Promise<OffLoopExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      { ...options, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        resolve({
          stdout,
          stderr,
          error: error
            ? {
                message: error.message,
                code: (error.code as number | string | undefined) ?? null,
                killed: error.killed === true,
                signal: error.signal ?? null,
              }
            : null,
        });
      },
    );
    if (priority !== null && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, priority);
      } catch {
        // gone already, or not allowed: it runs at this process's priority
      }
    }
  });
}

function threadOrNull(): Worker | null {
  if (thread) return thread;
  let worker: Worker;
  try {
    worker = new Worker(THREAD_SOURCE, { eval: true });
  } catch {
    return null;
  }
  worker.unref();
  worker.on('message', (reply: OffLoopExecResult & { id: number }) => {
    const resolve = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    resolve?.({ error: reply.error, stdout: reply.stdout, stderr: reply.stderr });
  });
  const lost = (reason: string): void => {
    if (thread === worker) thread = null;
    const stranded = [...waiting.values()];
    waiting.clear();
    for (const resolve of stranded)
      resolve({
        stdout: '',
        stderr: '',
        error: { message: reason, code: null, killed: false, signal: null },
      });
  };
  worker.on('error', (error) => lost(`the thread that starts child processes failed: ${error.message}`));
  worker.on('exit', (code) => lost(`the thread that starts child processes ended (${code})`));
  thread = worker;
  return worker;
}
