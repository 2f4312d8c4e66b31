/**
 * Who a caller says it is, read from its environment without touching the database (the CLI's
 * start-up reads this; checking it is `guardActor` in actors.ts). Kept free of node:crypto and zod so
 * that every CLI start can afford it.
 */

/** The variable that carries a run's secret into its worker (issue 18); never printed or stored. */
export const RUN_SECRET_ENV = 'SWITCHYARD_RUN_SECRET';

/** What a worker's environment claims: any of them set makes the caller a worker, to be verified. */
export interface WorkerCredentials {
  /** SWITCHYARD_TASK */
  taskId: string | null;
  /** SWITCHYARD_RUN */
  runId: string | null;
  /** SWITCHYARD_RUN_SECRET */
  secret: string | null;
}

export interface Actor {
  /** Who is acting: a user name, `terminal:<lane>`, or `worker:<task>`. */
  name: string;
  /** The task a worker says it works on (SWITCHYARD_TASK): the default for commands that take an id. */
  ownTaskId?: string;
  /**
   * Set when the caller has a worker's environment. Such a caller acts only as that run's worker,
   * and only once `guardActor` has matched the secret with the run (issue 18): never as "nobody".
   */
  worker?: WorkerCredentials;
}

/** The worker variables of `env`, or null when it has none (an ordinary user). Empty counts as unset. */
export function workerCredentialsFromEnv(env: NodeJS.ProcessEnv): WorkerCredentials | null {
  const pick = (name: string): string | null => env[name]?.trim() || null;
  const credentials = {
    taskId: pick('SWITCHYARD_TASK'),
    runId: pick('SWITCHYARD_RUN'),
    secret: pick(RUN_SECRET_ENV),
  };
  return credentials.taskId || credentials.runId || credentials.secret ? credentials : null;
}
