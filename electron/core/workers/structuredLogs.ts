import { Worker } from 'node:worker_threads';
import { findThreadBundle } from '../threadBundle';
import type { RunUsage } from '../../../shared/transcript';
import { followLogHere, type FollowedLog, type FollowLogOptions } from './followedLog';
import { createLogStateMailbox, LogStateMailboxReader } from './logStateMailbox';

/**
 * Workers' logs followed off the main thread (docs/architecture.md §10, issue 17 targets 5 and 12).
 *
 * The supervisor needs only totals from a structured log (tokens, cost, session, last message), but
 * finding them means reading and decoding every byte the agent writes: 40 agents at full speed made
 * the main event loop wait for the reads' promise round trips and for the young-generation
 * collections of the decoded text (bench/RESULTS.md). One worker thread for the process follows
 * every structured log — the same LogFollower and parser (followLogHere), rotation included — and
 * hands over the card's line, the byte count and the totals, at most every BATCH_MS for all of them
 * together, through a shared-memory mailbox the main thread takes from every TAKE_MS
 * (logStateMailbox.ts says why not a message). The main thread never sees the bytes; the thread's
 * garbage is collected in its own heap.
 * Plain-text logs are followed there too (the main thread does no work per poll or per chunk of
 * any log). The thread runs at the main thread's priority: lowered, it held process-wide locks the
 * main thread then slept on (structuredLogThread.ts).
 *
 * The thread is made on first use and unref'd: it never keeps the process alive, except while a
 * finished worker's last bytes are being read (a `finish` waits). If its bundle is missing (a build
 * without it) or it cannot start, logs are followed here as before; if it dies, the logs it followed
 * are followed here again from where they began, so the totals are still those of a full parse.
 */

/** What the thread is asked (main → thread). */
export type ThreadRequest =
  | { type: 'follow'; id: number; options: ThreadFollowOptions }
  | { type: 'finish'; id: number }
  | { type: 'stop'; id: number };

/** What the thread tells (thread → main). */
export type ThreadReport =
  | { type: 'states'; states: LogState[] }
  /** state null: the thread did not follow that log (nothing more to read). */
  | { type: 'finished'; id: number; state: LogState | null }
  | { type: 'error'; id: number; message: string };

export type ThreadFollowOptions = Omit<FollowLogOptions, 'now' | 'onChange' | 'onError'>;

export interface LogState {
  id: number;
  lastLine: string | null;
  outputBytes: number;
  usage: RunUsage | null;
}

/** The thread's bundle (scripts/build-node.mjs), next to the bundle this code is in or in dist/. */
export const THREAD_BUNDLE = 'structuredLogThread.cjs';

let thread: Worker | null = null;
/** False once the thread could not be made: no second try in this process. */
let threadUsable = true;
let nextId = 1;
const followed = new Map<number, ThreadLog>();
let finishing = 0;
let followedInThread = 0;
let stateMessages = 0;
/** The thread's batches (logStateMailbox.ts), and the timer that takes them while logs are followed. */
let mailbox: LogStateMailboxReader | null = null;
let takeTimer: NodeJS.Timeout | null = null;

/**
 * How often the main thread takes the thread's batch: a card shows at most 10 updates a second
 * anyway (the supervisor's output throttle), and an idle loop wakes no more than this for it.
 */
export const TAKE_MS = 100;

/** How many logs went to the thread so far (tests: proof that a path used it). */
export function logsFollowedInThread(): number {
  return followedInThread;
}

/** How many batches of states came by message, not through the mailbox (tests: none while it fits). */
export function stateBatchesByMessage(): number {
  return stateMessages;
}

/** Tests: the thread dies as a crash would end it (its logs are then followed here). */
export async function endLogThreadForTests(): Promise<void> {
  await thread?.terminate();
}

/**
 * Follows a worker's log in the thread when one can be had, else here. Plain-text logs go there too:
 * a card needs only the end of a burst, but 40 of them polled here cost the event loop a stat and a
 * read's round trips each per poll, about a second of the main thread's time per 800 MB (row 5).
 */
export function followLog(options: FollowLogOptions, useThread = true): FollowedLog {
  const worker = useThread ? threadOrNull() : null;
  if (!worker) return followLogHere(options);
  const log = new ThreadLog(nextId++, options);
  followed.set(log.id, log);
  followedInThread += 1;
  takeWhileFollowing();
  post({ type: 'follow', id: log.id, options: threadOptions(options) });
  return log;
}

function threadOptions(options: FollowLogOptions): ThreadFollowOptions {
  const { path: logPath, startOffset, rotateBytes, keepFiles, chunked, format, pollMs } = options;
  return { path: logPath, startOffset, rotateBytes, keepFiles, chunked, format, pollMs };
}

