import type { z } from 'zod';
import { invalidInput } from '../errors';

/**
 * A command's input checked against its schema, or one line naming the first wrong field
 * (`what: field: problem`) as an `invalid_input` error: the CLI, MCP and the API all say it so.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw invalidInput(`${what}: ${where}${issue?.message ?? 'invalid'}`);
}
