import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called (exit code 2, docs/architecture.md §6). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommand(
  argv: readonly string[],
  options: OptionSpec,
  maxPositionals: number,
): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return { values: parsed.values as ParsedCommand['values'], positionals: parsed.positionals };
}

export function stringOption(values: ParsedCommand['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(values: ParsedCommand['values'], name: string): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} takes a whole number, not "${raw}"`);
  return Number(raw);
}

export function listOption(values: ParsedCommand['values'], name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [String(value)];
  return items
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

export function requirePositional(positionals: readonly string[], index: number, what: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}
