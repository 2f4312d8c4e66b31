import fs from 'node:fs';
import path from 'node:path';
import { SLUG_PATTERN } from '../../../shared/constants';
import type { HomePaths } from './home';
import { readSmallJsonFile } from './jsonFile';
import type { MissingProgramCache } from './programLookup';

/**
 * Profiles (docs/architecture.md §3): `profiles/<name>/profile.json` says how to start a worker. A profile is only
 * usable when the file parses AND its program can be run; otherwise the lane is `profile_broken`
 * with one exact sentence saying what to fix, and it is never spawned (so it cannot crash-loop).
 */

export const PROFILE_FILE = 'profile.json';
export const PROFILE_MAX_BYTES = 256 * 1024;
export const COMPLETION_MODES = ['exit-code', 'report'] as const;
export type CompletionMode = (typeof COMPLETION_MODES)[number];

/**
 * docs/architecture.md §10: how the agent writes its output. `text` is a plain log; the others are the agents'
 * structured event streams, parsed into a transcript with usage and cost.
 */
export const OUTPUT_FORMATS = ['text', 'claude-stream-json', 'codex-json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** docs/architecture.md §10: EX_TEMPFAIL, what Hermes exits with when rate limited (its PR #38222). */
export const DEFAULT_RETRY_EXIT_CODES: readonly number[] = [75];

export const PLACEHOLDERS = ['taskId', 'prompt', 'promptFile', 'workspace', 'home'] as const;
export type CommandVars = Record<(typeof PLACEHOLDERS)[number], string>;

export interface Profile {
  name: string;
  /** argv; may hold {taskId} {prompt} {promptFile} {workspace} {home}; the program (argv[0]) only {home}. */
  command: string[];
  env: Record<string, string>;
  maxConcurrent: number;
  maxRuntimeSeconds: number | null;
  completion: CompletionMode;
  /** SPEC §9: "review" holds the task's children until its changes are merged (or the review waived). */
  onSuccess: 'done' | 'review';
  description: string | null;
  /** Exit codes that mean "try again later" (rate limits): back to ready without a failure. */
  retryExitCodes: number[];
  output: OutputFormat;
}

/**
 * Why a profile is not usable. `program_missing` is the one the lane resolver re-checks every tick,
 * so installing the agent fixes the lane without touching profile.json.
 */
export type ProfileProblemCause = 'not_found' | 'invalid' | 'program_missing';

export type ProfileCheck =
  | { ok: true; profile: Profile; /** Absolute path of the program that will run. */ programPath: string }
  | {
      ok: false;
      problem: string;
      cause: ProfileProblemCause;
      /** The parsed profile when only its program is missing, so the program can be looked up again. */
      profile: Profile | null;
    };

export interface ProfileLookupOptions {
  /** The PATH the worker will be started with (default process.env.PATH). */
  pathEnv?: string;
  /** Remembers programs absent from PATH folders that have not changed (the lane resolver's). */
  missingPrograms?: MissingProgramCache;
}

const PROFILE_KEYS = [
  'command',
  'env',
  'maxConcurrent',
  'maxRuntimeSeconds',
  'completion',
  'description',
  'retryExitCodes',
  'output',
  'onSuccess',
];

type FieldCheck<T> = { value: T } | { problem: string };

const invalid = (problem: string): ProfileCheck => ({
  ok: false,
  problem: `${PROFILE_FILE}: ${problem}`,
  cause: 'invalid',
  profile: null,
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isWholeNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value);

function checkCommand(raw: unknown): FieldCheck<string[]> {
  if (raw === undefined) return { problem: 'command missing' };
  const problem = 'command must be a non-empty array of strings';
  if (!Array.isArray(raw) || raw.length === 0) return { problem };
  if (!raw.every((part): part is string => typeof part === 'string')) return { problem };
  const program = raw[0] as string;
  if (program === '') return { problem: 'command[0] (the program) is empty' };
  const withNul = raw.findIndex((part) => part.includes('\0'));
  if (withNul >= 0) return { problem: `command[${withNul}] contains a NUL character` };
  // docs/architecture.md §5: the program must be known before the task exists; only the home folder may vary.
  if (/\{(taskId|prompt|promptFile|workspace)\}/.test(program)) {
    return { problem: 'command[0] (the program) may use only the {home} placeholder' };
  }
  return { value: raw };
}

function checkEnv(raw: unknown): FieldCheck<Record<string, string>> {
  if (raw === undefined) return { value: {} };
  if (!isPlainObject(raw)) return { problem: 'env must be an object of "NAME": "value" strings' };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') return { problem: `env.${key} must be a string` };
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      return { problem: `env has an invalid variable name or value: "${key}"` };
    }
  }
  return { value: raw as Record<string, string> };
}

