import { spawn, type ChildProcess } from 'node:child_process';
import { isProcessAlive } from '../procfs';
import { STANDBY_NAME } from './exitStatus';
import type { OffLoopExecOptions, OffLoopExecResult } from './offLoopExecFile';

/**
 * The spawner (docs/architecture.md §5 "Starting workers off the event loop"): a small long-lived
 * Node process that starts the workers for a process with an engine (the app, `serve`,
 * `dispatch --watch`), so that starting one never holds the engine's event loop.
 *
 * Why a process and not the worker thread git uses (offLoopExecFile.ts): `child_process.spawn` is a
 * synchronous fork + wait-for-exec, and a fork copies the page tables of the WHOLE process — 2.6 ms
 * of CPU from a 44 MB process, 10.2 ms from a 310 MB one — whichever thread calls it, and the other
 * threads' page faults wait for that copy. Forked from this process (a bare Node, ~40 MB), the start
 * is cheap and the engine's loop only sends a message and reads the answer.
 *
 * The protocol (Node's IPC channel, JSON): `{ type: 'spawn', id, file, args, cwd, env, logPath,
 * logDev, logIno }` → `{ type: 'answer', id, pid }` or `{ type: 'answer', id, error }`; later, for
 * each child, `{ type: 'exit', pid, code, signal }` once it has been reaped. The child is started
 * exactly as Supervisor.spawn does in process: its own process group (detached), stdin closed,
 * stdout and stderr the log file. The log is opened and checked by the engine (ownedFiles.ts); the
 * spawner opens it again without following links and refuses it unless it is the same file (device
 * and inode) — a file swapped in between is never written to.
 *
 * It also runs the engine's git (offLoopExecFile.ts `runChildrenThrough`): `{ type: 'exec', id,
 * file, args, options, priority }` → `{ type: 'execStarted', id, pid, startTime }` once the child
 * runs, then `{ type: 'execResult', id, stdout, stderr, error }` — execFile there, with the
 * caller's timeout and maxBuffer, lowered to `priority`, and not detached: it stays in the engine's
 * session (and Linux autogroup), where its nice is what lets the event loop's thread go first.
 *
 * Lifetime: started on first use (or by `warm()`), unref'd while it has nothing to do (never keeps
 * the engine's process alive), and it exits as soon as its channel closes — when the engine closes
 * it or the engine's process dies — so it is never left behind. Its children are detached: they
 * outlive it, and whoever holds their runs then polls them like adopted workers (the waiter records
 * their exit status either way, exitStatus.ts). A spawner that dies or does not answer is replaced
 * on the next spawn.
 *
 * Standby (Linux, docs/architecture.md §5 "A standby waiter"): a fork of this process costs ~5 ms
 * of wall time on a slow VM (libuv forks, then waits for the child's first exec), and that was most
 * of what ready → spawned waited for. So 100 ms after each start (not at once: that fork competed
 * with the worker just started for the cores) the spawner forks the next worker's process ahead:
 * `/bin/sh -s switchyard-standby`, detached (its own session and group, as a worker), env holding
 * only SWITCHYARD_HOME, cwd `/`, blocked reading its commands from stdin. A start hands it one
 * compound command, which the shell parses whole before running any of it: cd to the run's cwd, the
 * run's environment exported exactly (PWD, OLDPWD, SHLVL and the home unset first: a shell sets the
 * first three itself), stdout and stderr appended to the log through `/proc/<spawner>/fd/<fd>` (the
 * fd this process opened without following links and checked: the same open file, never the path
 * looked up again), stdin from /dev/null, "ok" written on fd 3, then `exec` of the very argv
 * spawn() would run (`nice` … the waiter …), fd 3 closed. The answer is the standby's pid once "ok"
 * is read: same pid, group, session and start time as the exec'd waiter, so stop, timeout, group
 * kill, exit relay, pid file and adoption are the forked start's. Every string is single-quoted and
 * NUL-free; a start the shell cannot make exactly (a variable name it cannot set, a relative path,
 * a NUL) is forked as before, and the standby kept. A standby that ends without "ok" never ran the
 * command: the start is forked instead; unless it said why (cwd or program missing) or was killed,
 * standbys are turned off for this spawner. The unused standby ends with the spawner (its stdin
 * closes: end of input; SIGKILLed on a normal exit). Without /bin/sh or /proc (macOS, Windows)
 * every start is forked.
 */

