import fs from 'node:fs';
import { SwitchyardError } from './errors';

/**
 * A file a person names (an import's source, a task's `--body-file`) that cannot be read, as one
 * line saying why: not an errno code, nor "unexpected error".
 */
export function inputFileProblem(file: string, error: unknown): SwitchyardError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new SwitchyardError('not_found', `no such file: ${file}`);
  if (code === 'EISDIR') return new SwitchyardError('invalid_input', `${file} is not a file`);
  if (code === 'EACCES' || code === 'EPERM')
    return new SwitchyardError('forbidden', `cannot read ${file}: permission denied`);
  return new SwitchyardError('invalid_input', `cannot read ${file}: ${(error as Error).message}`);
}

/** The facts of a file a person names, which must be a plain file (or a link to one). */
export function statInputFile(file: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw inputFileProblem(file, error);
  }
  if (!stat.isFile()) throw new SwitchyardError('invalid_input', `${file} is not a file`);
  return stat;
}
