import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds the program a worker's argv[0] names the way the spawn will (libuv searches the child's own
 * PATH), so a missing or non-executable program is reported with a message a user can act on
 * (SPEC §3: "`claude` not found on PATH") instead of Node's asynchronous spawn error.
 */

/** What libuv (like execvp) searches when the child's environment has no PATH. */
const DEFAULT_SEARCH_PATH = '/usr/local/bin:/bin:/usr/bin';

export type ProgramLookup = { ok: true; path: string } | { ok: false; error: string };

export function findProgram(program: string, cwd: string, searchPath: string | undefined): ProgramLookup {
  if (program.includes('/')) {
    const candidate = path.resolve(cwd, program);
    const problem = executableProblem(candidate);
    if (problem === null) return { ok: true, path: candidate };
    return {
      ok: false,
      error:
        problem === 'ENOENT'
          ? `\`${program}\` not found (ENOENT)`
          : `\`${program}\` is not an executable file (${problem})`,
    };
  }
  let notExecutable: string | null = null;
  for (const directory of (searchPath ?? DEFAULT_SEARCH_PATH).split(path.delimiter)) {
    // An empty PATH entry means the current directory, as in execvp.
    const candidate = path.resolve(cwd, directory, program);
    const problem = executableProblem(candidate);
    if (problem === null) return { ok: true, path: candidate };
    if (problem !== 'ENOENT') notExecutable ??= candidate;
  }
  if (notExecutable)
    return { ok: false, error: `\`${program}\` is not executable: ${notExecutable} (EACCES)` };
  return { ok: false, error: `\`${program}\` not found on PATH (ENOENT)` };
}

/** null when `candidate` is an executable regular file, else the reason as an errno-like code. */
function executableProblem(candidate: string): string | null {
  try {
    if (!fs.statSync(candidate).isFile()) return 'EACCES';
    fs.accessSync(candidate, fs.constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'ENOENT' : (code ?? 'EACCES');
  }
}
