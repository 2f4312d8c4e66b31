import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { useEngineApis } from './helpers/api';
import { runCli } from './helpers/cli';
import { useTempHomes } from './helpers/home';

/**
 * A refused input reads the same through the API (the board's toast) and the CLI: one line for a
 * person that names the field once and no call or command. The board showed "createTask: body: body
 * is larger than 64 KiB" and `switchyard edit` said "edit: title: title is required".
 */

const newApi = useEngineApis();

const BIG_BODY = 'x'.repeat(64 * 1024 + 1);
const SLUG_RULE = 'must be 1–64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit';

/** Each refusal: the API call, the CLI arguments that ask the same (`ID` is the task's id), the words. */
const REFUSALS: { what: string; call: [string, Record<string, unknown>]; cli: string[]; says: string }[] = [
  {
    what: 'a body over 64 KiB',
    call: ['createTask', { board: 'default', title: 'Paste the log', body: BIG_BODY }],
    cli: ['create', 'Paste the log', '--body', BIG_BODY],
    says: 'body is larger than 64 KiB',
  },
  {
    what: 'an empty title',
    call: ['editTask', { id: 'ID', title: '   ' }],
    cli: ['edit', 'ID', '--title', '   '],
    says: 'title is required',
  },
  {
    what: 'a priority out of range',
    call: ['editTask', { id: 'ID', priority: 5_000_000 }],
    cli: ['edit', 'ID', '--priority', '5000000'],
    says: 'priority must be from -1000000 to 1000000',
  },
  {
    what: 'an assignee that is no lane name',
    call: ['moveTask', { id: 'ID', assignee: 'Bad Lane!' }],
    cli: ['assign', 'ID', 'Bad Lane!'],
    says: `assignee ${SLUG_RULE}`,
  },
  {
    what: 'a max runtime of zero',
    call: ['createTask', { board: 'default', title: 'Quick', maxRuntimeSeconds: 0 }],
    cli: ['create', 'Quick', '--max-runtime', '0'],
    says: 'max runtime must be at least 1 second',
  },
];

describe('a refusal reads as one plain sentence, the same through the API and the CLI', () => {
  it.each(REFUSALS)('$what: "$says"', async ({ call, cli, says }) => {
    const { engine, api } = newApi();
    const created = await api.call('createTask', { board: 'default', title: 'Keep me' });
    if (!created.ok) throw new Error(created.error.message);
    const task: Task = created.value;
    const withId = <T>(value: T): T => (value === 'ID' ? (task.id as T) : value);

    const [name, request] = call;
    const viaApi = await api.callByName(
      name,
      Object.fromEntries(Object.entries(request).map(([key, value]) => [key, withId(value)])),
    );
    expect(viaApi).toEqual({ ok: false, error: { code: 'validation', message: says } });

    const viaCli = await runCli(engine.paths.home, cli.map(withId));
    expect({ code: viaCli.code, stderr: viaCli.stderr }).toEqual({
      code: 1,
      stderr: `switchyard: ${says}\n`,
    });

    // Nothing was written by either refusal: the one task is as it was.
    const detail = await api.call('taskDetail', { id: task.id });
    if (!detail.ok) throw new Error(detail.error.message);
    expect(detail.value.task).toEqual(task);
    const listed = await runCli(engine.paths.home, ['list', '--json']);
    expect((JSON.parse(listed.stdout) as Task[]).map((listedTask) => listedTask.id)).toEqual([task.id]);
  });
});

/**
 * A refusal names every problem it found, not only the first: a title left empty and a priority out
 * of range were two refusals in a row (fix one, be refused for the other). Past five, the rest are
 * counted.
 */
