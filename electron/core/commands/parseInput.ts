import type { z } from 'zod';
import { describeRefusal } from '../../../shared/refusalText';
import { invalidInput } from '../errors';

/**
 * A command's input checked against its schema, or an `invalid_input` error saying what is wrong in
 * the words the API and MCP use too (shared/refusalText.ts). `field` names a single value's schema
 * (an object's issues name their own field).
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, field?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidInput(describeRefusal(parsed.error, { field }));
}