function checkFields(raw: unknown): FieldCheck<Omit<Profile, 'name'>> {
  if (!isPlainObject(raw))
    return { problem: 'must be a JSON object like {"command": ["agent", "{prompt}"]}' };
  const command = checkCommand(raw.command);
  if ('problem' in command) return command;
  const env = checkEnv(raw.env);
  if ('problem' in env) return env;
  const {
    maxConcurrent = 1,
    maxRuntimeSeconds = null,
    completion = 'exit-code',
    onSuccess = 'done',
    description = null,
  } = raw;
  if (onSuccess !== 'done' && onSuccess !== 'review') {
    return { problem: 'onSuccess must be "done" or "review"' };
  }
  if (!isWholeNumber(maxConcurrent) || maxConcurrent < 1) {
    return { problem: 'maxConcurrent must be a whole number, at least 1' };
  }
  if (maxRuntimeSeconds !== null && (!isWholeNumber(maxRuntimeSeconds) || maxRuntimeSeconds < 1)) {
    return { problem: 'maxRuntimeSeconds must be a whole number of seconds, at least 1' };
  }
  if (!(COMPLETION_MODES as readonly unknown[]).includes(completion)) {
    return { problem: 'completion must be "exit-code" or "report"' };
  }
  if (description !== null && typeof description !== 'string') {
    return { problem: 'description must be a string' };
  }
  const { retryExitCodes = DEFAULT_RETRY_EXIT_CODES, output = 'text' } = raw;
  if (
    !Array.isArray(retryExitCodes) ||
    !retryExitCodes.every((code) => isWholeNumber(code) && code >= 1 && code <= 255)
  ) {
    return { problem: 'retryExitCodes must be an array of exit codes (1–255), e.g. [75]' };
  }
  if (!(OUTPUT_FORMATS as readonly unknown[]).includes(output)) {
    return { problem: `output must be one of ${OUTPUT_FORMATS.map((f) => `"${f}"`).join(', ')}` };
  }
  // Typos such as "maxConcurent" would otherwise be ignored silently; "$schema", "_note" and
  // "//" keys are left free for editors and comments.
  const unknown = Object.keys(raw).find((key) => !PROFILE_KEYS.includes(key) && !/^(\$|_|\/\/)/.test(key));
  if (unknown !== undefined) {
    return { problem: `unknown field "${unknown}" (allowed: ${PROFILE_KEYS.join(', ')})` };
  }
  return {
    value: {
      command: command.value,
      env: env.value,
      maxConcurrent,
      maxRuntimeSeconds,
      completion: completion as CompletionMode,
      onSuccess,
      description,
      retryExitCodes: [...(retryExitCodes as number[])],
      output: output as OutputFormat,
    },
  };
}

