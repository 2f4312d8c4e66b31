import { runCli } from './cli/main';

// Entry point of the `switchyard` command (bundled to dist/cli.mjs).
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
