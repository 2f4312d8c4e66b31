import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/**
 * How the bench times one CLI process from its spawn until it has exited and its reader holds every
 * byte it wrote (rows 4a, 4b, 4c). Two readers:
 *
 * - `decoded`: `spawnSync(…, { encoding: 'utf8' })`, the bench's method until 5 Dec 2026 and still
 *   the one for 4a, 4c and their floor, whose output is a line. After the child's exit it joins the
 *   64 KB reads into one Buffer and decodes that into one JS string, inside the timed span: for
 *   `list --json` of 20,000 tasks (15 MB) ~80–100 ms of the bench's own work on a quiet machine
 *   (bench/RESULTS.md, engineer "pipe").
 * - `drained`: the output read from the pipe as it comes, each read kept as it is and counted, the
 *   clock stopped when the child has exited and the pipe is at its end; the caller checks the bytes
 *   after the span. The child still pays for every hand-off to a reader that takes 64 KB at a time;
 *   what the reader then does with 15 MB (`jq` parses them, a redirect stores them, a script decodes
 *   them) is the reader's cost, not the command's (row 4b since 5 Dec 2026).
 */
export type OutputReader = 'decoded' | 'drained';

export interface TimedProcess {
  ms: number;
  stdout: Buffer;
}

const MAX_OUTPUT_BYTES = 256 * 2 ** 20;

function failure(
  args: readonly string[],
  status: number | null,
  signal: string | null,
  stderr: string,
): Error {
  const end = signal ? `was killed by ${signal}` : `exited with ${status}`;
  return new Error(`node ${args.join(' ')} ${end}: ${stderr.trim()}`);
}

function timeDecoded(args: readonly string[], env: NodeJS.ProcessEnv): TimedProcess {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  if (result.status !== 0) throw failure(args, result.status, result.signal, result.stderr);
  return { ms, stdout: Buffer.from(result.stdout, 'utf8') };
}

function timeDrained(args: readonly string[], env: NodeJS.ProcessEnv): Promise<TimedProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const reads: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (read: Buffer) => reads.push(read));
    child.stderr.on('data', (read: Buffer) => errors.push(read));
    child.on('error', reject);
    // 'close': the process has exited and both pipes are at their end.
    child.on('close', (status, signal) => {
      const ms = performance.now() - started;
      if (status !== 0) reject(failure(args, status, signal, Buffer.concat(errors).toString('utf8')));
      else resolve({ ms, stdout: Buffer.concat(reads) });
    });
  });
}

/** `node args…` timed with `reader`; throws with the child's stderr when it does not exit with 0. */
export async function timeProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  reader: OutputReader = 'decoded',
): Promise<TimedProcess> {
  return reader === 'drained' ? timeDrained(args, env) : timeDecoded(args, env);
}

/**
 * Row 4b's output checked after its timed span: a JSON array of exactly the tasks expected, each
 * once and `ready`. A figure of a listing that lost, repeated or garbled a task would say nothing.
 */
export function checkReadyListing(stdout: Buffer, expectedIds: ReadonlySet<string>): void {
  let tasks: unknown;
  try {
    tasks = JSON.parse(stdout.toString('utf8'));
  } catch (error) {
    throw new Error(`list --json wrote no JSON (${stdout.length} bytes): ${(error as Error).message}`);
  }
  if (!Array.isArray(tasks)) throw new Error('list --json wrote no array');
  const seen = new Set<string>();
  for (const task of tasks as { id?: unknown; status?: unknown }[]) {
    const id = String(task?.id);
    if (task?.status !== 'ready')
      throw new Error(`list --json --status ready listed ${id} as ${task?.status}`);
    if (!expectedIds.has(id))
      throw new Error(`list --json listed ${id}, which is not one of the ready tasks`);
    if (seen.has(id)) throw new Error(`list --json listed ${id} twice`);
    seen.add(id);
  }
  if (seen.size !== expectedIds.size)
    throw new Error(`list --json listed ${seen.size} of the ${expectedIds.size} ready tasks`);
}
