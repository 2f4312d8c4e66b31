import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../electron/core/dispatch/engine';
import type { HomePaths } from '../../electron/core/config/home';
import { REPO_ROOT } from './cli';

export const AGENTS = path.join(REPO_ROOT, 'test', 'fixtures', 'agents');

/** A profile whose command runs one of the fake agents with the test's own Node. */
export function writeAgentProfile(
  paths: HomePaths,
  name: string,
  agent: string,
  options: {
    args?: string[];
    env?: Record<string, string>;
    completion?: 'exit-code' | 'report';
    maxConcurrent?: number;
    maxRuntimeSeconds?: number;
  } = {},
): void {
  const dir = path.join(paths.profiles, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'profile.json'),
    JSON.stringify({
      command: [process.execPath, path.join(AGENTS, agent), ...(options.args ?? [])],
      env: options.env,
      completion: options.completion,
      maxConcurrent: options.maxConcurrent,
      maxRuntimeSeconds: options.maxRuntimeSeconds,
    }),
  );
}

/**
 * profile.json fields of a Claude Code stand-in (test/fixtures/agents/claude-like.mjs) in print
 * mode with its stream-json transcript, as the `claude` template runs Claude Code.
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

/** Fast settings so tests do not wait for the real backoff and grace periods. */
export function writeFastSettings(paths: HomePaths, dispatcher: Record<string, number | boolean> = {}): void {
  fs.mkdirSync(paths.home, { recursive: true });
  fs.writeFileSync(
    paths.settingsFile,
    JSON.stringify({
      dispatcher: {
        tickMs: 100,
        backoffBaseMs: 0,
        backoffMaxMs: 0,
        killGraceMs: 500,
        stuckTicks: 6,
        ...dispatcher,
      },
    }),
  );
}

export function newEngine(paths: HomePaths, dispatch = true): Engine {
  return new Engine({
    home: paths.home,
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    dispatch,
    actor: { name: 'test' },
    log: () => undefined,
  });
}

export async function waitFor<T>(
  probe: () => T | undefined | false | null,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Ticks until `done` holds (each tick reaps exits, so outcomes land). */
export async function tickUntil(
  engine: Engine,
  done: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  await waitFor(
    () => {
      engine.runTick();
      return done();
    },
    what,
    timeoutMs,
  );
}

export function zombieChildrenOf(pid: number): number[] {
  const zombies: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' && Number(fields[1]) === pid) zombies.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return zombies;
}
