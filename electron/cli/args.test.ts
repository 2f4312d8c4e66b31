import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError, type OptionSpec } from './args';

const options: OptionSpec = {
  priority: { type: 'string', short: 'p' },
  body: { type: 'string' },
  json: { type: 'boolean' },
};

const refusal = (argv: string[]): string => {
  try {
    parseCommand(argv, options, 1);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseCommand', () => {
  it('takes a negative number after an option that takes a value as its value', () => {
    expect(parseCommand(['x', '--priority', '-5'], options, 1)).toEqual({
      values: { priority: '-5' },
      positionals: ['x'],
    });
    expect(parseCommand(['-p', '-2.5', '--json'], options, 0).values).toEqual({
      priority: '-2.5',
      json: true,
    });
    // After `--` everything is a positional, as before.
    expect(parseCommand(['--', '--priority', '-5'], options, 2).positionals).toEqual(['--priority', '-5']);
  });

  it('says what is wrong in one line', () => {
    expect(refusal(['--result', 'x'])).toBe('unknown option --result');
    expect(refusal(['-z'])).toBe('unknown option -z');
    expect(refusal(['--body', '--json'])).toBe(
      '--body needs a value; for a value that starts with "-", write --body=VALUE',
    );
    expect(refusal(['--priority'])).toBe('--priority needs a value');
    expect(refusal(['--body'])).toBe('--body needs a value');
    for (const argv of [['--result', 'x'], ['--body', '-x'], ['--priority']])
      expect(refusal(argv)).not.toContain('\n');
  });
});
