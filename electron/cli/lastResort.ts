import type { Output } from './output';

/**
 * The long-running commands (`serve`, `dispatch --watch`) must outlive one bad request or one
 * unexpected throw from a timer: running workers and the board depend on them (issue 18). Every
 * known input path has its own guard; this is the net under them. It logs one line per error
 * (the stack only with SWITCHYARD_DEBUG) and keeps the process — and the engine in it — alive.
 * Returns the function that removes the net again.
 */
export function keepRunningOnUnexpectedErrors(
  output: Output,
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  const report = (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    output.err(`switchyard ${command}: unexpected error (still running): ${message.split('\n')[0]}`);
    if (env.SWITCHYARD_DEBUG && error instanceof Error && error.stack) output.err(error.stack);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
  return () => {
    process.off('uncaughtException', report);
    process.off('unhandledRejection', report);
  };
}
