import fs from 'node:fs';
import { invalidInput, notFound } from '../core/errors';
import { PROFILE_TEMPLATE_NAMES } from '../../shared/constants';
import type { ProfileCheck } from '../core/config/profiles';
import { UsageError, requirePositional, stringOption } from './args';
import { refuseWorkers, type CliCommand, type CliContext } from './context';
import { printJson } from './output';

/** `switchyard profiles` (docs/architecture.md §6): list, validate, and create profiles from templates (docs/architecture.md §3). */

/**
 * profile.json is checked with zod (shared/profile.ts), so the profile code is loaded when a
 * `profiles` command runs, not at every CLI start (performance issue 6).
 */
async function profileModules() {
  const [profiles, templates] = await Promise.all([
    import('../core/config/profiles'),
    import('../core/config/profileTemplates'),
  ]);
  return { ...profiles, ...templates };
}
type ProfileModules = Awaited<ReturnType<typeof profileModules>>;

/** One profile as `--json` prints it; the shape is part of the stable CLI output. */
export interface ProfileRow {
  name: string;
  valid: boolean;
  problem: string | null;
  command: string[] | null;
  completion: 'exit-code' | 'report' | null;
  maxConcurrent: number | null;
  maxRuntimeSeconds: number | null;
  description: string | null;
  /** Where the program was found (null when it was not). */
  programPath: string | null;
}

export function profileRow(name: string, check: ProfileCheck): ProfileRow {
  // A profile whose program is missing still parsed: show its command so the user sees what is run.
  const profile = check.profile;
  return {
    name,
    valid: check.ok,
    problem: check.ok ? null : check.problem,
    command: profile?.command ?? null,
    completion: profile?.completion ?? null,
    maxConcurrent: profile?.maxConcurrent ?? null,
    maxRuntimeSeconds: profile?.maxRuntimeSeconds ?? null,
    description: profile?.description ?? null,
    programPath: check.ok ? check.programPath : null,
  };
}

const TEMPLATE_LIST = PROFILE_TEMPLATE_NAMES.join('|');
const lookupOptions = (context: CliContext) => ({ pathEnv: context.env.PATH });

function profileTable(rows: readonly ProfileRow[]): string {
  const width = Math.max(4, ...rows.map((row) => row.name.length));
  const header = `${'NAME'.padEnd(width)}  ${'STATE'.padEnd(6)}  ${'COMPLETION'.padEnd(10)}  MAX  COMMAND`;
  const lines = rows.map((row) => {
    const command = row.command ? row.command.join(' ') : '-';
    const line =
      `${row.name.padEnd(width)}  ${(row.valid ? 'ok' : 'broken').padEnd(6)}  ` +
      `${(row.completion ?? '-').padEnd(10)}  ${String(row.maxConcurrent ?? '-').padStart(3)}  ${command}`;
    return row.problem ? `${line}\n${' '.repeat(width + 2)}↳ ${row.problem}` : line;
  });
  return [header, ...lines].join('\n');
}

function listAction(context: CliContext, asJson: boolean, { listProfiles }: ProfileModules): void {
  const listing = listProfiles(context.paths, lookupOptions(context));
  const rows = listing.profiles.map(({ name, check }) => profileRow(name, check));
  if (asJson) {
    printJson(context.output, { profiles: rows, problems: listing.problems });
    return;
  }
  context.output.out(
    rows.length > 0
      ? profileTable(rows)
      : `No profiles in ${context.paths.profiles}.\nCreate one with: switchyard profiles create NAME --from ${TEMPLATE_LIST}`,
  );
  for (const problem of listing.problems) context.output.err(`warning: ${problem}`);
}

