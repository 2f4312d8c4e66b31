import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { useEngineApis } from './helpers/api';
import { runCli } from './helpers/cli';

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
