import fs from 'node:fs';
import path from 'node:path';
import { SLUG_PATTERN } from '../../../shared/constants';
import {
  COMPLETION_MODES,
  DEFAULT_RETRY_EXIT_CODES,
  OUTPUT_FORMATS,
  PROFILE_FILE,
  PROFILE_MAX_BYTES,
  profileFileSchema,
  profileProblems,
  type CompletionMode,
  type OutputFormat,
} from '../../../shared/profile';
import type { TranscriptFormat } from '../../../shared/transcript';
import type { HomePaths } from './home';

export { profileDir } from './home';
import { readSmallJsonFile } from './jsonFile';
import type { MissingProgramCache } from './programLookup';

/**
 * Profiles (docs/architecture.md §3): `profiles/<name>/profile.json` says how to start a worker. A profile is only
 * usable when the file parses AND its program can be run; otherwise the lane is `profile_broken`
 * with one exact sentence saying what to fix, and it is never spawned (so it cannot crash-loop).
 */

export {
  COMPLETION_MODES,
  DEFAULT_RETRY_EXIT_CODES,
  OUTPUT_FORMATS,
  PROFILE_FILE,
  PROFILE_MAX_BYTES,
  type CompletionMode,
  type OutputFormat,
};

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
  /** docs/architecture.md §9: "review" holds the task's children until its changes are merged (or the review waived). */
  onSuccess: 'done' | 'review';
  description: string | null;
  /** Exit codes that mean "try again later" (rate limits): back to ready without a failure. */
  retryExitCodes: number[];
  output: OutputFormat;
}

/** docs/architecture.md §10: the transcript format the supervisor parses a run of this profile in; null: plain text. */
export function transcriptFormatOf(profile: Pick<Profile, 'output'>): TranscriptFormat | null {
  return profile.output === 'text' ? null : profile.output;
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

type FieldCheck<T> = { value: T } | { problem: string };

const invalid = (problem: string): ProfileCheck => ({
  ok: false,
  problem: `${PROFILE_FILE}: ${problem}`,
  cause: 'invalid',
  profile: null,
});

/** The fields of a parsed profile.json, by the shared schema (shared/profile.ts); its first problem otherwise. */
function checkFields(raw: unknown): FieldCheck<Omit<Profile, 'name'>> {
  const parsed = profileFileSchema.safeParse(raw);
  if (!parsed.success) return { problem: profileProblems(parsed.error)[0]?.message ?? 'invalid' };
  const fields = parsed.data;
  return {
    value: {
      command: fields.command,
      env: fields.env,
      maxConcurrent: fields.maxConcurrent,
      maxRuntimeSeconds: fields.maxRuntimeSeconds,
      completion: fields.completion,
      onSuccess: fields.onSuccess,
      description: fields.description,
      retryExitCodes: fields.retryExitCodes,
      output: fields.output,
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

/** An agent's session id as it may stand in an argv: never an option, never odd characters. */
const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/**
 * docs/architecture.md §10 follow-ups: the argv that resumes the agent's own session with `vars.prompt` (the
 * follow-up text), built from the profile's command with the agents' documented resume flags:
 *
 * - Claude Code (`claude-stream-json`): the same command with `--resume SESSION` added, so
 *   `claude -p TEXT … --resume SESSION` (print mode resumes that conversation).
 * - Codex (`codex-json`): `resume SESSION TEXT` after exec's own flags, so
 *   `codex exec --json … resume SESSION TEXT`; exec's positional `{prompt}` moves there.
 *
 * Null when this profile cannot resume (another output, a command without that shape, a session id
 * that is not a plain id): the run then starts afresh with the follow-up in its prompt.
 */
export function resumeCommand(
  profile: Pick<Profile, 'command' | 'output'>,
  session: string,
  vars: CommandVars,
): string[] | null {
  if (!SESSION_ID_PATTERN.test(session)) return null;
  if (profile.output === 'claude-stream-json') {
    if (!profile.command.some((part) => part.includes('{prompt}'))) return null;
    return [...expandCommand(profile, vars), '--resume', session];
  }
  if (profile.output === 'codex-json') {
    const execAt = profile.command.indexOf('exec');
    const promptAt = profile.command.indexOf('{prompt}');
    if (execAt < 1 || promptAt <= execAt) return null;
    const flags = profile.command.filter((_part, index) => index !== promptAt);
    // The prompt must be exec's one positional argument, not part of an option.
    if (flags.some((part) => part.includes('{prompt}'))) return null;
    return [...expandCommand({ command: flags }, vars), 'resume', session, vars.prompt];
  }
  return null;
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
