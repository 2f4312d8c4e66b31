import path from 'node:path';
import { AFTER_MERGE, MERGE_MODES, type AfterMerge, type MergeMode } from '../../shared/constants';
import { invalidInput } from '../core/errors';
import { UsageError, stringOption, type ParsedCommand } from './args';

/**
 * The repository options of `boards create|edit` (taskCommands.ts) and of the repository commands
 * (repositoryCommands.ts). A module of their own, so the task commands' bundle (dist/cli-tasks.cjs)
 * does not carry the repository commands and the landing code behind them (performance issue 17,
 * target 4a).
 */

/** A path as typed in a shell: relative to the current folder. */
export function repoOption(values: ParsedCommand['values']): string | undefined {
  const given = stringOption(values, 'repo');
  return given === undefined ? undefined : path.resolve(given);
}

export function choice<T extends string>(
  values: ParsedCommand['values'],
  name: string,
  allowed: readonly T[],
): T | undefined {
  const given = stringOption(values, name);
  if (given === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(given))
    throw invalidInput(`--${name} must be one of ${allowed.join(', ')}, not "${given}"`);
  return given as T;
}

export const repositoryOptions = {
  repo: { type: 'string' },
  base: { type: 'string' },
  merge: { type: 'string' },
  'after-merge': { type: 'string' },
  'no-repo': { type: 'boolean' },
} as const;

/** The repository part of `boards create|edit`: checked before the board is created or changed. */
export async function boardRepositoryPatch(values: ParsedCommand['values']) {
  const repo = repoOption(values);
  if (values['no-repo'] === true && repo !== undefined)
    throw new UsageError('use --repo or --no-repo, not both');
  return {
    repo: values['no-repo'] === true ? null : repo,
    base: stringOption(values, 'base'),
    mergeMode: choice<MergeMode>(values, 'merge', MERGE_MODES),
    afterMerge: choice<AfterMerge>(values, 'after-merge', AFTER_MERGE),
  };
}
