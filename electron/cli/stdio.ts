import fs from 'node:fs';

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
  let rest = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  while (rest.length > 0) {
    let written: number;
    try {
      written = fs.writeSync(fd, rest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A non-blocking pipe (set so by whoever shares it) that is full: wait for the reader.
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') readerGone();
      throw error;
    }
    rest = rest.subarray(written);
  }
}

/** For the commands that hand a stream to a library (MCP over stdio): EPIPE ends quietly there too. */
export function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') readerGone();
    throw error;
  });
}