/** Runs in the spawner (CommonJS, from this text: the bundles have no file for it). Raw text. */
export const SPAWNER_SOURCE = String.raw`
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { O_WRONLY, O_CREAT, O_APPEND, O_NOFOLLOW } = fs.constants;
process.on('disconnect', () => process.exit(0));
// A closed channel (the engine is gone) is no error: the spawner ends on 'disconnect' anyway.
const send = (message) => { if (process.connected) process.send(message, () => undefined); };
process.on('message', (m) => {
  if (!m || m.type !== 'spawn') return;
  let fd;
  try {
    fd = fs.openSync(m.logPath, O_WRONLY | O_CREAT | O_APPEND | (O_NOFOLLOW || 0), 0o600);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.dev !== m.logDev || stat.ino !== m.logIno)
      throw new Error('it is no longer the file that was checked');
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    send({ type: 'answer', id: m.id, error: 'cannot open the log ' + m.logPath + ': ' + error.message });
    return;
  }
  const script = standby !== null ? standbyScript(m, fd) : null;
  if (script !== null) startOnStandby(m, fd, script);
  else startBySpawn(m, fd);
});
// The start as Supervisor.spawn does it in process; closes fd.
const startBySpawn = (m, fd) => {
  let child;
  try {
    child = spawn(m.file, m.args, { detached: true, stdio: ['ignore', fd, fd], cwd: m.cwd, env: m.env, shell: false });
  } catch (error) {
    send({ type: 'answer', id: m.id, error: error.message });
    return;
  } finally {
    fs.closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    child.once('error', (error) => send({ type: 'answer', id: m.id, error: error.message }));
    return;
  }
  child.on('error', () => undefined);
  child.once('exit', (code, signal) => send({ type: 'exit', pid, code, signal }));
  send({ type: 'answer', id: m.id, pid });
  refillSoon();
};
// The standby waiter (spawner.ts header "Standby"): a shell forked ahead of time, blocked on
// reading its commands from stdin. The start hands it one compound command that it parses whole
// before running any of it: cd, the run's environment, stdout and stderr to the checked log (this
// process's open fd, reopened through /proc: the same file, never a path looked up again), "ok" on
// fd 3, then exec of the same argv the spawn above would run. Anything missing turns them off.
const STANDBY_NAME = ${JSON.stringify(STANDBY_NAME)};
const standbyShell = (() => {
  if (process.argv[1] !== 'standby' || process.platform !== 'linux') return null;
  try {
    fs.accessSync('/bin/sh', fs.constants.X_OK);
    fs.accessSync('/proc/' + process.pid + '/fd', fs.constants.R_OK);
    return '/bin/sh';
  } catch { return null; }
})();
let standbysOn = standbyShell !== null;
let standby = null;
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quote = (text) => "'" + text.split("'").join("'\\''") + "'";
// The standby's own variables: none but the home, so a scan for the home's processes sees it.
const standbyEnv = process.env.SWITCHYARD_HOME === undefined ? {} : { SWITCHYARD_HOME: process.env.SWITCHYARD_HOME };
const makeStandby = () => {
  if (!standbysOn || standby !== null || !process.connected) return;
  let child;
  try {
    child = spawn(standbyShell, ['-s', STANDBY_NAME], {
      detached: true, cwd: '/', env: standbyEnv, stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
    });
  } catch { standbysOn = false; return; }
  if (child.pid === undefined) { child.once('error', () => undefined); standbysOn = false; return; }
  // What it says on fd 3 is read from the start: a standby that dies while it waits is seen gone.
  const entry = { child, said: '', ended: false, onSaid: null, onEnded: null, onExit: null };
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  const told = child.stdio[3];
  told.on('error', () => undefined);
  told.setEncoding('latin1');
  told.on('data', (text) => {
    entry.said += text;
    if (entry.onSaid) entry.onSaid();
  });
  told.once('close', () => {
    entry.ended = true;
    if (standby === entry) standby = null;
    if (entry.onEnded) entry.onEnded();
  });
  child.once('exit', (code, signal) => {
    if (standby === entry) standby = null;
    if (entry.onExit) entry.onExit(code, signal);
  });
  standby = entry;
};
// The next standby is forked a moment after a start, not at once: its fork and exec compete for
// the cores with the worker just started, whose agent began ~30 ms later when they ran together
// (bench/RESULTS.md, "Row 3a, fourth round").
const STANDBY_REFILL_DELAY_MS = 100;
const refillSoon = () => { setTimeout(makeStandby, STANDBY_REFILL_DELAY_MS).unref(); };
// One unused standby at most: it ends when this process does (its stdin closes: end of input).
process.on('exit', () => { if (standby !== null) try { standby.child.kill('SIGKILL'); } catch {} });
// The command for the standby, or null when only spawn() can do this start exactly.
const standbyScript = (m, fd) => {
  if (!m.file.startsWith('/') || !m.cwd.startsWith('/')) return null;
  const env = Object.entries(m.env);
  const texts = [m.file, m.cwd, ...m.args];
  for (const [name, value] of env) {
    if (!SHELL_NAME.test(name)) return null;
    texts.push(value);
  }
  if (texts.some((text) => typeof text !== 'string' || text.includes('\0'))) return null;
  return [
    '{',
    'cd -P -- ' + quote(m.cwd) + ' 2>/dev/null || { printf skip >&3; exit 1; }',
    '[ -x ' + quote(m.file) + ' ] || { printf skip >&3; exit 1; }',
    'unset PWD OLDPWD SHLVL SWITCHYARD_HOME',
    ...env.map(([name, value]) => 'export ' + name + '=' + quote(value)),
    'exec >>/proc/' + process.pid + '/fd/' + fd + ' 2>&1 </dev/null',
    'printf ok >&3',
    'exec 3>&- ' + [m.file, ...m.args].map(quote).join(' '),
    '}',
    '',
  ].join('\n');
};
// The answer is the standby's pid once it said "ok". One that ends without it never ran the
// command, and the start is done by spawn() instead (which says what was wrong, if anything); it
// is decided once both its fd 3 and its life have ended, since they are seen in either order.
const startOnStandby = (m, fd, script) => {
  const entry = standby;
  standby = null;
  const pid = entry.child.pid;
  let answered = false;
  let exited = null;
  entry.onSaid = () => {
    if (answered || entry.said !== 'ok') return;
    answered = true;
    fs.closeSync(fd);
    send({ type: 'answer', id: m.id, pid });
    // Its exit may be seen before its "ok" is read: relayed after the answer, never before.
    if (exited !== null) send({ type: 'exit', pid, code: exited.code, signal: exited.signal });
    refillSoon();
  };
  const settle = () => {
    if (answered || !entry.ended || exited === null) return;
    answered = true;
    // "skip": this start's cwd or program is missing; a signal: it was killed while it waited.
    // Anything else means standbys do not work here.
    if (entry.said !== 'skip' && exited.signal === null) standbysOn = false;
    startBySpawn(m, fd);
  };
  entry.onEnded = settle;
  entry.onExit = (code, signal) => {
    if (answered && entry.said === 'ok') send({ type: 'exit', pid, code, signal });
    else if (!answered) {
      exited = { code, signal };
      settle();
    }
  };
  entry.child.stdin.end(script);
};
// Git and other short commands of the engine (execFile: output, exit code), lowered to the
// priority asked for right after the start; killed when the spawner ends, so none outlives it.
const { execFile } = require('node:child_process');
const { setPriority } = require('node:os');
const execs = new Map();
const startTimeOf = (pid) => {
  try {
    const line = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    return line.slice(line.lastIndexOf(')') + 2).split(' ')[19] || null;
  } catch { return null; }
};
process.on('exit', () => { for (const child of execs.values()) try { child.kill('SIGTERM'); } catch {} });
process.on('message', (m) => {
  if (!m || m.type !== 'exec') return;
  const reply = (error, stdout, stderr) => {
    execs.delete(m.id);
    send({
      type: 'execResult', id: m.id, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''),
      error: error ? { message: error.message, code: error.code ?? null, killed: error.killed === true, signal: error.signal ?? null } : null,
    });
  };
  let child;
  try {
    child = execFile(m.file, m.args, { ...m.options, encoding: 'utf8', windowsHide: true }, reply);
  } catch (error) {
    reply(error, '', '');
    return;
  }
  if (child.pid === undefined) return; // the callback reports why (ENOENT …)
  execs.set(m.id, child);
  if (m.priority !== null) try { setPriority(child.pid, m.priority); } catch {}
  send({ type: 'execStarted', id: m.id, pid: child.pid, startTime: startTimeOf(child.pid) });
});
send({ type: 'ready' });
`;

