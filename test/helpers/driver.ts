import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './cli';

/**
 * Bundles test/helpers/createTasksDriver.ts (and the core it imports) into one CommonJS file in a
 * temp folder. better-sqlite3 stays external and is found through NODE_PATH, so nothing is
 * written into the repository.
 */
export async function bundleCreateTasksDriver(): Promise<{ file: string; cleanup(): void }> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-driver-'));
  const file = path.join(folder, 'createTasksDriver.cjs');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(REPO_ROOT, 'test', 'helpers', 'createTasksDriver.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
  return { file, cleanup: () => fs.rmSync(folder, { recursive: true, force: true }) };
}

export interface DriverReport {
  created: number;
  errors: string[];
  startedAt: number;
  finishedAt: number;
}

export interface DriverProcess {
  /** Resolves when the driver has opened the database and waits for `go()`. */
  ready: Promise<void>;
  go(): void;
  /** Exit code, everything printed, and the driver's own report. */
  finished: Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    report: DriverReport | null;
  }>;
}

export function startCreateTasksDriver(
  bundle: string,
  database: string,
  count: number,
  actor: string,
): DriverProcess {
  const child = spawn(process.execPath, [bundle, database, String(count), actor], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  const finished = new Promise<Awaited<DriverProcess['finished']>>((resolve) =>
    child.on('close', (code) => {
      markReady(); // never leave a waiter hanging when the driver died early
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let report = null;
      try {
        report = JSON.parse(last) as DriverReport;
      } catch {
        report = null;
      }
      resolve({ code, stdout, stderr, report });
    }),
  );
  return { ready, go: () => child.stdin.write('go\n'), finished };
}
