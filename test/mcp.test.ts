import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { CLI_ENTRY, REPO_ROOT, runCli, runCliJson } from './helpers/cli';
import { useTempHomes } from './helpers/home';
import { startServeProcess } from './helpers/serveProcess';
import { snapshotDatabase } from './helpers/snapshot';
import { workerEnvOf } from './helpers/worker';

/**
 * docs/architecture.md §10: `switchyard mcp` as a real child process over stdio, driven by the official SDK's client —
 * the same wire an agent (Claude Code, Codex, Hermes) uses.
 */

const tempHome = useTempHomes();
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

async function connect(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<Client> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SWITCHYARD_')) base[key] = value;
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_ENTRY, 'mcp', ...args],
    cwd: REPO_ROOT,
    env: { ...base, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'mcp-tester', ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'switchyard-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

interface ToolText {
  isError?: boolean;
  content: { type: string; text: string }[];
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolText> {
  return (await client.callTool({ name, arguments: args })) as ToolText;
}

async function callJson<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await call(client, name, args);
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return JSON.parse(result.content[0]?.text ?? 'null') as T;
}

describe('switchyard mcp (stdio)', () => {
  it('lists its tools, creates a task on a terminal lane, claims it with --lane and completes it', async () => {
    const { home } = tempHome();
    const client = await connect(home, ['--lane', 'orion-cc']);

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'add_comment',
        'approve_task',
        'block_task',
        'claim_next',
        'complete_task',
        'create_task',
        'followup_task',
        'heartbeat',
        'link_tasks',
        'list_lanes',
        'list_tasks',
        'show_task',
      ].sort(),
    );
    const create = tools.find((tool) => tool.name === 'create_task');
    expect(create?.inputSchema.properties).toHaveProperty('title');
    expect(create?.inputSchema.required).toContain('title');

    const created = await callJson<Task>(client, 'create_task', {
      title: 'Answer the support ticket',
      assignee: 'orion-cc',
    });
    expect(created).toMatchObject({ status: 'ready', assignee: 'orion-cc', createdBy: 'mcp-tester' });

    const lanes = await callJson<{ name: string; kind: string }[]>(client, 'list_lanes', {});
    expect(lanes.find((lane) => lane.name === 'orion-cc')?.kind).toBe('terminal');

    // No lane named: the one the server was started with.
    const claimed = await callJson<Task>(client, 'claim_next', {});
    expect(claimed).toMatchObject({ id: created.id, status: 'running', claimOwner: 'mcp-tester' });

    await callJson(client, 'heartbeat', { id: created.id, note: 'reading the logs' });
    await callJson(client, 'add_comment', { id: created.id, body: 'customer answered' });
    const done = await callJson<Task>(client, 'complete_task', { id: created.id, summary: 'replied' });
    expect(done).toMatchObject({ status: 'done', result: 'replied' });

    // Another process sees it: the same database as the CLI.
    const [listed] = await runCliJson<Task[]>(home, ['list']);
    expect(listed).toMatchObject({ id: created.id, status: 'done', result: 'replied' });
    const shown = await callJson<{ comments: { body: string }[] }>(client, 'show_task', { id: created.id });
    expect(shown.comments.map((comment) => comment.body)).toEqual(['customer answered']);

    // Nothing left to claim: a tool error, one line.
    const empty = await call(client, 'claim_next', {});
    expect(empty.isError).toBe(true);
    expect(empty.content[0]?.text).toBe('no ready task in lane "orion-cc"');
  });

  it('claim_next holds the tasks of a lane that asks for approval (lanes.json) until one is approved', async () => {
    const { home } = tempHome();
    fs.writeFileSync(
      path.join(home, 'lanes.json'),
      JSON.stringify({ lanes: { 'orion-cc': { kind: 'terminal', requireApproval: true } } }),
    );
    const task = await runCliJson<Task>(home, ['create', 'Rotate the keys', '--assignee', 'orion-cc']);
    const agent = await connect(home, ['--lane', 'orion-cc']);
    const held = await call(agent, 'claim_next', {});
    expect(held.isError).toBe(true);
    expect(held.content[0]?.text).toBe(
      'no ready task in lane "orion-cc" may start: 1 wait for approval (the card\'s Approve button, `switchyard approve ID` or MCP approve_task)',
    );
    await callJson(agent, 'approve_task', { id: task.id });
    expect(await callJson<Task>(agent, 'claim_next', {})).toMatchObject({ id: task.id, status: 'running' });
  });

  it("a worker's session cannot complete another task, with the CLI's message", async () => {
    const { home, database } = tempHome();
    const own = await runCliJson<Task>(home, ['create', 'Own task', '--assignee', 'coder']);
    const other = await runCliJson<Task>(home, ['create', 'Other task', '--assignee', 'coder']);
    for (const id of [own.id, other.id]) expect((await runCli(home, ['claim', id])).code).toBe(0);
    const workerEnv = workerEnvOf(database, own.id);
    const before = snapshotDatabase(database);

    const worker = await connect(home, [], workerEnv);
    for (const [tool, args] of [
      ['complete_task', { id: other.id, summary: 'not mine' }],
      ['add_comment', { id: other.id, body: 'psst' }],
      ['link_tasks', { parentId: own.id, childId: other.id }],
      ['approve_task', { id: other.id }],
      ['claim_next', { lane: 'coder' }],
    ] as const) {
      const refused = await call(worker, tool, args);
      expect(refused.isError, tool).toBe(true);
      expect(refused.content[0]?.text, tool).toMatch(new RegExp(`^a worker of ${own.id} `));
    }
    const refused = await call(worker, 'complete_task', { id: other.id, summary: 'not mine' });
    const cli = await runCli(home, ['complete', other.id], { env: workerEnv });
    expect(refused.content[0]?.text).toBe(cli.stderr.trim().replace(/^switchyard: /, ''));
    expect(refused.content[0]?.text).toMatch(/may change only its own task/);
    // The same environment without its secret (or with a wrong one) is refused, never a plain user.
    const noSecret = await connect(home, [], { SWITCHYARD_TASK: own.id });
    expect((await call(noSecret, 'add_comment', { id: own.id, body: 'x' })).content[0]?.text).toMatch(
      /no SWITCHYARD_RUN_SECRET/,
    );
    const wrong = await connect(home, [], { SWITCHYARD_RUN_SECRET: 'guess' });
    expect((await call(wrong, 'create_task', { title: 'x' })).content[0]?.text).toMatch(
      /not the secret of any run/,
    );
    expect(snapshotDatabase(database)).toEqual(before);

    // Its own task, with or without the id.
    const done = await callJson<Task>(worker, 'complete_task', { summary: 'mine' });
    expect(done).toMatchObject({ id: own.id, status: 'done' });
  });

  it('followup_task: a done task goes back to ready with the text; a worker may follow up only its own task', async () => {
    const { home, database } = tempHome();
    const own = await runCliJson<Task>(home, [
      'create',
      'Own task',
      '--assignee',
      'coder',
      '--status',
      'done',
    ]);
    const other = await runCliJson<Task>(home, [
      'create',
      'Other',
      '--assignee',
      'coder',
      '--status',
      'done',
    ]);
    const before = snapshotDatabase(database);

    const worker = await connect(home, [], { SWITCHYARD_TASK: own.id });
    const refused = await call(worker, 'followup_task', { id: other.id, text: 'not mine' });
    expect(refused.isError).toBe(true);
    // Issue 18: without its run's secret a worker's environment acts for nobody.
    expect(refused.content[0]?.text).toMatch(
      new RegExp(`worker's environment \\(SWITCHYARD_TASK=${own.id}\\) but no SWITCHYARD_RUN_SECRET`),
    );
    const bad = await call(worker, 'followup_task', { id: other.id, text: '' });
    expect(bad.content[0]?.text).toBe('text: the follow-up is empty');
    expect(snapshotDatabase(database)).toEqual(before);

    // A real worker (its run's secret) of a running task: still only its own task.
    const busy = await runCliJson<Task>(home, ['create', 'Busy', '--assignee', 'coder']);
    expect((await runCli(home, ['claim', busy.id])).code).toBe(0);
    const genuine = await connect(home, [], workerEnvOf(database, busy.id));
    const beforeGenuine = snapshotDatabase(database);
    const notOwn = await call(genuine, 'followup_task', { id: other.id, text: 'not mine either' });
    expect(notOwn.isError).toBe(true);
    expect(notOwn.content[0]?.text).toBe(
      `a worker of ${busy.id} may change only its own task, not ${other.id}`,
    );
    expect(snapshotDatabase(database)).toEqual(beforeGenuine);

    const person = await connect(home);
    const sent = await callJson<Task>(person, 'followup_task', { id: other.id, text: 'one more thing' });
    expect(sent).toMatchObject({ id: other.id, status: 'ready' });
    const [event] = await runCliJson<{ events: { kind: string; payload: unknown }[] }>(home, [
      'show',
      other.id,
    ]).then((detail) => detail.events.filter((entry) => entry.kind === 'followup'));
    expect(event?.payload).toEqual({ from: 'done', to: 'ready', text: 'one more thing', by: 'mcp-tester' });
    // On a terminal lane the agent that claims it next is told the follow-up.
    const claimed = await callJson<Task & { followup?: string }>(person, 'claim_next', { lane: 'coder' });
    expect(claimed).toMatchObject({ id: other.id, status: 'running', followup: 'one more thing' });
  });

  it('bad arguments are a validation error that changes nothing', async () => {
    const { home, database } = tempHome();
    const client = await connect(home);
    await callJson(client, 'list_tasks', {});
    const before = snapshotDatabase(database);

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['create_task', { title: '   ' }, /^title is required$/],
      ['create_task', { title: 'x', priority: 'high' }, /^priority: /],
      ['create_task', { title: 'x', priority: 1e20 }, /^priority must be from -1000000 to 1000000$/],
      ['create_task', { title: 'x', colour: 'red' }, /^unknown field "colour"$/],
      [
        'create_task',
        { title: '   ', priority: 1e20 },
        /^title is required; priority must be from -1000000 to 1000000$/,
      ],
      ['complete_task', { id: 'not-an-id' }, /^a task id looks like t_1a2b3c4d$/],
      ['claim_next', { lane: 'Bad Lane!' }, /^lane must be 1–64 characters/],
      ['link_tasks', { parentId: 't_00000000' }, /^child id: /],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(client, name, args);
      expect(result.isError, name).toBe(true);
      expect(result.content).toHaveLength(1);
      expect(result.content[0]?.text).toMatch(message);
      expect(result.content[0]?.text).not.toContain('\n');
    }
    expect(snapshotDatabase(database)).toEqual(before);
  });

  it('mcp config prints the wiring for each agent', async () => {
    const { home } = tempHome();
    const claude = await runCli(home, ['mcp', 'config', 'claude', '--lane', 'orion-cc']);
    expect(claude.code, claude.stderr).toBe(0);
    expect(claude.stdout).toContain(
      `claude mcp add --scope user --transport stdio --env SWITCHYARD_HOME=${home} switchyard -- ${process.execPath} ${CLI_ENTRY} mcp --lane orion-cc`,
    );
    const codex = await runCli(home, ['mcp', 'config', 'codex']);
    expect(codex.stdout).toContain('[mcp_servers.switchyard]');
    expect(codex.stdout).toContain(`args = [${JSON.stringify(CLI_ENTRY)}, "mcp"]`);
    const hermes = await runCli(home, ['mcp', 'config', 'hermes']);
    expect(hermes.stdout).toContain('mcp_servers:\n  switchyard:');
    const bad = await runCli(home, ['mcp', 'config', 'cursor']);
    expect(bad.code).toBe(2);
  });
});