export interface SpawnerRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Opened and checked by the caller; the spawner appends to the same file (device and inode). */
  logPath: string;
  logDev: number;
  logIno: number;
}

export type SpawnerAnswer = { ok: true; pid: number } | { ok: false; error: string };

/** A command run to its end by the spawner (`execFile`): git for a long-lived engine (offLoopExecFile.ts). */
export interface SpawnerExecRequest {
  file: string;
  args: string[];
  options: OffLoopExecOptions;
  /** The nice the child is lowered to right after its start, or null to leave it at the spawner's. */
  priority: number | null;
}

interface PendingExec {
  request: SpawnerExecRequest;
  /** null: it never started, and may be run elsewhere (the spawner ended or closed first). */
  resolve: (result: OffLoopExecResult | null) => void;
  timer: NodeJS.Timeout | null;
  /** Its child, once the spawner said it started (killed if the spawner ends before it does). */
  started: { pid: number; startTime: string | null } | null;
}

/** What the caller hears about the child a launch started (set before its answer can arrive). */
export interface ChildWatch {
  /** It has ended (reaped by the spawner). */
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  /**
   * The spawner ended (killed, crashed, closed) while the child was alive: nobody will report its
   * exit any more, so its holder polls it instead.
   */
  onOrphaned: () => void;
}

