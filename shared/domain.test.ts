import { describe, expect, it } from 'vitest';
import {
  BODY_MAX_BYTES,
  SKIP_REASONS,
  SKIP_REASON_LABELS,
  TITLE_MAX_CHARS,
  assigneeSchema,
  bodySchema,
  commentBodySchema,
  prioritySchema,
  slugSchema,
  taskIdSchema,
  titleSchema,
  workspaceSchema,
} from './domain';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

describe('slugs (boards and assignees, docs/architecture.md §1)', () => {
  it('accepts 1–64 characters of a-z, 0-9, _ and -, starting with a letter or digit', () => {
    for (const slug of ['a', '0', 'default', 'orion-cc', 'lane_2', 'x'.repeat(64)]) {
      expect(ok(slugSchema, slug)).toBe(true);
    }
  });

  it('refuses everything else', () => {
    for (const slug of ['', '-a', '_a', 'A', 'a b', '../x', 'a/b', 'x'.repeat(65), 'é', 'a\n', 'a\u0000']) {
      expect(ok(slugSchema, slug)).toBe(false);
    }
  });
});

describe('assignees (docs/architecture.md §2)', () => {
  it('are case-insensitive: stored lowercase, trimmed', () => {
    expect(assigneeSchema.parse('Orion-CC')).toBe('orion-cc');
    expect(assigneeSchema.parse('  CODEX ')).toBe('codex');
  });

  it('refuse path tricks and other non-slugs', () => {
    for (const name of ['../x', '..', '/etc', 'a/b', '', '   ', '-x', 'a b']) {
      expect(ok(assigneeSchema, name)).toBe(false);
    }
  });
});

describe('task ids', () => {
  it('are t_ and 8 lowercase hex digits', () => {
    expect(ok(taskIdSchema, 't_0a1b2c3d')).toBe(true);
    for (const id of ['t_0A1B2C3D', 't_0a1b2c3', 't_0a1b2c3d4', 'x_0a1b2c3d', '0a1b2c3d', 't_zzzzzzzz', '']) {
      expect(ok(taskIdSchema, id)).toBe(false);
    }
  });
});

describe('titles', () => {
  it('are trimmed', () => {
    expect(titleSchema.parse('  Fix login \n')).toBe('Fix login');
  });

  it('are required: empty and whitespace-only are refused', () => {
    expect(titleSchema.safeParse('').error?.issues[0]?.message).toBe('title is required');
    expect(titleSchema.safeParse(' \t\n ').error?.issues[0]?.message).toBe('title is required');
  });

  it(`hold at most ${TITLE_MAX_CHARS} characters (after trimming)`, () => {
    expect(ok(titleSchema, 'x'.repeat(TITLE_MAX_CHARS))).toBe(true);
    expect(ok(titleSchema, ` ${'x'.repeat(TITLE_MAX_CHARS)} `)).toBe(true);
    expect(ok(titleSchema, 'x'.repeat(TITLE_MAX_CHARS + 1))).toBe(false);
  });

  it('refuse control characters such as NUL and escape', () => {
    for (const title of ['a\u0000b', 'a\u001bb', 'a\u0007b', 'a\rb'])
      expect(ok(titleSchema, title)).toBe(false);
  });
});

describe('bodies', () => {
  it(`hold up to ${BODY_MAX_BYTES} bytes of UTF-8`, () => {
    expect(ok(bodySchema, 'x'.repeat(BODY_MAX_BYTES))).toBe(true);
    expect(ok(bodySchema, 'x'.repeat(BODY_MAX_BYTES + 1))).toBe(false);
  });

  it('count bytes, not characters', () => {
    // "é" is two bytes in UTF-8: half the limit in characters is already the whole limit in bytes.
    expect(ok(bodySchema, 'é'.repeat(BODY_MAX_BYTES / 2))).toBe(true);
    expect(ok(bodySchema, 'é'.repeat(BODY_MAX_BYTES / 2 + 1))).toBe(false);
  });

  it('refuse NUL but keep newlines and tabs (markdown)', () => {
    expect(ok(bodySchema, 'a\u0000b')).toBe(false);
    expect(bodySchema.parse('# Title\n\n\tcode')).toBe('# Title\n\n\tcode');
  });

  it('comments are trimmed, required and capped', () => {
    expect(commentBodySchema.parse('  hi  ')).toBe('hi');
    expect(ok(commentBodySchema, '   ')).toBe(false);
    expect(ok(commentBodySchema, 'x'.repeat(BODY_MAX_BYTES + 1))).toBe(false);
  });
});

describe('priorities and workspaces', () => {
  it('priorities are whole numbers within bounds', () => {
    expect(ok(prioritySchema, 5)).toBe(true);
    expect(ok(prioritySchema, -5)).toBe(true);
    expect(ok(prioritySchema, 1.5)).toBe(false);
    expect(ok(prioritySchema, Number.NaN)).toBe(false);
    expect(ok(prioritySchema, 10 ** 9)).toBe(false);
    const refusal = (value: number) => prioritySchema.safeParse(value).error?.issues.map((i) => i.message);
    expect(refusal(1e20)).toEqual(['priority must be from -1000000 to 1000000']);
    expect(refusal(-1_000_001)).toEqual(['priority must be from -1000000 to 1000000']);
    expect(refusal(1.5)).toEqual(['priority must be a whole number']);
  });

  it('workspaces are scratch, dir:/abs or worktree:/abs', () => {
    for (const spec of ['scratch', 'dir:/tmp/x', 'worktree:/src/repo'])
      expect(ok(workspaceSchema, spec)).toBe(true);
    for (const spec of ['', 'dir:relative', 'dir:/', 'worktree:', 'elsewhere', 'dir:/a\u0000b']) {
      expect(ok(workspaceSchema, spec)).toBe(false);
    }
  });
});

it('every skip reason has a label', () => {
  for (const reason of SKIP_REASONS) expect(SKIP_REASON_LABELS[reason]).toMatch(/\S/);
});
