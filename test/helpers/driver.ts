import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './cli';

/**
 * Bundles a driver script (and the core it imports) into one CommonJS file in a temp folder.
 * better-sqlite3 stays external and is found through NODE_PATH, so nothing is written into the
 * repository.
 */
export async function bundleDriver(entry: string): Promise<{ file: string; cleanup(): void }> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-driver-'));
  const file = path.join(folder, `${path.basename(entry, '.ts')}.cjs`);
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(REPO_ROOT, entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // As scripts/build-node.mjs does for the app's CommonJS bundles: CJS has no import.meta, and core
    // modules that load something lazily (actors.ts's node:crypto) or find themselves use its url.
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
  return { file, cleanup: () => fs.rmSync(folder, { recursive: true, force: true }) };
}

export const bundleCreateTasksDriver = () => bundleDriver('test/helpers/createTasksDriver.ts');

export interface DriverReport {
  created: number;
  errors: string[];
  startedAt: number;
  finishedAt: number;
}

/**
 * A driver process: it prints "ready" once set up, waits for "go" on stdin, does its work and
 * prints its report as JSON on its last line. Starting all drivers before any of them goes makes
 * their writes truly concurrent.
 */
export interface DriverProcess<Report> {
  /** Resolves when the driver has opened the database and waits for `go()`. */
  ready: Promise<void>;
  go(): void;
  /** Exit code, everything printed, and the driver's own report. */
  finished: Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    report: Report | null;
  }>;
}

export function startDriver<Report>(bundle: string, args: string[]): DriverProcess<Report> {
  const child = spawn(process.execPath, [bundle, ...args], {
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
  const finished = new Promise<Awaited<DriverProcess<Report>['finished']>>((resolve) =>
    child.on('close', (code) => {
      markReady(); // never leave a waiter hanging when the driver died early
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let report: Report | null = null;
      try {
        report = JSON.parse(last) as Report;
      } catch {
        report = null;
      }
      resolve({ code, stdout, stderr, report });
    }),
  );
  return { ready, go: () => child.stdin.write('go\n'), finished };
}

export const startCreateTasksDriver = (
  bundle: string,
  database: string,
  count: number,
  actor: string,
  options: { waitForPeer?: boolean } = {},
): DriverProcess<DriverReport> =>
  startDriver(bundle, [database, String(count), actor, ...(options.waitForPeer ? ['wait-for-peer'] : [])]);