export interface SpawnerOptions {
  /** How long a request may wait for its answer before it fails and the spawner is replaced [30 s]. */
  answerTimeoutMs?: number;
  /** How long a new spawner may take to come up (a Node boot on a loaded machine) [30 s]. */
  bootTimeoutMs?: number;
  /** The Node to run it with [process.execPath; under Electron with ELECTRON_RUN_AS_NODE=1]. */
  execPath?: string;
  /**
   * Keep a standby waiter forked ahead of the next start (see the header) [true]; false: every
   * start forks (the bench's before/after, tests of the plain path).
   */
  standby?: boolean;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

interface Pending {
  resolve: (answer: SpawnerAnswer) => void;
  /** Armed once the spawner is up: its own boot has a deadline of its own (processOrNull). */
  timer: NodeJS.Timeout | null;
  watch: ChildWatch;
}

/** One spawner process at a time, made on demand; see the header. */
export class Spawner {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Children started by the current spawner process and not yet reported ended. */
  private readonly live = new Map<number, ChildWatch>();
  /** Commands sent to the current spawner process and not answered yet (exec). */
  private readonly execs = new Map<number, PendingExec>();
  private closed = false;
  /** The current process said it is listening. */
  private ready = false;
  private readonly answerTimeoutMs: number;

  constructor(private readonly options: SpawnerOptions) {
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  }

  /** Starts the process now, so the first spawn does not wait for Node to boot. */
  warm(): void {
    if (!this.closed) this.processOrNull();
  }

  /** The spawner's pid, or null when none runs (tests kill it to see their workers adopted). */
  pid(): number | null {
    return this.child?.pid ?? null;
  }