describe('a refusal names all its problems in one line', () => {
  it('an empty title and a priority out of range: both, through the API and the CLI', async () => {
    const { engine, api } = newApi();
    const created = await api.call('createTask', { board: 'default', title: 'Keep me' });
    if (!created.ok) throw new Error(created.error.message);
    const says = 'title is required; priority must be from -1000000 to 1000000';

    const viaApi = await api.callByName('editTask', { id: created.value.id, title: ' ', priority: 5e6 });
    expect(viaApi).toEqual({ ok: false, error: { code: 'validation', message: says } });
    const viaCli = await runCli(engine.paths.home, [
      'edit',
      created.value.id,
      '--title',
      ' ',
      '--priority',
      '5000000',
    ]);
    expect({ code: viaCli.code, stderr: viaCli.stderr }).toEqual({
      code: 1,
      stderr: `switchyard: ${says}\n`,
    });
    const detail = await api.call('taskDetail', { id: created.value.id });
    if (!detail.ok) throw new Error(detail.error.message);
    expect(detail.value.task).toEqual(created.value);
  });

  it('seven problems: the first five and how many more', async () => {
    const { engine, api } = newApi();
    const refused = await api.callByName('createTask', {
      board: 'default',
      title: ' ',
      body: BIG_BODY,
      assignee: 'Bad Lane!',
      priority: 5e6,
      maxRuntimeSeconds: 0,
      workspace: 'nowhere',
      colour: 'red',
    });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'validation',
        message:
          `title is required; body is larger than 64 KiB; assignee ${SLUG_RULE}; ` +
          'priority must be from -1000000 to 1000000; workspace must be "scratch", "repo", ' +
          '"dir:/absolute/path" or "worktree:/absolute/repo/path"; and 2 more',
      },
    });
    const listed = await runCli(engine.paths.home, ['list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});

/**
 * The same words where Switchyard refuses what a person wrote outside the API: a flag, a config file
 * (named by its keys, as written there) and a file brought in by `switchyard import`. Each of these
 * worded zod's issue by hand: "--lane: must be …", "dispatcher.tickMS: unknown setting", and a
 * recurrence's lane refused with no field at all ("skipped: must be 1–64 characters …").
 */
describe('a flag, a config file and an import word their refusals the same way', () => {
  const newHome = useTempHomes();

  it('`switchyard mcp --lane` names the flag once, as a predicate', async () => {
    const { home } = newHome();
    const refused = await runCli(home, ['mcp', '--lane', 'Bad Lane!']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(`switchyard mcp: --lane ${SLUG_RULE}`);
  });

  it("settings.json's problems name each key as written, and an unknown key as an unknown field", async () => {
    const paths = newHome();
    fs.writeFileSync(
      paths.settingsFile,
      JSON.stringify({ dispatcher: { tickMs: 5, tickMS: 1, backoffBaseMs: 5000, backoffMaxMs: 10 } }),
    );
    const listed = await runCli(paths.home, ['lanes', '--json']);
    expect((JSON.parse(listed.stdout) as { problems: string[] }).problems).toEqual([
      'settings.json: dispatcher.tickMs must be at least 100; unknown field "dispatcher.tickMS"; ' +
        'dispatcher.backoffMaxMs must be at least backoffBaseMs',
    ]);
  });

  it('an imported recurrence whose lane is no lane name is skipped with the field named', async () => {
    const source = newHome();
    const added = await runCli(source.home, ['recur', 'add', 'Weekly', '--schedule', '0 9 * * 1']);
    expect(added.code).toBe(0);
    const exported = await runCli(source.home, ['export']);
    const file = path.join(source.home, 'export.json');
    const data = JSON.parse(exported.stdout) as { recurrences: { lane: string | null }[] };
    data.recurrences[0]!.lane = 'Bad Lane!';
    fs.writeFileSync(file, JSON.stringify(data));

    const imported = await runCli(newHome().home, ['import', file, '--json']);
    const report = JSON.parse(imported.stdout) as { recurrences: { skipped: number }; notes: string[] };
    expect(report.recurrences.skipped).toBe(1);
    expect(report.notes).toContainEqual(
      expect.stringMatching(new RegExp(`skipped: lane ${escape(SLUG_RULE)}$`)),
    );
  });
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
