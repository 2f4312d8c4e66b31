import os from 'node:os';
import type { Db } from '../core/store/db/open';
import { workerCredentialsFromEnv, type Actor } from '../core/commands/workerEnv';
import type { HomePaths } from '../core/config/home';
import type { Output } from './output';
import type { OptionSpec, ParsedCommand } from './args';

export interface CliContext {
  paths: HomePaths;
  /** Opened on first use, so `--help` works without a database. */
  db(): Db;
  /** The better-sqlite3 build `db()` opens with (Electron's, under the desktop app's CLI shim). */
  nativeBinding: string | undefined;
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
  /**
   * What a worker (a process with SWITCHYARD_TASK, SWITCHYARD_RUN or SWITCHYARD_RUN_SECRET) may do
   * with this command (issue 18). `read`: it changes nothing; `task`: every change it makes goes
   * through a core command that calls `guardActor` (commands/actors.ts). Left out, the command changes
   * more than one task (boards, lanes, the dispatcher, imports …) and a worker is refused before it runs.
   */
  workers?: 'read' | 'task';
  /**
   * Reads the database through a memory map (store/db/open.ts `mapBytes`): a command that may read
   * thousands of rows scattered over the file in one process (`list --json` of 20,000 tasks reads
   * ~15,000 pages, performance issue 17, target 4b). Left out, SQLite reads the few pages it needs
   * with read(2): mapping the file cost `create` ~2 ms of CPU, most of it system time (target 4c).
   */
  readsManyRows?: boolean;
  run(context: CliContext, parsed: ParsedCommand): Promise<void> | void;
}

/**
 * Who is acting. A process with a worker's environment is that worker, to be verified by the core's
 * guard against its run's secret (commands/actors.ts); everyone else is SWITCHYARD_ACTOR or the
 * login name.
 */
export function actorFromEnv(env: NodeJS.ProcessEnv): Actor {
  const worker = workerCredentialsFromEnv(env);
  if (worker) {
    const label = worker.taskId ?? (worker.runId ? `run ${worker.runId}` : 'unknown');
    return { name: `worker:${label}`, ownTaskId: worker.taskId ?? undefined, worker };
  }
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

/**
 * Issue 18: a command that changes more than one task is refused to a worker (whatever its secret
 * says) by the core's guard, before it runs. Used by commands whose subcommands differ, too.
 */
export async function refuseWorkers(context: CliContext, what: string): Promise<void> {
  if (!context.actor.worker) return;
  const { guardActor } = await import('../core/commands/actors');
  guardActor(context.db(), context.actor, { home: what });
}