  launch(request: SpawnerRequest, watch: ChildWatch): Promise<SpawnerAnswer> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the spawner is closed' });
    const child = this.processOrNull();
    if (!child) return Promise.resolve({ ok: false, error: 'the spawner could not be started' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const pending: Pending = { resolve, timer: null, watch };
      if (this.ready) this.arm(pending, child);
      this.pending.set(id, pending);
      this.updateRef();
      child.send({ type: 'spawn', id, ...request }, (error) => {
        if (error) this.answer(id, { ok: false, error: `cannot reach the spawner: ${error.message}` });
      });
    });
  }

  /**
   * Runs a command to its end in the spawner (execFile there: its output, exit code or error, with
   * the request's cwd, env, timeout and maxBuffer), so that its fork is the spawner's small one, not
   * this process's. Resolves null when it was not started — the spawner is closed, could not be
   * started, or ended before the command began — so the caller may run it another way. A spawner
   * that ends while the command runs kills it and answers that as the error; one that does not
   * answer within the command's timeout plus answerTimeoutMs is killed and replaced.
   */
  exec(request: SpawnerExecRequest): Promise<OffLoopExecResult | null> {
    if (this.closed) return Promise.resolve(null);
    const child = this.processOrNull();
    if (!child) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const pending: PendingExec = { request, resolve, timer: null, started: null };
      this.execs.set(id, pending);
      if (this.ready) this.armExec(pending, child);
      this.updateRef();
      const { file, args, options, priority } = request;
      child.send({ type: 'exec', id, file, args, options, priority }, (error) => {
        if (error && this.execs.get(id) === pending && !pending.started) this.settleExec(id, null);
      });
    });
  }

  /** Ends the spawner; its children keep running (they are detached), unwatched. */
  close(): void {
    this.closed = true;
    const child = this.child;
    if (child) this.abandon(child, null);
  }

  /** The answer is due within answerTimeoutMs (from now, or from when the spawner came up). */
  private arm(pending: Pending, child: ChildProcess): void {
    pending.timer = setTimeout(() => this.timedOut(child), this.answerTimeoutMs);
    pending.timer.unref();
  }

  /** It is hung (or starved): every request waiting on it fails with that reason, and it is replaced. */
  private timedOut(child: ChildProcess): void {
    if (this.child !== child) return;
    for (const [id] of this.pending)
      this.answer(id, {
        ok: false,
        error: `the spawner did not answer within ${this.answerTimeoutMs} ms; it was killed and will be replaced`,
      });
    this.failExecs(
      `the spawner did not answer within ${this.answerTimeoutMs} ms after the command's timeout`,
    );
    this.abandon(child, 'SIGKILL');
  }

  private processOrNull(): ChildProcess | null {
    if (this.child) return this.child;
    let child: ChildProcess;
    try {
      const args = ['-e', SPAWNER_SOURCE, ...(this.options.standby === false ? [] : ['standby'])];
      child = spawn(this.options.execPath ?? process.execPath, args, {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        // NODE_OPTIONS of the engine (a profiler, a test runner's loader) are not the spawner's.
        env: { ...withoutNodeOptions(process.env), ELECTRON_RUN_AS_NODE: '1' },
        serialization: 'json',
      });
    } catch {
      return null;
    }
    if (child.pid === undefined) {
      child.once('error', () => undefined);
      return null;
    }
    this.child = child;
    this.ready = false;
    // A spawner that never comes up fails what waits on it too.
    setTimeout(() => {
      if (this.child === child && !this.ready) this.timedOut(child);
    }, this.options.bootTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS).unref();
    // A replaced spawner's late words (an answer after its timeout) are nobody's any more.
    child.on('message', (message: SpawnerMessage) => {
      if (this.child === child) this.onMessage(message, child);
    });
    child.on('error', () => this.abandon(child, 'SIGKILL'));
    child.once('exit', () => this.abandon(child, null));
    this.updateRef();
    return child;
  }

  private onMessage(message: SpawnerMessage, child: ChildProcess): void {
    if (message.type === 'ready') {
      this.ready = true;
      for (const pending of this.pending.values()) if (!pending.timer) this.arm(pending, child);
      for (const pending of this.execs.values()) if (!pending.timer) this.armExec(pending, child);
    } else if (message.type === 'execStarted') {
      const pending = this.execs.get(message.id);
      if (pending) pending.started = { pid: message.pid, startTime: message.startTime };
    } else if (message.type === 'execResult') {
      const { stdout, stderr, error } = message;
      this.settleExec(message.id, { stdout, stderr, error });
    } else if (message.type === 'answer') {
      const watch = this.pending.get(message.id)?.watch;
      if (message.pid !== undefined && watch) this.live.set(message.pid, watch);
      this.answer(
        message.id,
        message.pid !== undefined
          ? { ok: true, pid: message.pid }
          : { ok: false, error: message.error ?? 'the spawner failed' },
      );
    } else if (message.type === 'exit') {
      const watch = this.live.get(message.pid);
      this.live.delete(message.pid);
      this.updateRef();
      watch?.onExit(message.code, message.signal);
    }
  }

  private answer(id: number, answer: SpawnerAnswer): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    this.updateRef();
    pending.resolve(answer);
  }

  /**
   * This spawner process is done with (it exited, failed, hung, or we close): requests still waiting
   * fail, its live children are handed back as orphans, and the next launch starts a new one.
   */
  private abandon(child: ChildProcess, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (signal) child.kill(signal);
    if (child.connected) child.disconnect();
    child.unref();
    for (const [id] of this.pending)
      this.answer(id, { ok: false, error: 'the spawner ended before it answered' });
    this.failExecs('the spawner process ended while it ran');
    const orphans = [...this.live.values()];
    this.live.clear();
    for (const watch of orphans) watch.onOrphaned();
  }

  /**
   * An exec's answer is due within its own timeout plus answerTimeoutMs (the spawner kills the
   * command at its timeout and answers at once); without a timeout, only the spawner's end fails it.
   */
  private armExec(pending: PendingExec, child: ChildProcess): void {
    const timeout = pending.request.options.timeout ?? 0;
    if (timeout <= 0) return;
    pending.timer = setTimeout(() => this.timedOut(child), timeout + this.answerTimeoutMs);
    pending.timer.unref();
  }

  private settleExec(id: number, result: OffLoopExecResult | null): void {
    const pending = this.execs.get(id);
    if (!pending) return;
    this.execs.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    this.updateRef();
    pending.resolve(result);
  }

  /**
   * The spawner process is done with: a command not started yet is handed back (null: the caller
   * runs it another way); one that was running is killed, since nobody would hear its end, and its
   * caller gets `reason` as the error.
   */
  private failExecs(reason: string): void {
    for (const [id, pending] of [...this.execs]) {
      const started = pending.started;
      if (!started) {
        this.settleExec(id, null);
        continue;
      }
      // Only a process known by its start time: a bare pid may have been reused already.
      if (started.startTime !== null && isProcessAlive(started.pid, started.startTime)) {
        try {
          process.kill(started.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      const command = [pending.request.file, pending.request.args[0]].filter(Boolean).join(' ');
      this.settleExec(id, {
        stdout: '',
        stderr: '',
        error: { message: `${command}: ${reason} (it was stopped)`, code: null, killed: false, signal: null },
      });
    }
  }

  /** Holds the engine's process only while a request waits or a child it started lives. */
  private updateRef(): void {
    const child = this.child;
    if (!child) return;
    const busy = this.pending.size > 0 || this.live.size > 0 || this.execs.size > 0;
    const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    if (busy) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  }
}

type SpawnerMessage =
  | { type: 'ready' }
  | { type: 'answer'; id: number; pid?: number; error?: string }
  | { type: 'exit'; pid: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'execStarted'; id: number; pid: number; startTime: string | null }
  | ({ type: 'execResult'; id: number } & OffLoopExecResult);

function withoutNodeOptions(env: NodeJS.ProcessEnv): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== 'NODE_OPTIONS') copy[key] = value;
  }
  return copy;
}
