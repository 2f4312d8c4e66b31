import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_ENTRY = path.join(REPO_ROOT, 'bin', 'switchyard.cjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Written to the child's stdin, which is then closed; without it stdin is empty. */
  stdin?: string | Buffer;
  /** Extra environment; SWITCHYARD_TASK and friends are removed unless given here. */
  env?: Record<string, string | undefined>;
  /** A safety net: the child is SIGKILLed after this long (20 s unless given). */
  timeoutMs?: number;
  /**
   * Ends the child with SIGTERM when aborted: for a long-running command (`dispatch --watch`) a
   * test stops once it is done with it, instead of giving it a fixed life that a slow machine outlasts.
   */
  stop?: AbortSignal;
}

/** Environment a test child gets: ours, minus anything that would change who the CLI thinks it is. */
function childEnv(home: string, extra: CliRunOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('SWITCHYARD_')) delete env[key];
  Object.assign(env, { SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'tester' }, extra);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/** Runs `node bin/switchyard.cjs ...args` against `home` as a real child process. */
export function runCli(
  home: string,
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // The CLI may stop reading a huge stdin early and exit; that EPIPE is expected, not a failure.
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    options.stop?.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Runs the CLI and parses its stdout as JSON, failing loudly with stderr when it did not succeed. */
export async function runCliJson<T = unknown>(home: string, args: readonly string[]): Promise<T> {
  const result = await runCli(home, [...args, '--json']);
  if (result.code !== 0) {
    throw new Error(`switchyard ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** util-linux `script`, which runs a command on a pseudo-terminal of its own. */
export const hasScript = (): boolean => spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Runs `node bin/switchyard.cjs ...args` against `home` with its standard output on a terminal (a
 * pseudo-terminal made by `script`), for output meant for a person. The terminal writes each line
 * break as CR LF; they come back as LF.
 */
export function runCliOnTerminal(
  home: string,
  args: readonly string[],
): { code: number | null; stdout: string } {
  const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI_ENTRY, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: REPO_ROOT,
    env: childEnv(home),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status, stdout: result.stdout.replace(/\r\n/g, '\n') };
}
