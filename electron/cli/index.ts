import { runCli } from './main';

// Entry point of the `switchyard` command (bundled to dist/cli.mjs).

// `switchyard list | head`: a reader that went away is not an error worth a stack trace. The
// command's work is already done (output is written after the database change).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const output = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
};

runCli(process.argv.slice(2), process.env, output).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`switchyard: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
