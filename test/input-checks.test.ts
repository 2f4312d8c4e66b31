import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { COMPILED_CHECKS, generatedCheck } from '../scripts/inputChecks';
import { checkCreateTaskInput } from '../shared/createTaskInputCheck.generated';
import { createTaskInputSchema } from '../shared/taskInput';
import { titleSchema } from '../shared/fieldSchemas';
import { parseCreateTaskInput } from '../electron/core/commands/taskCommands';
import { checkedCreateInput } from '../electron/cli/taskCommands';
import { SwitchyardError } from '../electron/core/errors';
import { REPO_ROOT } from './helpers/cli';

// Performance issue 17, target 4c: `switchyard create` checks its input with a function generated from
// createTaskInputSchema (scripts/inputChecks.ts), so zod is not set up for it. The schema stays the one
// definition of the rules: the generated file must be what the generator writes from it now, and zod
// and the generated check must agree on every input: refused by both, or accepted by both with the
// same value (key for key). The CLI's path (checkedCreateInput) must say what zod says, word for word.

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `t_${i.toString(16).padStart(8, '0')}`);
const inherited = Object.assign(Object.create({ title: 'from the prototype' }) as object, { priority: 2 });

/** Inputs chosen at each edge of createTaskInputSchema's rules (and of zod's own behaviour). */
const HOSTILE: unknown[] = [
  undefined,
  null,
  'a title',
  42,
  [],
  ['title'],
  {},
  { title: undefined },
  { title: 'plain' },
  { title: '  padded  ' },
  { title: '   ' },
  { title: '' },
  { title: 'tab\tand\nnewline are allowed' },
  { title: 'bell\u0007' },
  { title: 'escape\u001b[31m' },
  { title: 'delete\u007f is not a control character here' },
  { title: 'lone \ud800 surrogate' },
  { title: 'lone low \udc00' },
  { title: 'x'.repeat(500) },
  { title: 'x'.repeat(501) },
  { title: `  ${'x'.repeat(500)}  ` },
  { title: '🚂'.repeat(500) },
  { title: '🚂'.repeat(501) },
  { title: `${'🚂'.repeat(499)}\ud800` },
  { title: 'a', body: undefined },
  { title: 'a', body: null },
  { title: 'a', body: 'nul\u0000inside' },
  { title: 'a', body: 'x'.repeat(64 * 1024) },
  { title: 'a', body: 'x'.repeat(64 * 1024 + 1) },
  { title: 'a', body: 'é'.repeat(32 * 1024) },
  { title: 'a', body: `${'é'.repeat(32 * 1024)}x` },
  { title: 'a', body: 'surrogate \udfff' },
  { title: 'a', assignee: ' Agent-007 ' },
  { title: 'a', assignee: 'AGENT' },
  { title: 'a', assignee: '' },
  { title: 'a', assignee: '   ' },
  { title: 'a', assignee: '-leading-dash' },
  { title: 'a', assignee: 'x'.repeat(64) },
  { title: 'a', assignee: 'x'.repeat(65) },
  { title: 'a', assignee: 'İstanbul' },
  { title: 'a', assignee: null },
  { title: 'a', assignee: 7 },
  { title: 'a', priority: 0 },
  { title: 'a', priority: -0 },
  { title: 'a', priority: 1.5 },
  { title: 'a', priority: NaN },
  { title: 'a', priority: Infinity },
  { title: 'a', priority: 1_000_000 },
  { title: 'a', priority: 1_000_001 },
  { title: 'a', priority: -1_000_000 },
  { title: 'a', priority: -1_000_001 },
  { title: 'a', priority: 2 ** 53 },
  { title: 'a', priority: '3' },
  { title: 'a', priority: null },
  { title: 'a', board: 'default' },
  { title: 'a', board: 'Default' },
  { title: 'a', board: '_x' },
  { title: 'a', board: 'x'.repeat(65) },
  { title: 'a', board: undefined },
  { title: 'a', status: 'ready' },
  { title: 'a', status: 'running' },
  { title: 'a', status: 'READY' },
  { title: 'a', status: undefined },
  { title: 'a', status: null },
  { title: 'a', parents: ids(100) },
  { title: 'a', parents: ids(101) },
  { title: 'a', parents: ['t_0000000g'] },
  { title: 'a', parents: ['t_00000000', 't_00000000'] },
  { title: 'a', parents: 't_00000000' },
  // eslint-disable-next-line no-sparse-arrays -- a hole is what is tested
  { title: 'a', parents: ['t_00000000', , 't_00000001'] },
  { title: 'a', workspace: 'scratch' },
  { title: 'a', workspace: 'repo' },
  { title: 'a', workspace: 'dir:/' },
  { title: 'a', workspace: 'dir:/x' },
  { title: 'a', workspace: 'dir:relative' },
  { title: 'a', workspace: 'worktree:/a\u0000b' },
  { title: 'a', workspace: undefined },
  { title: 'a', workspace: null },
  { title: 'a', maxRuntimeSeconds: 0 },
  { title: 'a', maxRuntimeSeconds: 1 },
  { title: 'a', maxRuntimeSeconds: 604_800 },
  { title: 'a', maxRuntimeSeconds: 604_801 },
  { title: 'a', maxRuntimeSeconds: 0.5 },
  { title: 'a', maxRuntimeSeconds: null },
  { title: 'a', requireApproval: true },
  { title: 'a', requireApproval: 'yes' },
  { title: 'a', unknownKey: 'is dropped', __proto__: { polluted: true } },
  inherited,
  Object.assign(Object.create(null) as object, { title: 'no prototype' }),
];

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    'ready',
    'running',
    'default',
    'agent-007',
    'dir:/x',
    'repo',
    't_0123abcd',
    '\u0000',
  ),
);
const anyValue = fc.oneof(
  text,
  fc.integer({ min: -2_000_000, max: 2_000_000 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(undefined, null),
  fc.array(fc.oneof(text, fc.constantFrom('t_00000000', 't_ffffffff')), { maxLength: 4 }),
);
const inputs = fc.oneof(
  fc.record(
    {
      title: anyValue,
      body: anyValue,
      assignee: anyValue,
      priority: anyValue,
      board: anyValue,
      status: anyValue,
      parents: anyValue,
      workspace: anyValue,
      maxRuntimeSeconds: anyValue,
      requireApproval: anyValue,
      extra: anyValue,
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

function expectSameVerdict(input: unknown): void {
  const parsed = createTaskInputSchema.safeParse(input);
  const checked = checkCreateTaskInput(input);
  if (parsed.success) expect(checked, JSON.stringify(input)).toStrictEqual(parsed.data);
  else expect(checked, `${JSON.stringify(input)}: ${parsed.error.issues[0]?.message}`).toBeUndefined();
}

async function verdictOf(check: () => unknown): Promise<{ value: unknown } | { message: string }> {
  try {
    return { value: await check() };
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchyardError);
    return { message: (error as Error).message };
  }
}

describe('the input checks generated from shared/ zod schemas', () => {
  it('are checked in as the generator writes them from the schemas now', async () => {
    for (const compiled of COMPILED_CHECKS) {
      const checkedIn = fs.readFileSync(path.join(REPO_ROOT, compiled.file), 'utf8');
      expect(checkedIn, `${compiled.file} is stale: run npm run generate:checks`).toBe(
        await generatedCheck(compiled, REPO_ROOT),
      );
    }
  });

  it('accept what zod accepts, with the same value, and refuse what zod refuses: hostile inputs', () => {
    for (const input of HOSTILE) expectSameVerdict(input);
    // The list reaches both verdicts often enough to mean something.
    const accepted = HOSTILE.filter((input) => createTaskInputSchema.safeParse(input).success).length;
    expect(accepted).toBeGreaterThan(30);
    expect(HOSTILE.length - accepted).toBeGreaterThan(30);
  });

  it('agree with zod on random inputs', () => {
    fc.assert(
      fc.property(inputs, (input) => expectSameVerdict(input)),
      { numRuns: 3000 },
    );
  });

  it('give `create` zod’s verdict and zod’s one-line message (electron/cli checkedCreateInput)', async () => {
    for (const input of HOSTILE) {
      const viaCli = await verdictOf(() => checkedCreateInput(input as never));
      const viaZod = await verdictOf(() => parseCreateTaskInput(input));
      expect(viaCli, JSON.stringify(input)).toStrictEqual(viaZod);
      if ('message' in viaCli) expect(viaCli.message).toMatch(/^[^\n]+$/);
    }
  });

  it('stop the generator at a rule it would have to copy rather than call', async () => {
    const inline = {
      ...COMPILED_CHECKS[0]!,
      schema: z.object({ title: titleSchema.refine((t) => t !== 'x') }),
    };
    await expect(generatedCheck(inline, REPO_ROOT)).rejects.toThrow(/not exported by shared\/fieldRules\.ts/);
    const unknownKind = { ...COMPILED_CHECKS[0]!, schema: z.object({ when: z.date() }) };
    await expect(generatedCheck(unknownKind, REPO_ROOT)).rejects.toThrow(/when: a date schema/);
  });
});