function validateAction(
  context: CliContext,
  name: string | undefined,
  asJson: boolean,
  { listProfiles, profileDir, profileFile, readProfile }: ProfileModules,
): void {
  let rows: ProfileRow[];
  let problems: string[] = [];
  if (name !== undefined) {
    const lane = name.trim().toLowerCase();
    if (!fs.existsSync(profileDir(context.paths, lane))) {
      throw notFound(`no profile "${lane}" (expected ${profileFile(context.paths, lane)})`);
    }
    rows = [profileRow(lane, readProfile(context.paths, lane, lookupOptions(context)))];
  } else {
    const listing = listProfiles(context.paths, lookupOptions(context));
    rows = listing.profiles.map((entry) => profileRow(entry.name, entry.check));
    problems = listing.problems;
  }
  const broken = rows.filter((row) => !row.valid);
  if (asJson) {
    printJson(context.output, {
      valid: broken.length === 0 && problems.length === 0,
      profiles: rows,
      problems,
    });
  } else {
    if (rows.length === 0) context.output.out('No profiles.');
    for (const row of rows) {
      context.output.out(row.valid ? `${row.name}: ok (${row.programPath})` : `${row.name}: ${row.problem}`);
    }
    for (const problem of problems) context.output.out(problem);
  }
  // docs/architecture.md §6: exit 1 when something needs fixing, so scripts and CI can check a home.
  if (broken.length > 0 || problems.length > 0) {
    const count = broken.length + problems.length;
    throw invalidInput(`${count} profile problem${count === 1 ? '' : 's'} to fix`);
  }
}

function createAction(
  context: CliContext,
  name: string,
  template: string | undefined,
  force: boolean,
  asJson: boolean,
  { createProfileFromTemplate, isProfileTemplateName, profileTemplateSummary, readProfile }: ProfileModules,
): void {
  if (template === undefined) throw new UsageError(`--from is required (${TEMPLATE_LIST})`);
  if (!isProfileTemplateName(template)) {
    throw new UsageError(`unknown template "${template}" (one of ${PROFILE_TEMPLATE_NAMES.join(', ')})`);
  }
  const created = createProfileFromTemplate(context.paths, name, template, { force });
  const row = profileRow(created.name, readProfile(context.paths, created.name, lookupOptions(context)));
  if (asJson) {
    printJson(context.output, { ...row, files: created.files });
    return;
  }
  context.output.out(
    `Created profile ${created.name} from "${template}" (${profileTemplateSummary(template)}):`,
  );
  for (const file of created.files) context.output.out(`  ${file}`);
  context.output.out(
    row.valid
      ? `Ready: tasks assigned to "${created.name}" will be started by the dispatcher.`
      : `Not runnable yet: ${row.problem}. The lane shows as broken until this is fixed.`,
  );
}

export const profileCommands: CliCommand[] = [
  {
    name: 'profiles',
    workers: 'read',
    summary: 'list, validate or create worker profiles',
    usage:
      `profiles [list] [--json]\n       switchyard profiles validate [NAME] [--json]\n` +
      `       switchyard profiles create NAME --from ${TEMPLATE_LIST} [--force] [--json]`,
    options: {
      json: { type: 'boolean' },
      from: { type: 'string' },
      force: { type: 'boolean' },
    },
    flags: {
      json: 'print the profiles (or the check, or the created profile) as JSON',
      from: `profiles create: the template to start from (${PROFILE_TEMPLATE_NAMES.join(', ')})`,
      force: 'profiles create: overwrite an existing profile of that name',
    },
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const [action = 'list', argument] = positionals;
      const asJson = values.json === true;
      if (action !== 'create' && (values.from !== undefined || values.force !== undefined)) {
        throw new UsageError('--from and --force belong to `profiles create`');
      }
      if (action !== 'list' && action !== 'validate' && action !== 'create')
        throw new UsageError(`unknown action "${action}" (list, validate or create)`);
      if (action === 'list' && argument !== undefined)
        throw new UsageError(`unexpected argument "${argument}"`);
      const modules = await profileModules();
      switch (action) {
        case 'list':
          return listAction(context, asJson, modules);
        case 'validate':
          return validateAction(context, argument, asJson, modules);
        case 'create':
          await refuseWorkers(context, 'create profiles');
          return createAction(
            context,
            requirePositional(positionals, 1, 'profile name'),
            stringOption(values, 'from'),
            values.force === true,
            asJson,
            modules,
          );
      }
    },
  },
];
