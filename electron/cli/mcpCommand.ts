import { describeRefusal } from '../../shared/refusalText';
import { UsageError, stringOption } from './args';
import type { CliCommand, CliContext } from './context';
import { exitQuietlyOnEpipe } from './stdio';

/**
 * `switchyard mcp` (docs/architecture.md §10): the board's operations as an MCP server over stdio, for agents that
 * speak the Model Context Protocol; `switchyard mcp config AGENT` prints how to wire it into one.
 * While the server runs, stdout belongs to the protocol: nothing else may be written there.
 */

const AGENTS = ['claude', 'codex', 'hermes'] as const;
type Agent = (typeof AGENTS)[number];

/** The lane's name checked by the contract's own rule (loaded here: zod is not part of every CLI start). */
async function laneOption(raw: string | undefined): Promise<string | undefined> {
  if (raw === undefined) return undefined;
  const { assigneeSchema } = await import('../../shared/domain');
  const parsed = assigneeSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeRefusal(parsed.error, { field: '--lane' }));
  return parsed.data;
}

const tomlString = (value: string): string => JSON.stringify(value);
const shellWord = (value: string): string =>
  /^[A-Za-z0-9_/.:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** The exact snippet or command for one agent (checked against their docs: docs/agents.md). */
export function mcpWiring(agent: Agent, command: readonly string[], home: string): string {
  const [program, ...args] = command as [string, ...string[]];
  switch (agent) {
    case 'claude':
      return [
        '# Claude Code: add the server (user scope: every project), then check it with `claude mcp list`',
        `claude mcp add --scope user --transport stdio --env SWITCHYARD_HOME=${shellWord(home)} switchyard -- ${command.map(shellWord).join(' ')}`,
      ].join('\n');
    case 'codex':
      return [
        '# Codex: add this to ~/.codex/config.toml (or .codex/config.toml of a trusted project)',
        '[mcp_servers.switchyard]',
        `command = ${tomlString(program)}`,
        `args = [${args.map(tomlString).join(', ')}]`,
        `env = { SWITCHYARD_HOME = ${tomlString(home)} }`,
      ].join('\n');
    case 'hermes':
      return [
        '# Hermes Agent: add this under mcp_servers in ~/.hermes/config.yaml, then restart Hermes',
        'mcp_servers:',
        '  switchyard:',
        `    command: ${JSON.stringify(program)}`,
        `    args: [${args.map((arg) => JSON.stringify(arg)).join(', ')}]`,
        '    env:',
        `      SWITCHYARD_HOME: ${JSON.stringify(home)}`,
      ].join('\n');
  }
}

async function serveStdio(context: CliContext, lane: string | undefined, board: string): Promise<void> {
  const [{ Engine }, { createMcpServer }, { StdioServerTransport }] = await Promise.all([
    import('../core/dispatch/engine'),
    import('../core/api/mcpServer'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  // An engine that never dispatches: the database, and lane kinds for list_lanes (profiles on disk).
  const engine = new Engine({
    home: context.paths.home,
    env: context.env,
    dispatch: false,
    actor: context.actor,
    log: (line) => context.output.err(line),
  });
  const server = createMcpServer(
    {
      db: engine.db,
      actor: context.actor,
      lanesFile: context.paths,
      lane,
      board,
      laneStatuses: (slug) => engine.laneStatuses(slug),
    },
    process.env.npm_package_version ?? '0.1.0',
  );
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  exitQuietlyOnEpipe(process.stdout);
  await server.connect(new StdioServerTransport());
  // The client ends the session by closing our stdin (or with a signal).
  const stop = (): void => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop);
  await closed;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await engine.close({ stopWorkers: false });
}

export const mcpCommand: CliCommand = {
  name: 'mcp',
  workers: 'task',
  summary: 'an MCP server over stdio for agents (mcp config claude|codex|hermes prints the wiring)',
  usage: 'mcp [--lane NAME] [--board SLUG] | mcp config claude|codex|hermes [--lane NAME]',
  options: { lane: { type: 'string' }, board: { type: 'string' } },
  flags: {
    lane: 'the lane the agent works for: its claims take that lane’s tasks',
    board: 'the board the tools work on (default: $SWITCHYARD_BOARD, else default)',
  },
  maxPositionals: 2,
  async run(context, { values, positionals }) {
    const lane = await laneOption(stringOption(values, 'lane'));
    const board = stringOption(values, 'board') ?? context.env.SWITCHYARD_BOARD ?? 'default';
    if (positionals.length === 0) return serveStdio(context, lane, board);
    if (positionals[0] !== 'config') throw new UsageError(`unknown mcp subcommand "${positionals[0]}"`);
    const agent = positionals[1];
    if (!agent || !(AGENTS as readonly string[]).includes(agent))
      throw new UsageError(`mcp config needs one of ${AGENTS.join(', ')}`);
    const { defaultCliCommand } = await import('../core/dispatch/engine');
    const command = [...defaultCliCommand(), 'mcp', ...(lane ? ['--lane', lane] : [])];
    context.output.out(mcpWiring(agent as Agent, command, context.paths.home));
  },
};
