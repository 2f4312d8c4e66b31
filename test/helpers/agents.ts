import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The fake agent programs (test/fixtures/agents/*.mjs, each documented in its header comment) and
 * the profiles that run them. No test runner is imported here: Vitest helpers, the Playwright
 * specs and the benchmarks share it.
 */
export const AGENTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'agents');

/**
 * profile.json fields of a Claude Code stand-in (claude-like.mjs) in print mode with its
 * stream-json transcript, as the `claude` template runs Claude Code.
 */
export function claudeLikeProfile(extraArgs: string[] = []): {
  command: string[];
  output: 'claude-stream-json';
} {
  return {
    command: [
      process.execPath,
      path.join(AGENTS, 'claude-like.mjs'),
      '-p',
      '{prompt}',
      '--output-format',
      'stream-json',
      ...extraArgs,
    ],
    output: 'claude-stream-json',
  };
}
