import { TranscriptParser, type RunUsage, type TranscriptFormat } from '../../../shared/transcript';
import { LogFollower } from './logTail';

/**
 * A worker's log as the supervisor follows it (docs/architecture.md §5 and §10): the card's line,
 * the bytes written and, for a structured run, the agent's totals. Followed here (plain text, or a
 * structured run when no thread is at hand) or in the structured-log thread (structuredLogs.ts).
 */
export interface FollowedLog {
  /** What a card shows: a structured agent's last message, else the last output line. */
  readonly lastLine: string | null;
  /** Bytes the worker has written to this log since following started (rotations included). */
  readonly outputBytes: number;
  readonly lastOutputAt: number | null;
  /** A structured run's totals as a full parse of what was read so far gives them; null for plain text. */
  readonly usage: RunUsage | null;
  /** Stops polling, reads what is left and ends the transcript (its unfinished last line kept raw). */
  finish(): Promise<void>;
  /** Stops following; nothing more is read. */
  stop(): void;
}

export interface FollowLogOptions {
  path: string;
  /** See LogFollowerOptions.startOffset. */
  startOffset: number;
  rotateBytes: number | null;
  keepFiles: number;
  chunked: boolean;
  /** The agent's structured output; null: plain text. */
  format: TranscriptFormat | null;
  /** How often the file is looked at. */
  pollMs: number;
  now: () => number;
  /** After a poll that changed the card's line or the byte count. */
  onChange: () => void;
  onError: (error: Error) => void;
}

/** Follows a log in this thread: one LogFollower on a timer, and the totals-only parser for a structured run. */
export function followLogHere(options: FollowLogOptions): FollowedLog {
  const transcript = options.format ? new TranscriptParser(options.format) : null;
  const follower = new LogFollower({
    path: options.path,
    startOffset: options.startOffset,
    rotateBytes: options.rotateBytes,
    keepFiles: options.keepFiles,
    chunked: options.chunked,
    now: options.now,
    onChange: options.onChange,
    onError: options.onError,
    onText: transcript ? (text) => transcript.push(text) : undefined,
  });
  let timer: NodeJS.Timeout | null = setInterval(() => void follower.poll(), options.pollMs);
  // The children keep the app alive, never this timer.
  timer.unref();
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  return {
    get lastLine() {
      return transcript?.totals.lastMessage ?? follower.lastLine;
    },
    get outputBytes() {
      return follower.outputBytes;
    },
    get lastOutputAt() {
      return follower.lastOutputAt;
    },
    get usage() {
      return transcript?.totals ?? null;
    },
    async finish() {
      stop();
      await follower.flush();
      transcript?.end();
    },
    stop,
  };
}
