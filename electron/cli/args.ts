import { parseArgs, type ParseArgsConfig } from 'node:util';
import { appendAll } from '../../shared/arrays';

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
    parsed = parseArgs({
      args: negativeValuesJoined(argv, options),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(usageMessage((error as Error).message));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return { values: parsed.values as ParsedCommand['values'], positionals: parsed.positionals };
}

/**
 * A negative number after an option that takes a value is that value (`--priority -5`): parseArgs
 * alone refuses it as "ambiguous" (it could be a flag), and `--priority=-5` is not what people type.
 */
function negativeValuesJoined(argv: readonly string[], options: OptionSpec): string[] {
  const byShort = new Map(
    Object.entries(options).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token === '--') {
      appendAll(joined, argv.slice(index));
      break;
    }
    const name = token.startsWith('--')
      ? token.slice(2)
      : /^-[^-]$/.test(token)
        ? byShort.get(token.slice(1))
        : undefined;
    const next = argv[index + 1];
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      /^-\d+(\.\d+)?$/.test(next)
    ) {
      joined.push(`--${name}=${next}`);
      index++;
    } else joined.push(token);
  }
  return joined;
}

/** parseArgs's message as one line a user can act on (its own run to two or three sentences). */
function usageMessage(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(?:-\w, )?(--[^ ']+) <value>' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const dashed = /^Option '([^']+)' argument is ambiguous/.exec(message);
  if (dashed) return `${dashed[1]} needs a value; for a value that starts with "-", write ${dashed[1]}=VALUE`;
  return message.split('\n')[0] || 'bad arguments';
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
