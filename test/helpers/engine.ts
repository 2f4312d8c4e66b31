import fs from 'node:fs';
import path from 'node:path';
import { Engine, type EngineOptions } from '../../electron/core/dispatch/engine';
import type { HomePaths } from '../../electron/core/config/home';
import { AGENTS, claudeLikeProfile } from './agents';

export { AGENTS, claudeLikeProfile };

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

export function newEngine(paths: HomePaths, dispatch = true, options: Partial<EngineOptions> = {}): Engine {
  return new Engine({
    home: paths.home,
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    dispatch,
    actor: { name: 'test' },
    log: () => undefined,
    ...options,
  });
}

/**
 * How long waitFor and tickUntil wait unless told: a safety net a slow, loaded machine can meet (with
 * 15 s, one wait for an adopted worker's report took 13.9 s of it here while others ran benchmarks).
 */
const WAIT_LIMIT_MS = 30_000;

export async function waitFor<T>(
  probe: () => T | undefined | false | null,
  what: string,
  timeoutMs = WAIT_LIMIT_MS,
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
  timeoutMs = WAIT_LIMIT_MS,
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

/**
 * Runs `edit` — files of the home (profiles, lanes.json, settings.json) written as a person or
 * another process would — and waits until the engine has read them. Its lane resolver hears of
 * them through its watchers, in a later turn of the event loop (docs/architecture.md §3; a tick
 * right after the write, with no turn between, may not see them yet), and says so with a `lanes`
 * change. The edit must change something the engine shows.
 */
export async function editHomeFiles(
  engine: Engine,
  edit: () => void,
  what = 'the edited files read',
): Promise<void> {
  let seen = false;
  const unsubscribe = engine.subscribe((change) => {
    if (change.type === 'lanes') seen = true;
  });
  try {
    edit();
    await waitFor(() => seen, what);
  } finally {
    unsubscribe();
  }
}
