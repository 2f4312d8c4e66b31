import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendantsOf } from '../bench/stopOnSignal';

/**
 * `npm run bench` stopped as a user stops it — Ctrl-C at the terminal (SIGINT to its process group)
 * or `kill` (SIGTERM to bench/run.mjs) — ends every process it started and removes its temporary
 * homes. It runs in a copy of the sources: run.mjs rebuilds dist/, which other test files read.
 */

const REPO = path.resolve(__dirname, '..');
const SOURCES = [
  'package.json',
  'tsconfig.json',
  'scripts',
  'electron',
  'shared',
  'bench',
  'bin',
  'e2e/support',
  'test',
];

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-signal-'));
  for (const source of SOURCES)
    fs.cpSync(path.join(REPO, source), path.join(root, 'tree', source), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'tree', 'node_modules'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The cwd of a process, or null once it is gone. */
function cwdOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** Every living process in one of `groups`, or working in `folder`. */
function leftOver(groups: ReadonlySet<number>, folder: string): number[] {
  const left: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Ended, and waiting to be reaped by PID 1 (which in a container may never do it).
      if (state === 'Z') continue;
      if (groups.has(Number(pgid)) || cwdOf(Number(name))?.startsWith(folder)) left.push(Number(name));
    } catch {
      // gone
    }
  }
  return left;
}

/** Waits until a process of the bench's works in one of its homes: the section's worker is running. */
async function workerRunning(run: ChildProcess, homes: string): Promise<void> {
  for (;;) {
    if (run.exitCode !== null) throw new Error(`the bench ended first (${run.exitCode})`);
    if (descendantsOf(run.pid as number).some((entry) => cwdOf(entry.pid)?.startsWith(homes))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopBench(signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  // The bench's temporary homes go into a folder of this run's own.
  const tmp = fs.mkdtempSync(path.join(root, `tmp-${signal}-`));
  const run = spawn(process.execPath, ['bench/run.mjs', 'rotation'], {
    cwd: path.join(root, 'tree'),
    env: { ...process.env, TMPDIR: tmp },
    // A process group of its own, as a shell gives a command it runs.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  run.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  run.stdout?.resume();
  const exited = once(run, 'exit');
  await workerRunning(run, tmp);
  const groups = new Set(descendantsOf(run.pid as number).map((entry) => entry.pgid));
  expect(fs.readdirSync(tmp).filter((name) => name.startsWith('switchyard-bench-'))).toHaveLength(1);

  // Ctrl-C: the terminal signals the whole foreground group; `kill PID`: the process alone.
  process.kill(signal === 'SIGINT' ? -(run.pid as number) : (run.pid as number), signal);
  const [code] = await exited;

  expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(stderr.trim().split('\n').at(-1)).toMatch(
    new RegExp(`^bench stopped by ${signal}: \\d+ process(es)? it started ended, 1 temporary home removed$`),
  );
  expect(leftOver(groups, tmp)).toEqual([]);
  expect(fs.readdirSync(tmp)).toEqual([]);
}

describe('npm run bench stopped by a signal', () => {
  it('Ctrl-C (SIGINT to its group) ends what it started and removes its homes', async () => {
    await stopBench('SIGINT');
  });

  it('SIGTERM to the bench alone does the same', async () => {
    await stopBench('SIGTERM');
  });
});
