import type { z } from 'zod';
import {
  BODY_MAX_BYTES,
  COMMENT_MAX_BYTES,
  PRIORITY_MAX,
  PRIORITY_MIN,
  SLUG_PATTERN,
  SUMMARY_MAX_BYTES,
  TITLE_MAX_CHARS,
  assigneeSchema,
  bodySchema,
  commentBodySchema,
  prioritySchema,
  summarySchema,
  titleSchema,
  workspaceSchema,
} from '../../../shared/domain';
import { MAX_RUNTIME_SECONDS, maxRuntimeSecondsSchema } from '../../../shared/contract';
import { describeRefusal } from '../../../shared/refusalText';

/**
 * Every value an importer writes goes through the same schemas as the CLI and the contract
 * (shared/domain.ts), so an imported board can hold nothing that `switchyard create` would refuse.
 * Where a value can be brought within the rules without losing its meaning (a title over 500
 * characters, a body past 64 KiB, a lone surrogate, control characters) it is repaired and the
 * repair is noted; where it cannot, the caller is told why and skips that item with the reason.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Counts notes by kind, so a report says "title shortened (12×)" once instead of 12 lines. */
export class ImportNotes {
  private readonly counts = new Map<string, number>();
  add(note: string): void {
    this.counts.set(note, (this.counts.get(note) ?? 0) + 1);
  }
  list(): string[] {
    return [...this.counts].map(([note, count]) => (count > 1 ? `${note} (${count}×)` : note));
  }
}

/** `field` names the value in the words the CLI's refusal of it would use. */
function check<T>(schema: z.ZodType<T>, value: unknown, field: string): Checked<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: describeRefusal(parsed.error, { field }) };
}

/** Replaces lone surrogates (text SQLite could not store as UTF-8) with U+FFFD. */
const wellFormedText = (text: string): string => text.replace(/\p{Surrogate}/gu, '\uFFFD');

/*
 * Fast paths (issue 17, target 8: the schemas' parse was a tenth of importing 100,000 tasks, with
 * the TextEncoder and code-point arrays around it). Each accepts only what its schema accepts
 * unchanged, proven without zod: no control character, NUL or surrogate where the schema refuses one,
 * and a length bound where UTF-8 is at most 3 bytes per UTF-16 unit. Anything else takes the full
 * path below, which repairs and checks it with the schema itself. importValidation.test.ts holds
 * each fast path to its schema over hostile and random values.
 */
// eslint-disable-next-line no-control-regex -- what titleSchema refuses (and the import turns into spaces)
const TITLE_OUTSIDE_FAST_PATH = /[\u0000-\u001f\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex -- NUL is what bodySchema refuses
const NUL_OR_SURROGATE = /[\u0000\ud800-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;

/** A title titleSchema takes as it is (after its own trim), or undefined. */
export function plainTitle(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || TITLE_OUTSIDE_FAST_PATH.test(raw)) return undefined;
  const title = raw.trim();
  return title.length > 0 && title.length <= TITLE_MAX_CHARS ? title : undefined;
}

/** Text of at most `maxBytes` of UTF-8 that has no surrogate (nor NUL when `noNul`), or undefined. */
export function plainText(raw: unknown, maxBytes: number, noNul: boolean): string | undefined {
  if (typeof raw !== 'string' || raw.length * 3 > maxBytes) return undefined;
  return (noNul ? NUL_OR_SURROGATE : SURROGATE).test(raw) ? undefined : raw;
}

/** A lane name assigneeSchema takes as it is (already lowercase, trimmed, a slug), or undefined. */
export function plainLane(raw: unknown): string | undefined {
  return typeof raw === 'string' && SLUG_PATTERN.test(raw) ? raw : undefined;
}

/** A priority prioritySchema takes, or undefined. */
export function plainPriority(raw: unknown): number | undefined {
  return Number.isInteger(raw) && (raw as number) >= PRIORITY_MIN && (raw as number) <= PRIORITY_MAX
    ? (raw as number)
    : undefined;
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
function clipBytes(text: string, maxBytes: number): string {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= maxBytes) return text;
  const clipped = new TextDecoder().decode(encoded.slice(0, maxBytes));
  // A cut through a multi-byte character decodes to U+FFFD at the end: drop it.
  return clipped.replace(/\uFFFD$/, '');
}

/** Cuts by code points so a surrogate pair is never split. */
const clipChars = (text: string, max: number): string => Array.from(text).slice(0, max).join('');

/** A task title; control characters become spaces, over-long titles are shortened. */
export function importedTitle(raw: unknown, notes: ImportNotes): Checked<string> {
  const plain = plainTitle(raw);
  if (plain !== undefined) return { ok: true, value: plain };
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, problem: 'title is empty' };
  let title = wellFormedText(raw);
  // eslint-disable-next-line no-control-regex -- the schema refuses these; a newline in a title is one
  const controls = /[\u0000-\u001f]/g;
  if (controls.test(title)) {
    title = title.replace(controls, ' ');
    notes.add('control characters in a title → spaces');
  }
  title = title.trim();
  if (Array.from(title).length > TITLE_MAX_CHARS) {
    title = clipChars(title, TITLE_MAX_CHARS).trim();
    notes.add(`title longer than ${TITLE_MAX_CHARS} characters → shortened`);
  }
  if (/\p{Surrogate}/u.test(raw)) notes.add('a title with a lone surrogate → U+FFFD');
  return check(titleSchema, title, 'title');
}

