import os from 'node:os';
import type { Db } from '../core/store/db/open';
import type { Actor } from '../core/commands/taskCommands';
import type { HomePaths } from '../core/config/home';
import type { Output } from './output';
import type { OptionSpec, ParsedCommand } from './args';

export interface CliContext {
  paths: HomePaths;
  /** Opened on first use, so `--help` works without a database. */
  db(): Db;
  actor: Actor;
  env: NodeJS.ProcessEnv;
  output: Output;
  readStdin(): Promise<string>;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** One line per option of `options`, shown by `--help` (test/cli-help.test.ts checks none is missing). */
  flags: Record<string, string>;
  /** More about the command, shown by `--help` under the summary. */
  details?: string;
  maxPositionals: number;
  run(context: CliContext, parsed: ParsedCommand): Promise<void> | void;
}

/**
 * Who is acting. Workers are identified by SWITCHYARD_TASK and may only report on that task;
 * everyone else is SWITCHYARD_ACTOR or the login name.
 */
export function actorFromEnv(env: NodeJS.ProcessEnv): Actor {
  const ownTask = env.SWITCHYARD_TASK?.trim();
  if (ownTask) return { name: `worker:${ownTask}`, ownTaskId: ownTask };
  const configured = env.SWITCHYARD_ACTOR?.trim();
  if (configured) return { name: configured.slice(0, 100) };
  let login = 'user';
  try {
    login = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to a generic name.
  }
  return { name: login };
}
