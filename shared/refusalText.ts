import type { z } from 'zod';

// How a refused input reads, wherever it is refused: the API (IPC, WebSocket), the commands the CLI
// runs, MCP's tools, the importers, the profile editor and the config files' banner all word a zod
// issue with describeIssue, so a person sees the same sentence in a toast, on the terminal, in an
// agent's tool result and in the banner. It names the field once and never the call or command that
// refused it ("createTask: body: body is larger…" was both).

/**
 * How a field is named. A form field or a flag reads in words ("max runtime"); a key in a file the
 * user edits (settings.json, profile.json, an export) is named as written there, so it can be found
 * ("dispatcher.tickMs").
 */
export type FieldNaming = 'words' | 'keys';

export interface RefusalWording {
  /** The value's name when the schema is of a single field (its issues then have no path). */
  field?: string;
  naming?: FieldNaming;
}

/** Keys whose words alone would mislead: the flag and the form say "max runtime" (in seconds). */
const FIELD_WORDS: Readonly<Record<string, string>> = { maxRuntimeSeconds: 'max runtime' };

/** `requireApproval` → "require approval", `parents.0` → "parents item 1"; as keys: "parents.0". */
function fieldOf(path: readonly PropertyKey[], naming: FieldNaming): string {
  return naming === 'keys' ? path.map(String).join('.') : path.map(wordsOf).join(' ');
}

function wordsOf(key: PropertyKey): string {
  if (typeof key === 'number') return `item ${key + 1}`;
  const name = String(key);
  return FIELD_WORDS[name] ?? name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Whether the message already says which field it is about ("title is required", "the follow-up is empty"). */
function names(message: string, field: string): boolean {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9-])${escaped}($|[^a-z0-9-])`, 'i').test(message);
}

/**
 * One problem as a phrase for a person: the message when it names its field, else the field and then
 * the message ("assignee must be 1–64 characters …"; a message that is no predicate, such as zod's
 * own "Invalid input: …", after a colon). Keys a strict object does not know are named as written,
 * since no words of ours describe a typo ('unknown field "dispatcher.tickMS"').
 */
export function describeIssue(issue: z.core.$ZodIssue, wording: RefusalWording = {}): string {
  const naming = wording.naming ?? 'words';
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => `unknown field "${[...issue.path, key].join('.')}"`).join('; ');
  const about = issue.path.length > 0 ? fieldOf(issue.path, naming) : wording.field;
  const { message } = issue;
  if (!about || names(message, about)) return message;
  // An item's message may name its list ("command must be a non-empty array of strings").
  if (issue.path.length > 1 && names(message, fieldOf(issue.path.slice(0, 1), naming))) return message;
  return /^(must|is|are|has|contains|cannot)\b/.test(message)
    ? `${about} ${message}`
    : `${about}: ${message}`;
}

/** How many problems one refusal spells out; the rest are counted, so the line stays readable. */
export const REFUSAL_PROBLEMS_SHOWN = 5;

/**
 * Every problem of a refused input, in one line for a person ("title is required; priority must be
 * …"), so whoever sent it fixes them all at once rather than one per refusal. A field's first
 * problem only (zod may find a fraction both negative and not whole); past REFUSAL_PROBLEMS_SHOWN,
 * "and N more".
 */
export function describeRefusal(error: z.ZodError, wording: RefusalWording = {}): string {
  const problems = refusalProblems(error, wording);
  if (problems.length === 0)
    return wording.field ? `${wording.field} is not valid` : 'the input is not valid';
  const shown = problems.slice(0, REFUSAL_PROBLEMS_SHOWN);
  const more = problems.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

/** describeIssue's phrase for the first issue of each field, in zod's order, without repeats. */
function refusalProblems(error: z.ZodError, wording: RefusalWording): string[] {
  const fields = new Set<string>();
  const problems = new Set<string>();
  for (const issue of error.issues) {
    const field = issue.code === 'unrecognized_keys' ? null : JSON.stringify(issue.path.map(String));
    if (field !== null) {
      if (fields.has(field)) continue;
      fields.add(field);
    }
    problems.add(describeIssue(issue, wording));
  }
  return [...problems];
}
