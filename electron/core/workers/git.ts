import { execFileOffTheLoop } from './offLoopExecFile';

/**
 * Runs git as a child process: argv only (never a shell), asynchronous (never *Sync: a slow
 * `git worktree add` on a big repository must not hold the event loop), C locale so messages and
 * porcelain output read the same everywhere, and no prompt (a credential prompt would hang).
 *
 * Why not simple-git: its value is its output parsers and per-instance queue, and here every
 * command asks for a machine format (porcelain, -z, --numstat) that is read in a few lines, while
 * the errors must carry git's own one-line message. The diff itself is parsed in the renderer by
 * gitdiff-parser (through react-diff-view), the maintained parser made for exactly that.
 */

export class GitError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitOptions {
  /** Exit codes that are answers, not failures (merge-tree: 1 = conflicts; diff --no-index: 1). */
  okExitCodes?: readonly number[];
  env?: Record<string, string>;
  /** Larger outputs fail (a diff is capped by its caller first). Default 256 MiB. */
  maxBuffer?: number;
  timeoutMs?: number;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Git's one-line reason from stderr ("fatal: invalid reference: main"): its first `fatal:` or
 * `error:` line, else its first meaningful line. Progress comes first on a failure too —
 * `worktree add` says "Preparing worktree (new branch …)" before the line that says what went
 * wrong, and a blocked card must show the latter.
 */
export function firstLineOf(stderr: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((text) => text.trim())
    .filter((text) => text.length > 0 && !text.startsWith('hint:'));
  return lines.find((text) => /^(fatal|error):/.test(text)) ?? lines[0] ?? fallback;
}

export async function runGit(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<GitResult> {
  const ok = options.okExitCodes ?? [];
  // Started from a thread where the engine asked for it (offLoopExecFile.ts: a fork waiting for
  // exec on a loaded machine held the event loop for hundreds of ms).
  const { error, stdout, stderr } = await execFileOffTheLoop('git', args, {
    cwd,
    env: {
      ...process.env,
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_OPTIONAL_LOCKS: '0',
      ...options.env,
    },
    maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (!error) return { stdout, stderr, exitCode: 0 };
  const code = typeof error.code === 'number' ? error.code : null;
  if (code !== null && ok.includes(code)) return { stdout, stderr, exitCode: code };
  const reason =
    error.code === 'ENOENT'
      ? 'git is not installed (not found on PATH)'
      : error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
        ? `git ${args[0]}: ${error.message}`
        : error.killed
          ? `git ${args[0]} timed out`
          : firstLineOf(stderr, error.message);
  throw new GitError(reason, args, code, stdout, stderr);
}

/** stdout without its trailing newline. */
export async function gitLine(cwd: string, args: readonly string[], options?: GitOptions): Promise<string> {
  return (await runGit(cwd, args, options)).stdout.replace(/\n$/, '');
}

/** Exit 0 → true, exit 1 → false (rev-parse --verify --quiet, merge-base --is-ancestor …). */
export async function gitTest(cwd: string, args: readonly string[]): Promise<boolean> {
  return (await runGit(cwd, args, { okExitCodes: [1] })).exitCode === 0;
}
