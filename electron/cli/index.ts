import { runCli } from './main';
import { writeAll } from './stdio';

// Entry point of the `switchyard` command (bundled to dist/cli.mjs).

const output = {
  out: (text: string) => writeAll(1, `${text}\n`),
  err: (text: string) => writeAll(2, `${text}\n`),
  write: (text: string) => writeAll(1, text),
};

runCli(process.argv.slice(2), process.env, output).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    writeAll(2, `switchyard: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
