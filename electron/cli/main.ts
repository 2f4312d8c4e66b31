import { appendAll } from '../../shared/arrays';
import { TASK_COMMAND_NAMES } from './commandGroups';
import type { CliCommand } from './context';
import type { Output } from './output';
import { runCommandLine } from './runner';

export {
  CLI_DATABASE_MAP_BYTES,
  CLI_VERSION,
  EXIT_OK,
  EXIT_USAGE,
  EXIT_USER_ERROR,
  commandHelp,
} from './runner';

/**
 * Every command by name, and the module that holds it. A command's module — its options, help and
 * body, and what the body imports — is loaded only when that command runs (performance issue 17,
 * target 4: `list` and `create` start with their own code, not every command's); `--help` loads
 * them all. test/cli-bundle.test.ts checks that each module holds exactly the names listed here.
 * (The task commands' names are in commandGroups.ts: the launcher reads them to pick their bundle.)
 */
export const COMMAND_MODULES: readonly {
  names: readonly string[];
  load(): Promise<readonly CliCommand[]>;
}[] = [
  { names: TASK_COMMAND_NAMES, load: async () => (await import('./taskCommands')).taskCommands },
  {
    names: ['dispatch', 'lanes', 'tail'],
    load: async () => (await import('./engineCommands')).engineCommands,
  },
  { names: ['profiles'], load: async () => (await import('./profileCommands')).profileCommands },
  {
    names: [
      'diff',
      'merge',
      'rebase',
      'commit',
      'push',
      'discard',
      'send-back',
      'waive',
      'lane-repo',
      'workspaces',
    ],
    load: async () => (await import('./repositoryCommands')).repositoryCommands,
  },
  { names: ['serve'], load: async () => [(await import('./serveCommand')).serveCommand] },
  { names: ['mcp'], load: async () => [(await import('./mcpCommand')).mcpCommand] },
  { names: ['import-hermes'], load: async () => [(await import('./importCommand')).importHermesCommand] },
  {
    names: ['import-vibe-kanban'],
    load: async () => [(await import('./vibeKanbanCommand')).importVibeKanbanCommand],
  },
  {
    names: ['export', 'import', 'backup'],
    load: async () => (await import('./archiveCommands')).archiveCommands,
  },
  { names: ['recur'], load: async () => [(await import('./recurCommands')).recurCommand] },
];

/** Every command, in the order `--help` lists them (loads every command module). */
export async function allCommands(): Promise<CliCommand[]> {
  const loaded = (await Promise.all(COMMAND_MODULES.map((module) => module.load()))).flat();
  const builtIn = new Set(loaded.map((command) => command.name));
  return [...loaded, ...extraCommands.filter((command) => !builtIn.has(command.name))];
}

/**
 * The command called `name`, loading only its module. A name no module lists (a typo, or a command
 * added without its line above, which test/cli-bundle.test.ts reports) is looked for in all of them.
 */
async function findCommand(name: string): Promise<CliCommand | undefined> {
  const module = COMMAND_MODULES.find((candidate) => candidate.names.includes(name));
  const commands = module ? await module.load() : await allCommands();
  return commands.find((command) => command.name === name) ?? extraCommands.find((c) => c.name === name);
}

const extraCommands: CliCommand[] = [];

/** Lets later modules (and tests) add commands without this file knowing them. */
export function registerCommands(commands: readonly CliCommand[]): void {
  appendAll(extraCommands, commands);
}

/** The whole CLI (dist/cli.mjs): every command, each module loaded when its command runs. */
export function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  return runCommandLine(argv, env, output, { find: findCommand, all: allCommands });
}