describe('switchyard serve --mcp (Streamable HTTP)', () => {
  it('answers the same tools at /mcp behind the board token, and refuses without it', async () => {
    const { home } = tempHome();
    const {
      child: serve,
      printed,
      token,
    } = await startServeProcess(home, {
      args: ['--no-dispatch', '--mcp'],
      env: { SWITCHYARD_ACTOR: 'http-tester' },
      until: /MCP \(Streamable HTTP\): \S+/,
    });
    try {
      const mcpUrl = new URL(/MCP \(Streamable HTTP\): (\S+)/.exec(printed)?.[1] as string);
      expect(mcpUrl.pathname).toBe('/mcp');

      const client = new Client({ name: 'switchyard-http-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(mcpUrl, {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }),
      );
      clients.push(client);
      const created = await callJson<Task>(client, 'create_task', {
        title: 'From HTTP',
        assignee: 'orion-cc',
      });
      expect(created).toMatchObject({ status: 'ready', createdBy: 'http-tester' });
      const bad = await call(client, 'create_task', { title: '' });
      expect(bad.isError).toBe(true);

      const refused = await fetch(mcpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(refused.status).toBe(401);
      const [listed] = await runCliJson<Task[]>(home, ['list']);
      expect(listed?.id).toBe(created.id);
    } finally {
      serve.kill('SIGTERM');
    }
  });
});
