import { createRequire } from 'node:module';
import { SwitchyardError } from '../errors';
import type { Db } from '../store/db/open';
import { findRunBySecretHash, setRunSecretHash } from '../store/runs';
import { RUN_SECRET_ENV, type Actor, type WorkerCredentials } from './workerEnv';

/**
 * The one ownership guard (issue 18, docs/security.md "Workers and their secret"). Every command that
 * changes the board calls `guardActor` with what it is about to change — in the commands layer, so
 * the CLI, MCP (stdio and HTTP), the API and anything added later get the same rule:
 * - a caller without a worker's environment is an ordinary user and may do anything;
 * - a caller with one (SWITCHYARD_TASK, SWITCHYARD_RUN or SWITCHYARD_RUN_SECRET set) acts only as the
 *   run its secret belongs to, while that run is open, and only on that run's task (plus creating
 *   follow-up tasks). A missing or wrong secret is refused with one line, never treated as a user.
 * The dispatcher gives each run a fresh random secret in its worker's environment and stores only
 * its SHA-256, so neither the database, `show`, the event log nor a log file can reveal it.
 */

export type { Actor, WorkerCredentials } from './workerEnv';

/** What a command is about to change. */
export type ActorTarget =
  /** one task (its status, fields, comments, claim, links as a child, changes …) */
  | { task: string }
  /** a new task (a worker's follow-up) */
  | { newTask: true }
  /** something beyond one task (boards, lanes, the dispatcher, imports …), named for the message */
  | { home: string }
  /** a person's decision about a task (approve, waive review), named for the message */
  | { person: string };

/** The run a worker's credentials were matched with. */
export interface VerifiedWorker {
  runId: number;
  taskId: string;
}

/**
 * node:crypto, loaded when a secret is hashed or made: only for a worker's credentials and the
 * dispatcher's spawns. A person's `switchyard create` runs guardActor too, and loading node:crypto
 * (with the streams it brings) would cost every such start (performance issue 17, target 4c).
 */
const requireBuiltin = createRequire(import.meta.url);
const nodeCrypto = (): typeof import('node:crypto') =>
  requireBuiltin('node:crypto') as typeof import('node:crypto');

export function hashRunSecret(secret: string): string {
  return nodeCrypto().createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A fresh secret for a run and the hash to store (256 random bits, URL-safe text). */
export function newRunSecret(): { secret: string; hash: string } {
  const secret = nodeCrypto().randomBytes(32).toString('base64url');
  return { secret, hash: hashRunSecret(secret) };
}

/** Gives a run a new secret (storing its hash) and returns the secret for its worker's environment. */
export function issueRunSecret(db: Db, runId: number): string {
  const { secret, hash } = newRunSecret();
  setRunSecretHash(db, runId, hash);
  return secret;
}

function forbidden(message: string): SwitchyardError {
  return new SwitchyardError('forbidden', message);
}

/** An actor built in-process with only `ownTaskId` claims a worker's identity too. */
function credentialsOf(actor: Actor): WorkerCredentials | null {
  if (actor.worker) return actor.worker;
  return actor.ownTaskId ? { taskId: actor.ownTaskId, runId: null, secret: null } : null;
}

/** Matches a worker's credentials with an open run, or throws the one line that says why not. */
export function verifyWorker(db: Db, credentials: WorkerCredentials): VerifiedWorker {
  const claimed = credentials.taskId ? `SWITCHYARD_TASK=${credentials.taskId}` : 'SWITCHYARD_RUN';
  if (!credentials.secret)
    throw forbidden(
      `this process has a worker's environment (${claimed}) but no ${RUN_SECRET_ENV}: refusing to act for it (a worker acts only with the secret its run was started with)`,
    );
  const run = findRunBySecretHash(db, hashRunSecret(credentials.secret));
  if (!run)
    throw forbidden(
      `${RUN_SECRET_ENV} is not the secret of any run in this home: refusing to act for this process`,
    );
  if (
    (credentials.taskId !== null && credentials.taskId !== run.taskId) ||
    (credentials.runId !== null && credentials.runId !== String(run.id))
  )
    throw forbidden(
      `this process's SWITCHYARD_TASK/SWITCHYARD_RUN (${credentials.taskId ?? '-'}/${credentials.runId ?? '-'}) do not match its secret's run (run ${run.id} of ${run.taskId}): refusing`,
    );
  if (run.endedAt !== null)
    throw forbidden(`run ${run.id} of ${run.taskId} has ended: its worker can no longer change the board`);
  return { runId: run.id, taskId: run.taskId };
}

/**
 * The guard. Returns the verified worker (null for an ordinary user) or throws `forbidden` with one
 * line. Call it inside the command's write transaction, before changing anything.
 */
export function guardActor(db: Db, actor: Actor, target: ActorTarget): VerifiedWorker | null {
  const credentials = credentialsOf(actor);
  if (!credentials) return null;
  const worker = verifyWorker(db, credentials);
  if ('newTask' in target) return worker;
  if ('task' in target) {
    if (target.task === worker.taskId) return worker;
    throw forbidden(`a worker of ${worker.taskId} may change only its own task, not ${target.task}`);
  }
  if ('person' in target)
    throw forbidden(`a worker of ${worker.taskId} cannot ${target.person}: that is a person's decision`);
  throw forbidden(`a worker of ${worker.taskId} may change only its own task: it cannot ${target.home}`);
}