class ThreadLog implements FollowedLog {
  lastLine: string | null = null;
  outputBytes = 0;
  lastOutputAt: number | null = null;
  usage: RunUsage | null = null;
  /** Followed here instead, after the thread was lost. */
  private here: FollowedLog | null = null;
  private finished: (() => void) | null = null;

  constructor(
    readonly id: number,
    private readonly options: FollowLogOptions,
  ) {}

  apply(state: LogState): void {
    if (this.here) return;
    const grew = state.outputBytes !== this.outputBytes;
    const changed = grew || state.lastLine !== this.lastLine;
    this.lastLine = state.lastLine;
    this.outputBytes = state.outputBytes;
    this.usage = state.usage;
    if (grew) this.lastOutputAt = this.options.now();
    if (changed) this.options.onChange();
  }

  error(message: string): void {
    this.options.onError(new Error(message));
  }

  finish(): Promise<void> {
    const here = this.here;
    if (here) {
      followed.delete(this.id);
      return here.finish().then(() => this.copyFromHere());
    }
    return new Promise((resolve) => {
      this.finished = () => {
        this.finished = null;
        followed.delete(this.id);
        finishing -= 1;
        if (finishing === 0) thread?.unref();
        resolve();
      };
      finishing += 1;
      // While it waits for the last bytes, the thread keeps the process alive.
      if (finishing === 1) thread?.ref();
      post({ type: 'finish', id: this.id });
    });
  }

  markFinished(state: LogState | null): void {
    if (state) this.apply(state);
    this.finished?.();
  }

  stop(): void {
    followed.delete(this.id);
    if (this.here) this.here.stop();
    else post({ type: 'stop', id: this.id });
  }

  /** The thread is gone: follow the log here from where following began (a full parse again). */
  followHere(): void {
    this.here = followLogHere({
      ...this.options,
      onChange: () => {
        this.copyFromHere();
        this.options.onChange();
      },
    });
    const waiting = this.finished;
    if (waiting) {
      // Counted out here; the local finish reads to the end.
      void this.here.finish().then(() => {
        this.copyFromHere();
        waiting();
      });
    }
  }

  private copyFromHere(): void {
    if (!this.here) return;
    this.lastLine = this.here.lastLine;
    this.outputBytes = this.here.outputBytes;
    this.lastOutputAt = this.here.lastOutputAt;
    this.usage = this.here.usage;
  }
}

function applyStates(states: readonly LogState[]): void {
  for (const state of states) followed.get(state.id)?.apply(state);
}

/** Takes the thread's waiting batch, if any; the timer ends once no log is followed in the thread. */
function takeBatch(): void {
  const batch = mailbox?.take();
  if (batch) applyStates(JSON.parse(batch) as LogState[]);
  if (followed.size === 0 && takeTimer) {
    clearInterval(takeTimer);
    takeTimer = null;
  }
}

function takeWhileFollowing(): void {
  if (takeTimer || !mailbox) return;
  takeTimer = setInterval(takeBatch, TAKE_MS);
  takeTimer.unref();
}

function post(request: ThreadRequest): void {
  thread?.postMessage(request);
}

function threadOrNull(): Worker | null {
  if (thread || !threadUsable) return thread;
  const script = findThreadBundle(THREAD_BUNDLE);
  let worker: Worker;
  const stateMailbox = createLogStateMailbox();
  try {
    if (!script) throw new Error(`${THREAD_BUNDLE} not found`);
    worker = new Worker(script, { workerData: { stateMailbox } });
  } catch {
    threadUsable = false;
    return null;
  }
  mailbox = new LogStateMailboxReader(stateMailbox);
  worker.on('message', (report: ThreadReport) => {
    if (report.type === 'states') {
      // A batch too big for the mailbox.
      stateMessages += 1;
      applyStates(report.states);
    } else if (report.type === 'finished') {
      // The batch waiting in the mailbox is older than the final state: applied first.
      takeBatch();
      followed.get(report.id)?.markFinished(report.state);
    } else {
      followed.get(report.id)?.error(report.message);
    }
  });
  const lost = (reason: string): void => {
    if (thread !== worker) return;
    thread = null;
    threadUsable = false;
    mailbox = null;
    if (takeTimer) clearInterval(takeTimer);
    takeTimer = null;
    const logs = [...followed.values()];
    for (const log of logs) {
      log.error(`the log thread ${reason}; following its log in the main thread`);
      log.followHere();
    }
  };
  worker.on('error', (error) => lost(`failed: ${error.message}`));
  worker.on('exit', (code) => lost(`ended (${code})`));
  // After the listeners: adding a 'message' listener refs the thread again.
  worker.unref();
  thread = worker;
  return worker;
}
