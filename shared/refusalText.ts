import type { z } from 'zod';

// How a refused input reads, wherever it is refused: the API (IPC, WebSocket), the commands the CLI
// runs and MCP's tools all describe a zod refusal with this one function, so a person sees the same
// sentence in a toast, on the terminal and in an agent's tool result. It names the field once and
// never the call or command that refused it ("createTask: body: body is larger…" was both).

/** Keys whose words alone would mislead: the flag and the form say "max runtime" (in seconds). */
const FIELD_WORDS: Readonly<Record<string, string>> = { maxRuntimeSeconds: 'max runtime' };

/** The field an issue is about, in words: `requireApproval` → "require approval", `parents.0` → "parents item 1". */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(wordsOf).join(' ');
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
 * The first problem of a refused input as one line for a person: the message when it names its
 * field, else the field and then the message ("assignee must be 1–64 characters …"; a message that
 * is no predicate, such as zod's own "Invalid input: …", after a colon). `field` names the value
 * when the schema is of a single field (the issue then has no path).
 */
export function describeRefusal(error: z.ZodError, field?: string): string {
  const issue = error.issues[0];
  if (!issue) return field ? `${field} is not valid` : 'the input is not valid';
  const about = issue.path.length > 0 ? fieldOf(issue.path) : field;
  const { message } = issue;
  if (!about || names(message, about)) return message;
  return /^(must|is|are|has|contains|cannot)\b/.test(message)
    ? `${about} ${message}`
    : `${about}: ${message}`;
}
