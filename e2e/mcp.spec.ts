import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Task } from '../shared/domain';
import { CLI_ENTRY, REPO_ROOT, expect, screenshot, test } from './support/switchyard';

/**
 * docs/architecture.md §10: an agent speaking MCP (`switchyard mcp --lane orion-cc` over stdio, driven by the SDK's
 * own client) moves a card on the board live: created ready, claimed running, completed done.
 * Each move is waited for with the default expect timeout, not a tight one (2 s can fail on a slower,
 * loaded machine for no bug): how soon the board follows another process's write is a bench figure (row 6).
 */
test('an MCP client creates, claims and completes a task; the board follows live', async ({
  page,
  openBoard,
}) => {
  const app = await openBoard();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SWITCHYARD_')) env[key] = value;
  }
  const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI_ENTRY, 'mcp', '--lane', 'orion-cc'],
      cwd: REPO_ROOT,
      env: { ...env, SWITCHYARD_HOME: app.home, SWITCHYARD_ACTOR: 'orion' },
      stderr: 'pipe',
    }),
  );
  try {
    const call = async (name: string, args: Record<string, unknown>): Promise<Task> => {
      const result = (await client.callTool({ name, arguments: args })) as {
        isError?: boolean;
        content: { text: string }[];
      };
      expect(result.isError, result.content[0]?.text).toBeFalsy();
      return JSON.parse(result.content[0]?.text as string) as Task;
    };

    const created = await call('create_task', { title: 'Triage the flaky test', assignee: 'orion-cc' });
    const card = (status: string) =>
      page.getByTestId(`cell-orion-cc-${status}`).getByTestId(`card-${created.id}`);
    await expect(card('ready')).toBeVisible();
    await expect(page.getByTestId('lane-kind-orion-cc')).toHaveText('terminal');

    await call('claim_next', {});
    await expect(card('running')).toBeVisible();
    await expect(page.getByTestId(`worker-${created.id}`)).toContainText('claimed by orion');
    await screenshot(page, 'mcp-claimed');

    await call('complete_task', { id: created.id, summary: 'quarantined, issue filed' });
    await expect(card('done')).toBeVisible();
    expect(await app.task(created.id)).toMatchObject({ status: 'done', result: 'quarantined, issue filed' });
  } finally {
    await client.close();
  }
});
