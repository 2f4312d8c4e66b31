import type { Actor } from '../core/commands/workerEnv';
import { describeDatabaseFault } from '../core/store/db/databaseErrors';
import { openDatabase, type Db } from '../core/store/db/open';
import { SwitchyardError } from '../core/errors';
import { homePaths, resolveHome } from '../core/config/home';
import { UsageError, parseCommand } from './args';
import { actorFromEnv, refuseWorkers, type CliCommand, type CliContext } from './context';
import type { Output } from './output';

/** Exit codes (docs/architecture.md §6): 0 success, 1 a user error with a one-line message, 2 a usage error. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;

/** Fixed into dist/cli.mjs by scripts/build-node.mjs; absent when the sources run under Vitest. */
declare const __SWITCHYARD_VERSION__: string | undefined;
export const CLI_VERSION =
  typeof __SWITCHYARD_VERSION__ === 'string' ? __SWITCHYARD_VERSION__ : 'development';

/**
 * How much of the database a command that reads many rows maps (CliCommand `readsManyRows`,
 * store/db/open.ts `mapBytes`): 1 GiB covers a board of a million tasks (610 MB).
 */
export const CLI_DATABASE_MAP_BYTES = 2 ** 30;

function helpText(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'switchyard — a kanban board and dispatcher for AI-agent work',
    '',
    'Usage: switchyard COMMAND [options]      (switchyard COMMAND --help for details)',
    '',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Data lives in $SWITCHYARD_HOME (default ~/.switchyard).  switchyard --version prints the version.',
    '--json output is indented on a terminal; to a pipe or file it is compact, an array one element a line.',
  ].join('\n');
}

/** `switchyard COMMAND --help`: usage, what it does, and one line for every flag it takes. */
export function commandHelp(command: CliCommand): string {
  const flags = Object.entries(command.options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.type === 'string' ? ` ${flagValueName(command.usage, name)}` : '';
    return { label: `${short}--${name}${value}`, text: command.flags[name] ?? '' };
  });
  flags.push({ label: '-h, --help', text: 'show this help' });
  const width = Math.max(...flags.map((flag) => flag.label.length));
  return [
    `Usage: switchyard ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'Options:',
    ...flags.map((flag) => `  ${flag.label.padEnd(width)}  ${flag.text}`),
  ].join('\n');
}

/**
 * The placeholder the usage line gives a flag's value (`--board SLUG` → SLUG, `--budget USD|none`,
 * `--approval on|off`: a name with its alternatives, or the choices), else VALUE.
 */
function flagValueName(usage: string, name: string): string {
  const match = new RegExp(`--${name} ([A-Z][A-Z_:.-]*(?:\\|[\\w.-]+)*|[a-z]+(?:\\|[\\w-]+)+)`).exec(usage);
  return match?.[1] ?? 'VALUE';
}

/** docs/architecture.md §6: a user error is one line, even when it quotes input that had line breaks in it. */
function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    // Stop reading far past any limit, so piping a huge file in cannot exhaust memory.
    if (size > 1024 * 1024) throw new SwitchyardError('invalid_input', 'standard input is larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Where a command line finds its commands: the whole CLI's (main.ts), or one group's (taskCli.ts). */
export interface CommandCatalogue {
  /** The command called `name`, loading only what it needs; undefined for an unknown name. */
  find(name: string): Promise<CliCommand | undefined>;
  /** Every command, in the order `--help` lists them. */
  all(): Promise<CliCommand[]>;
}

/** One command line, start to end: the exit code it ends with (its output already written). */
export async function runCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: Output,
  catalogue: CommandCatalogue,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    output.out(helpText(await catalogue.all()));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    output.out(`switchyard ${CLI_VERSION}`);
    return EXIT_OK;
  }
  const command = await catalogue.find(name);
  if (!command) {
    output.err(`switchyard: unknown command "${name}" (see switchyard --help)`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    output.out(commandHelp(command));
    return EXIT_OK;
  }
  const paths = homePaths(resolveHome(env));
  let db: Db | undefined;
  let actor: Actor | undefined;
  const context: CliContext = {
    paths,
    env,
    output,
    // On first use: the login name is a passwd lookup (NSS, maybe a directory service), and `list`
    // and `show` never need it.
    get actor() {
      return (actor ??= actorFromEnv(env));
    },
    readStdin,
    // Set by the desktop app's CLI shim, where the CLI runs on Electron's binary (engine.ts).
    nativeBinding: env.SWITCHYARD_SQLITE_BINDING || undefined,
    db: () =>
      (db ??= openDatabase(paths.database, {
        nativeBinding: context.nativeBinding,
        mapBytes: command.readsManyRows ? CLI_DATABASE_MAP_BYTES : undefined,
      })),
  };
  try {
    const parsed = parseCommand(rest, command.options, command.maxPositionals);
    if (command.workers === undefined) await refuseWorkers(context, `run \`switchyard ${name}\``);
    await command.run(context, parsed);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`switchyard ${name}: ${error.message}\nUsage: switchyard ${command.usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof SwitchyardError) {
      output.err(`switchyard: ${oneLine(error.message)}`);
      return EXIT_USER_ERROR;
    }
    // A full disk, a damaged file, a read-only home: say so plainly (docs/architecture.md §6), not "unexpected".
    const fault = describeDatabaseFault(error, paths.database);
    if (fault) {
      output.err(`switchyard: ${oneLine(fault.message)}`);
      return EXIT_USER_ERROR;
    }
    output.err(`switchyard: unexpected error: ${oneLine((error as Error).message)}`);
    if (env.SWITCHYARD_DEBUG) output.err((error as Error).stack ?? '');
    return EXIT_USER_ERROR;
  } finally {
    db?.close();
  }
}
