import fs from 'node:fs';
import type { JsonLayout } from '../../shared/jsonArrayElement';
import type { Output } from './output';

/**
 * The CLI writes its output with write(2) on file descriptors 1 and 2, not through process.stdout
 * and process.stderr: creating those streams loads Node's net and stream modules when the output is
 * a pipe, several ms of every start (performance issue 17, target 4). The writes are synchronous, as
 * process.stdout's are on Linux for files, pipes and terminals.
 */

const pause = new Int32Array(new SharedArrayBuffer(4));

/** `switchyard list | head`: a reader that went away is not an error worth a stack trace. */
function readerGone(): never {
  // The command's work is already done: output is written after the database change.
  process.exit(process.exitCode ?? 0);
}

export function writeAll(fd: 1 | 2, data: string | Uint8Array): void {
  // A string goes to write(2) as it is: Node encodes it straight into the write, where a Buffer.from
  // first copied every byte into a new buffer (for `list --json` of 20,000 tasks, 18 MB of copies
  // and their garbage: performance issue 17, target 4b). Only what a full non-blocking pipe left
  // unwritten becomes bytes, to be written in the loop below.
  let rest: Uint8Array;
  if (typeof data === 'string') {
    const written = writeOnce(fd, data);
    if (written === Buffer.byteLength(data, 'utf8')) return;
    rest = Buffer.from(data, 'utf8').subarray(written);
  } else {
    rest = data;
  }
  while (rest.length > 0) rest = rest.subarray(writeOnce(fd, rest));
}

/** One write(2): the bytes written, 0 after a short wait when a non-blocking pipe is full. */
function writeOnce(fd: 1 | 2, data: string | Uint8Array): number {
  try {
    return typeof data === 'string' ? fs.writeSync(fd, data) : fs.writeSync(fd, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A non-blocking pipe (set so by whoever shares it) that is full: wait for the reader.
    if (code === 'EAGAIN') {
      Atomics.wait(pause, 0, 0, 1);
      return 0;
    }
    if (code === 'EPIPE') readerGone();
    throw error;
  }
}

/** For the commands that hand a stream to a library (MCP over stdio): EPIPE ends quietly there too. */
export function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') readerGone();
    throw error;
  });
}

/**
 * `--json` is indented for a person at a terminal and compact, one array element a line, for a
 * program reading a pipe, socket or file: `list --json` of 20,000 tasks is then 15 MB instead of
 * 18.5 MB for its reader to take in and decode (performance issue 17, target 4b). Only a character
 * device can be a terminal; Node's `tty.isatty` is asked only then, as loading node:tty loads
 * node:net and the stream modules (~5 ms) that the commands otherwise never need (target 4).
 */
export function jsonLayoutOfStandardOutput(): JsonLayout {
  if (!fs.fstatSync(1).isCharacterDevice()) return 'lines';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for a character device
  return (require('node:tty') as typeof import('node:tty')).isatty(1) ? 'pretty' : 'lines';
}

let standardOutputLayout: JsonLayout | undefined;

/** The output of a command line run as this process: fd 1 and 2, written at once. */
const processOutput: Output = {
  out: (text: string) => writeAll(1, `${text}\n`),
  err: (text: string) => writeAll(2, `${text}\n`),
  write: (text: string) => writeAll(1, text),
  jsonLayout: () => (standardOutputLayout ??= jsonLayoutOfStandardOutput()),
};

/**
 * How a process ends once its command line has its exit code: `drain` lets Node's event loop run
 * out, for commands that leave work behind them (`serve`'s server, a watch); `now` ends the process
 * at once, for the task commands, which leave none (their output is written synchronously and
 * their database closed before the code is known): Node then skips its teardown — the V8 heap and
 * the environment freed one by one, which the kernel does at once — ~5–15 ms after `list --json` of
 * 20,000 tasks, which `spawnSync`'s reader waits for (performance issue 17, target 4b).
 */
export type ProcessEnd = 'drain' | 'now';

/** Runs this process's command line (argv after the script) and sets its exit code from the result. */
export function runAsProcess(
  run: (argv: readonly string[], env: NodeJS.ProcessEnv, output: Output) => Promise<number>,
  end: ProcessEnd = 'drain',
): void {
  const finish = (code: number): void => {
    if (end === 'now') process.exit(code);
    process.exitCode = code;
  };
  run(process.argv.slice(2), process.env, processOutput).then(finish, (error: unknown) => {
    writeAll(2, `switchyard: ${(error as Error).message}\n`);
    finish(1);
  });
}
