import { z } from 'zod';
import { describeJsonError } from './jsonError';
import { describeIssue } from './refusalText';

/**
 * profile.json (docs/profiles.md): its fields, defaults and the one message each wrong field gets —
 * the single definition, used by the profile loader (electron/core/config/profiles.ts), by saving a
 * profile from the app, and by the Lanes view's editor as the user types.
 */

export const PROFILE_FILE = 'profile.json';
export const PROFILE_MAX_BYTES = 256 * 1024;
export const COMPLETION_MODES = ['exit-code', 'report'] as const;
export type CompletionMode = (typeof COMPLETION_MODES)[number];
/**
 * docs/architecture.md §10: how the agent writes its output. `text` is a plain log; the others are the agents'
 * structured event streams, parsed into a transcript with usage and cost.
 */
export const OUTPUT_FORMATS = ['text', 'claude-stream-json', 'codex-json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** docs/architecture.md §10: EX_TEMPFAIL, what Hermes exits with when rate limited (its PR #38222). */
export const DEFAULT_RETRY_EXIT_CODES: readonly number[] = [75];
export const ON_SUCCESS = ['done', 'review'] as const;

/** The fields profile.json may have, in the order their problems are reported. */
export const PROFILE_FIELDS = [
  'command',
  'env',
  'maxConcurrent',
  'maxRuntimeSeconds',
  'completion',
  'description',
  'retryExitCodes',
  'output',
  'onSuccess',
] as const;

const COMMAND_SHAPE = 'command must be a non-empty array of strings';
const ENV_SHAPE = 'env must be an object of "NAME": "value" strings';
const MAX_CONCURRENT = 'maxConcurrent must be a whole number, at least 1';
const MAX_RUNTIME = 'maxRuntimeSeconds must be a whole number of seconds, at least 1';
const RETRY_CODES = 'retryExitCodes must be an array of exit codes (1–255), e.g. [75]';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys left free for editors and comments ("$schema", "_note", "// why"). */
const isCommentKey = (key: string): boolean => /^(\$|_|\/\/)/.test(key);

const commandSchema = z
  .array(z.string({ error: COMMAND_SHAPE }), {
    error: (issue) => (issue.input === undefined ? 'command missing' : COMMAND_SHAPE),
  })
  .min(1, { error: COMMAND_SHAPE })
  .superRefine((command, ctx) => {
    const program = command[0] as string;
    const withNul = command.findIndex((part) => part.includes('\0'));
    if (program === '') ctx.addIssue({ code: 'custom', message: 'command[0] (the program) is empty' });
    else if (withNul >= 0)
      ctx.addIssue({ code: 'custom', message: `command[${withNul}] contains a NUL character` });
    // docs/architecture.md §5: the program must be known before the task exists; only the home folder may vary.
    else if (/\{(taskId|prompt|promptFile|workspace)\}/.test(program))
      ctx.addIssue({
        code: 'custom',
        message: 'command[0] (the program) may use only the {home} placeholder',
      });
  });

const envSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { error: ENV_SHAPE })
  .superRefine((env, ctx) => {
    for (const [key, value] of Object.entries(env)) {
      if (typeof value !== 'string') {
        ctx.addIssue({ code: 'custom', message: `env.${key} must be a string` });
        return;
      }
      if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
        ctx.addIssue({ code: 'custom', message: `env has an invalid variable name or value: "${key}"` });
        return;
      }
    }
  })
  .transform((env) => env as Record<string, string>);

const exitCode = z
  .number({ error: RETRY_CODES })
  .int({ error: RETRY_CODES })
  .min(1, { error: RETRY_CODES })
  .max(255, { error: RETRY_CODES });

const wholeNumber = (message: string) =>
  z.number({ error: message }).int({ error: message }).min(1, { error: message });

/** The unknown-field rule: a typo such as "maxConcurent" must not be ignored silently. */
function unknownField(raw: Record<string, unknown>): string | undefined {
  return Object.keys(raw).find(
    (key) => !(PROFILE_FIELDS as readonly string[]).includes(key) && !isCommentKey(key),
  );
}

const profileFieldsSchema = z.object({
  command: commandSchema,
  env: envSchema.default({}),
  maxConcurrent: wholeNumber(MAX_CONCURRENT).default(1),
  maxRuntimeSeconds: wholeNumber(MAX_RUNTIME).nullable().default(null),
  completion: z
    .enum(COMPLETION_MODES, { error: 'completion must be "exit-code" or "report"' })
    .default('exit-code'),
  description: z.string({ error: 'description must be a string' }).nullable().default(null),
  retryExitCodes: z.array(exitCode, { error: RETRY_CODES }).default(() => [...DEFAULT_RETRY_EXIT_CODES]),
  output: z
    .enum(OUTPUT_FORMATS, {
      error: `output must be one of ${OUTPUT_FORMATS.map((format) => `"${format}"`).join(', ')}`,
    })
    .default('text'),
  onSuccess: z.enum(ON_SUCCESS, { error: 'onSuccess must be "done" or "review"' }).default('done'),
});

/**
 * profile.json as a whole: an object whose fields are checked, plus the unknown-field rule (a typo
 * such as "maxConcurent" must not be ignored silently), reported together, one problem per field.
 */
export const profileFileSchema = z
  .custom<Record<string, unknown>>(isPlainObject, {
    error: 'must be a JSON object like {"command": ["agent", "{prompt}"]}',
  })
  .transform((raw, ctx) => {
    const parsed = profileFieldsSchema.safeParse(raw);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.issues.push({ ...issue, input: raw } as (typeof ctx.issues)[number]);
    const unknown = unknownField(raw);
    if (unknown !== undefined)
      ctx.issues.push({
        code: 'custom',
        path: [unknown],
        message: `unknown field "${unknown}" (allowed: ${PROFILE_FIELDS.join(', ')})`,
        input: raw,
      });
    return parsed.success && unknown === undefined ? parsed.data : z.NEVER;
  });
export type ProfileFields = z.output<typeof profileFileSchema>;

/** One problem per field (the field's first), in PROFILE_FIELDS order; `field` null: the file as a whole. */
export interface ProfileProblem {
  field: string | null;
  message: string;
}

export function profileProblems(error: z.ZodError): ProfileProblem[] {
  const byField = new Map<string | null, string>();
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : null;
    if (!byField.has(field)) byField.set(field, describeIssue(issue, { naming: 'keys' }));
  }
  const rank = (field: string | null): number =>
    field === null
      ? -1
      : (PROFILE_FIELDS as readonly string[]).indexOf(field) + 1 || PROFILE_FIELDS.length + 1;
  return [...byField]
    .map(([field, message]) => ({ field, message }))
    .sort((a, b) => rank(a.field) - rank(b.field));
}

export type ProfileTextCheck = { ok: true; value: ProfileFields } | { ok: false; problems: ProfileProblem[] };

/** profile.json as text (what the editor holds): invalid JSON is one problem, else one per wrong field. */
export function checkProfileText(text: string): ProfileTextCheck {
  const source = text.replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    return {
      ok: false,
      problems: [
        { field: null, message: `invalid JSON (${describeJsonError((error as Error).message, source)})` },
      ],
    };
  }
  const parsed = profileFileSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problems: profileProblems(parsed.error) };
}