/** A regular file we may execute (exec refuses folders even when their x bit is set). */
export function isExecutableFile(file: string): boolean {
  try {
    // No exception for a missing file: the lane resolver asks this for every PATH entry of every
    // broken profile on every tick, and a thrown ENOENT costs ~10× the stat itself.
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The entry itself (a symlink is not followed), or false on ENOENT; other errors count as existing. */
function entryExists(file: string): boolean {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}

export type ProgramLookup = { ok: true; programPath: string } | { ok: false; problem: string };

/**
 * Finds the program the way the worker's spawn will: a name with a slash is a file path, anything
 * else is searched on PATH. Empty PATH entries (meaning "the current folder") are skipped, because
 * a worker's current folder is its workspace, not ours.
 */
export function lookupProgram(
  program: string,
  pathEnv: string | undefined,
  missingPrograms?: MissingProgramCache,
): ProgramLookup {
  if (program.includes('/')) {
    if (!path.isAbsolute(program)) {
      return {
        ok: false,
        problem:
          `${PROFILE_FILE}: the program "${program}" must be a name on PATH or an absolute path ` +
          '(a script in the profile folder can be written as "{home}/profiles/NAME/run.sh")',
      };
    }
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(program, { throwIfNoEntry: false });
    } catch {
      stat = undefined;
    }
    if (!stat) return { ok: false, problem: `\`${program}\` not found` };
    if (!stat.isFile() || !isExecutableFile(program)) {
      return { ok: false, problem: `\`${program}\` is not executable` };
    }
    return { ok: true, programPath: program };
  }
  const searchPath = pathEnv ?? '';
  const dirs = searchDirectories(searchPath);
  const notFound: ProgramLookup = { ok: false, problem: `\`${program}\` not found on PATH` };
  if (missingPrograms?.knownAbsentFromAll(searchPath, dirs, program)) return notFound;
  let noEntryAnywhere = true;
  for (const dir of dirs) {
    if (missingPrograms?.knownAbsent(dir, program)) continue;
    const candidate = path.join(dir, program);
    if (isExecutableFile(candidate)) return { ok: true, programPath: candidate };
    // Only "no such entry at all" may be remembered: a dangling symlink exists (lstat finds it) and
    // its target can appear without the folder changing.
    if (missingPrograms && !entryExists(candidate)) missingPrograms.recordAbsent(dir, program);
    else noEntryAnywhere = false;
  }
  if (noEntryAnywhere) missingPrograms?.recordAbsentFromAll(searchPath, dirs, program);
  return notFound;
}

let lastSearchPath: string | null = null;
let lastSearchDirectories: readonly string[] = [];

/** The folders of a PATH that are searched (absolute ones), split once per distinct PATH string. */
function searchDirectories(searchPath: string): readonly string[] {
  if (searchPath !== lastSearchPath) {
    lastSearchDirectories = searchPath
      .split(path.delimiter)
      .filter((dir) => dir !== '' && path.isAbsolute(dir));
    lastSearchPath = searchPath;
  }
  return lastSearchDirectories;
}

/** Replaces placeholders in one pass, so text inside the prompt is never expanded again. */
function substitute(template: string, vars: CommandVars): string {
  // A replacer function (not a string) so `$&`, `$'` … in task text stay literal.
  return template.replace(
    /\{(taskId|prompt|promptFile|workspace|home)\}/g,
    (_match, key: keyof CommandVars) => vars[key],
  );
}

/**
 * The argv to spawn (docs/architecture.md §5: without a shell). Each element stays exactly one argument whatever the
 * task text holds: quotes, `$(…)`, newlines and globs reach the program verbatim.
 */
export function expandCommand(profile: Pick<Profile, 'command'>, vars: CommandVars): string[] {
  return profile.command.map((part) => substitute(part, vars));
}

/** Whether the profile reads its prompt from a file (`{promptFile}`), so one must be written. */
export const usesPromptFile = (profile: Pick<Profile, 'command'>): boolean =>
  profile.command.some((part) => part.includes('{promptFile}'));

/**
 * The most bytes `{prompt}` may take in this profile's argv: every argument that holds it must stay
 * under Linux's per-argument limit with the rest of its text (issue 18: `spawn E2BIG`).
 */
export function promptArgumentRoom(
  profile: Pick<Profile, 'command'>,
  vars: Omit<CommandVars, 'prompt'>,
  maxArgumentBytes: number,
): number {
  let room = Infinity;
  for (const part of profile.command) {
    const uses = part.split('{prompt}').length - 1;
    if (uses === 0) continue;
    const rest = Buffer.byteLength(substitute(part, { ...vars, prompt: '' }), 'utf8');
    room = Math.min(room, Math.floor((maxArgumentBytes - rest) / uses));
  }
  return Math.max(0, room);
}

export function profileDir(paths: Pick<HomePaths, 'profiles'>, name: string): string {
  return path.join(paths.profiles, name);
}

export function profileFile(paths: Pick<HomePaths, 'profiles'>, name: string): string {
  return path.join(paths.profiles, name, PROFILE_FILE);
}

/** The PATH the program is searched on: the profile's own env.PATH wins, as it will for the worker. */
function effectivePath(
  profileEnv: Record<string, string>,
  options: ProfileLookupOptions,
): string | undefined {
  return profileEnv.PATH ?? options.pathEnv ?? process.env.PATH;
}

export function readProfile(
  paths: Pick<HomePaths, 'profiles' | 'home'>,
  name: string,
  options: ProfileLookupOptions = {},
): ProfileCheck {
  const read = readSmallJsonFile(profileFile(paths, name), PROFILE_MAX_BYTES);
  if (read.kind === 'missing') {
    return { ok: false, problem: `${PROFILE_FILE}: not found`, cause: 'not_found', profile: null };
  }
  if (read.kind === 'problem') return invalid(read.problem);
  const fields = checkFields(read.value);
  if ('problem' in fields) return invalid(fields.problem);
  const profile: Profile = { name, ...fields.value };
  const lookup = recheckProgram(paths, profile, options);
  if (!lookup.ok) {
    // A relative program path is a mistake in the file; anything else is fixed by installing it.
    if (lookup.problem.startsWith(PROFILE_FILE))
      return { ok: false, problem: lookup.problem, cause: 'invalid', profile: null };
    return { ok: false, problem: lookup.problem, cause: 'program_missing', profile };
  }
  return { ok: true, profile, programPath: lookup.programPath };
}

/** Re-runs only the program lookup of a parsed profile (cheap: a few stat calls). */
export function recheckProgram(
  paths: Pick<HomePaths, 'home'>,
  profile: Profile,
  options: ProfileLookupOptions = {},
): ProgramLookup {
  const { program, searchPath } = programSearch(paths, profile, options);
  return lookupProgram(program, searchPath, options.missingPrograms);
}

/** The program a profile runs ({home} filled in) and the PATH it is searched on. */
export function programSearch(
  paths: Pick<HomePaths, 'home'>,
  profile: Profile,
  options: Pick<ProfileLookupOptions, 'pathEnv'> = {},
): { program: string; searchPath: string | undefined } {
  const program = substitute(profile.command[0] as string, {
    taskId: '',
    prompt: '',
    promptFile: '',
    workspace: '',
    home: paths.home,
  });
  return { program, searchPath: effectivePath(profile.env, options) };
}

export interface ProfileFolder {
  name: string;
  dir: string;
}

export interface ProfileFolders {
  folders: ProfileFolder[];
  /** Folders that cannot be lanes because their name breaks the slug rule (docs/architecture.md §1). */
  problems: string[];
}

/** The folders under profiles/ that can name a lane; hidden entries and plain files are skipped. */
export function listProfileFolders(paths: Pick<HomePaths, 'profiles'>): ProfileFolders {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(paths.profiles, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { folders: [], problems: [] };
    return { folders: [], problems: [`profiles folder cannot be read (${code ?? 'error'})`] };
  }
  const folders: ProfileFolder[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const dir = path.join(paths.profiles, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(dir));
    if (!isDir) continue;
    if (!SLUG_PATTERN.test(entry.name)) {
      const suggestion = entry.name.toLowerCase();
      const hint = SLUG_PATTERN.test(suggestion)
        ? `rename it to "${suggestion}"`
        : 'use 1–64 characters of a-z, 0-9, "_" or "-"';
      problems.push(`profiles/${entry.name}: ignored — a profile folder name must be a lane name; ${hint}`);
      continue;
    }
    folders.push({ name: entry.name, dir });
  }
  folders.sort((a, b) => a.name.localeCompare(b.name));
  return { folders, problems };
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export interface ProfileListing {
  profiles: { name: string; check: ProfileCheck }[];
  problems: string[];
}

export function listProfiles(
  paths: Pick<HomePaths, 'profiles' | 'home'>,
  options: ProfileLookupOptions = {},
): ProfileListing {
  const { folders, problems } = listProfileFolders(paths);
  return {
    profiles: folders.map(({ name }) => ({ name, check: readProfile(paths, name, options) })),
    problems,
  };
}