/** A task body (markdown); NUL characters are dropped, a body past 64 KiB is shortened. */
export function importedBody(raw: unknown, notes: ImportNotes): Checked<string> {
  if (raw === null || raw === undefined) return { ok: true, value: '' };
  const plain = plainText(raw, BODY_MAX_BYTES, true);
  if (plain !== undefined) return { ok: true, value: plain };
  let body = wellFormedText(typeof raw === 'string' ? raw : String(raw));
  if (body.includes('\u0000')) {
    body = body.replaceAll('\u0000', '');
    notes.add('NUL characters in a description → removed');
  }
  if (new TextEncoder().encode(body).length > BODY_MAX_BYTES) {
    body = clipBytes(body, BODY_MAX_BYTES);
    notes.add(`description larger than ${BODY_MAX_BYTES / 1024} KiB → shortened`);
  }
  return check(bodySchema, body, 'body');
}

/** A comment body; an empty comment is skipped (the CLI refuses one). */
export function importedCommentBody(raw: unknown, notes: ImportNotes): Checked<string> {
  if (typeof raw !== 'string') return { ok: false, problem: 'comment is empty' };
  const plain = plainText(raw, COMMENT_MAX_BYTES, false)?.trim();
  if (plain) return { ok: true, value: plain };
  let body = wellFormedText(raw);
  if (new TextEncoder().encode(body).length > COMMENT_MAX_BYTES) {
    body = clipBytes(body, COMMENT_MAX_BYTES);
    notes.add(`comment larger than ${COMMENT_MAX_BYTES / 1024} KiB → shortened`);
  }
  return check(commentBodySchema, body, 'comment');
}

/** A run's summary or a task's result; null stays null. */
export function importedSummary(raw: unknown, notes: ImportNotes): Checked<string | null> {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  const plain = plainText(raw, SUMMARY_MAX_BYTES, false);
  if (plain !== undefined) return { ok: true, value: plain };
  let text = wellFormedText(typeof raw === 'string' ? raw : String(raw));
  if (new TextEncoder().encode(text).length > SUMMARY_MAX_BYTES) {
    text = clipBytes(text, SUMMARY_MAX_BYTES);
    notes.add(`summary larger than ${SUMMARY_MAX_BYTES / 1024} KiB → shortened`);
  }
  return check(summarySchema, text, 'summary');
}

/** A lane name (assignee); one that is not a valid slug leaves the task unassigned. */
export function importedLane(raw: unknown, notes: ImportNotes): string | null {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return null;
  const plain = plainLane(raw);
  if (plain !== undefined) return plain;
  const lane = check(assigneeSchema, raw, 'assignee');
  if (lane.ok) return lane.value;
  notes.add(`assignee "${clipChars(String(raw), 40)}" is not a valid lane name → unassigned`);
  return null;
}

/**
 * A priority: a whole number out of range is clamped (its meaning, first or last, is kept); anything
 * that is not a number becomes 0.
 */
export function importedPriority(raw: unknown, notes: ImportNotes): number {
  if (raw === null || raw === undefined) return 0;
  const plain = plainPriority(raw);
  if (plain !== undefined) return plain;
  const number = typeof raw === 'string' ? Number(raw) : raw;
  const priority = check(prioritySchema, number, 'priority');
  if (priority.ok) return priority.value;
  if (typeof number === 'number' && !Number.isNaN(number)) {
    notes.add(`priority outside ${PRIORITY_MIN}…${PRIORITY_MAX} → clamped`);
    return Math.min(PRIORITY_MAX, Math.max(PRIORITY_MIN, Math.trunc(number)));
  }
  notes.add('priority that is not a number → 0');
  return 0;
}

/** A max runtime in seconds: over the contract's limit it is clamped, zero or negative it is dropped. */
export function importedMaxRuntime(raw: unknown, notes: ImportNotes): number | null {
  if (raw === null || raw === undefined) return null;
  const number = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof number !== 'number' || !Number.isFinite(number)) return null;
  const seconds = Math.trunc(number);
  const checked = check(maxRuntimeSecondsSchema, seconds, 'max runtime');
  if (checked.ok) return checked.value ?? null;
  if (seconds > MAX_RUNTIME_SECONDS) {
    notes.add(`max runtime over ${MAX_RUNTIME_SECONDS} s → clamped to 7 days`);
    return MAX_RUNTIME_SECONDS;
  }
  notes.add("max runtime zero or negative → skipped (the profile's limit applies)");
  return null;
}

/** A workspace spec; anything the CLI would refuse becomes scratch. */
export function importedWorkspace(raw: unknown, notes: ImportNotes): string {
  if (raw === null || raw === undefined || raw === 'scratch') return 'scratch';
  const workspace = check(workspaceSchema, raw, 'workspace');
  if (workspace.ok) return workspace.value;
  notes.add('workspace that is not scratch, dir:/path or worktree:/path → scratch');
  return 'scratch';
}
