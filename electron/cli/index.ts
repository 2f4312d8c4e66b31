import { runCli } from './main';
import { runAsProcess } from './stdio';

// Entry point of the whole `switchyard` command (bundled to dist/cli.mjs); the task commands also
// have a bundle of their own (taskCli.ts), chosen by launch.ts.
runAsProcess(runCli);
