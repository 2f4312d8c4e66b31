import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  BODY_MAX_BYTES,
  COMMENT_MAX_BYTES,
  SUMMARY_MAX_BYTES,
  TITLE_MAX_CHARS,
  assigneeSchema,
  bodySchema,
  commentBodySchema,
  prioritySchema,
  summarySchema,
  titleSchema,
} from '../../../shared/domain';
import {
  ImportNotes,
  importedBody,
  importedCommentBody,
  importedLane,
  importedPriority,
  importedSummary,
  importedTitle,
  plainLane,
  plainPriority,
  plainText,
  plainTitle,
} from './importValidation';

/**
 * Issue 17, target 8: the import checks most values without zod (plainTitle, plainText, plainLane,
 * plainPriority). A fast path may only accept what its schema accepts, and must give what the
 * schema gives; everything else goes the full way. Held here over hostile and random values.
 */

const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '   \t\n ',
  'plain title',
  '  padded  ',
  'Orion-CC',
  'orion-cc',
  'codex',
  'a'.repeat(64),
  'a'.repeat(65),
  '-leading-dash',
  'x'.repeat(TITLE_MAX_CHARS),
  'x'.repeat(TITLE_MAX_CHARS + 1),
  ` ${'x'.repeat(TITLE_MAX_CHARS)} `,
  '😀'.repeat(TITLE_MAX_CHARS / 2),
  '😀'.repeat(TITLE_MAX_CHARS / 2 + 1),
  'tab\tinside',
  'new\nline',
  'nul\u0000inside',
  'bell\u0007',
  'esc\u001b[31m',
  'del\u007f',
  'lone \ud800 high',
  'lone \udc00 low',
  'pair 😀 ok',
  '\ud83d',
  'nbsp\u00a0edge\u00a0',
  '\u2028line separator\u2029',
  '\ufeffbom',
  'é'.repeat(BODY_MAX_BYTES / 2),
  'é'.repeat(BODY_MAX_BYTES / 2 + 1),
  '€'.repeat(Math.floor(BODY_MAX_BYTES / 3)),
  '€'.repeat(Math.floor(BODY_MAX_BYTES / 3) + 1),
  'a'.repeat(BODY_MAX_BYTES),
  'a'.repeat(BODY_MAX_BYTES + 1),
  'a'.repeat(COMMENT_MAX_BYTES + 1),
  'a'.repeat(SUMMARY_MAX_BYTES + 1),
];

/** Random strings from a pool of the characters the rules care about (seeded: the same every run). */
function randomStrings(count: number): string[] {
  const pool = [
    'a',
    'Z',
    '0',
    '-',
    '_',
    ' ',
    '\t',
    '\n',
    '\r',
    '\u0000',
    '\u0001',
    '\u001f',
    '\u007f',
    '\u00a0',
    'é',
    '€',
    '\u2028',
    '\ufeff',
    '\uffff',
    '\ud800',
    '\udfff',
    '😀',
  ];
  let seed = 17;
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  return Array.from({ length: count }, () => {
    const length = [0, 1, 3, 20, 600][next(5)] as number;
    return Array.from({ length }, () => pool[next(pool.length)]).join('');
  });
}

const VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  ...randomStrings(3000),
  null,
  undefined,
  0,
  -0,
  7,
  1.5,
  -1_000_000,
  1_000_000,
  1_000_001,
  -1_000_001,
  1e18,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '42',
  true,
  {},
  [],
];

/** What the schema makes of a value, or undefined when it refuses it. */
function parsed<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

describe('the import fast paths accept only what the schemas accept, unchanged', () => {
  it('each fast path agrees with its schema on every value it accepts', () => {
    let accepted = 0;
    for (const value of VALUES) {
      const checks: [unknown, unknown][] = [
        [plainTitle(value), parsed(titleSchema, value)],
        [plainText(value, BODY_MAX_BYTES, true), parsed(bodySchema, value)],
        [plainText(value, COMMENT_MAX_BYTES, false)?.trim() || undefined, parsed(commentBodySchema, value)],
        [plainText(value, SUMMARY_MAX_BYTES, false), parsed(summarySchema, value)],
        [plainLane(value), parsed(assigneeSchema, value)],
        [plainPriority(value), parsed(prioritySchema, value)],
      ];
      for (const [fast, schema] of checks) {
        if (fast === undefined) continue;
        accepted++;
        expect({ value, fast }).toEqual({ value, fast: schema });
      }
    }
    // The fast paths take the common values (otherwise this test would prove nothing).
    expect(accepted).toBeGreaterThan(1000);
  });

  it('the importer gives the same result with and without them', () => {
    // The full path alone: what each imported* function gave before the fast paths, for values the
    // fast path takes (repairs never apply to those, so the schema's own result is the answer).
    for (const value of VALUES) {
      const notes = new ImportNotes();
      const title = importedTitle(value, notes);
      if (plainTitle(value) !== undefined)
        expect(title).toEqual({ ok: true, value: parsed(titleSchema, value) });
      const body = importedBody(value, notes);
      if (typeof value === 'string' && plainText(value, BODY_MAX_BYTES, true) !== undefined)
        expect(body).toEqual({ ok: true, value: parsed(bodySchema, value) });
      const comment = importedCommentBody(value, notes);
      if (typeof value === 'string' && plainText(value, COMMENT_MAX_BYTES, false)?.trim())
        expect(comment).toEqual({ ok: true, value: parsed(commentBodySchema, value) });
      const summary = importedSummary(value, notes);
      if (typeof value === 'string' && plainText(value, SUMMARY_MAX_BYTES, false) !== undefined)
        expect(summary).toEqual({ ok: true, value: parsed(summarySchema, value) });
      if (plainLane(value) !== undefined)
        expect(importedLane(value, notes)).toBe(parsed(assigneeSchema, value));
      if (plainPriority(value) !== undefined)
        expect(importedPriority(value, notes)).toBe(parsed(prioritySchema, value));
      // A fast path never leaves a note: nothing was repaired.
      if (plainTitle(value) !== undefined && plainLane(value) !== undefined) expect(notes.list()).toEqual([]);
    }
  });
});
