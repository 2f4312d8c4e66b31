import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import type { Task } from '../../shared/domain';
import { AGENTS } from '../../test/helpers/agents';

/**
 * Playwright support for the browser specs (docs/architecture.md "Tests"): every test gets its own temp home
 * and its own `switchyard serve` on a random port; the CLI runs against the same home as a separate
 * process, and the database is read back through `switchyard list/show --json`.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_ENTRY = path.join(REPO_ROOT, 'bin', 'switchyard.cjs');
export { AGENTS };
export const E2E_AGENTS = path.join(REPO_ROOT, 'e2e', 'fixtures', 'agents');
export const SCREENSHOTS = path.join(REPO_ROOT, 'e2e', 'screenshots');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of every child: ours, minus anything that would change who the CLI thinks it is. */
export function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('SWITCHYARD_')) delete env[key];
  return { ...env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'e2e' };
}

/** `switchyard ...args` against `home`, as its own process. */
export function runCli(home: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI and insists it succeeded. */
export async function cli(home: string, args: readonly string[]): Promise<string> {
  const result = await runCli(home, args);
  if (result.code !== 0) {
    throw new Error(`switchyard ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export async function cliJson<T>(home: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await cli(home, [...args, '--json'])) as T;
}

export interface RunRow {
  id: string;
  outcome: string | null;
  pid: number | null;
  exitCode: number | null;
}

export interface TaskDetails {
  task: Task;
  runs: RunRow[];
  events: { kind: string }[];
}

/** The CLI against one home: the database's view of things, from a separate process. */
export class SwitchyardHome {
  constructor(readonly home: string) {}

  cli(args: readonly string[]): Promise<string> {
    return cli(this.home, args);
  }

  runCli(args: readonly string[]): Promise<CliResult> {
    return runCli(this.home, args);
  }

  async createTask(title: string, options: { assignee?: string; status?: string } = {}): Promise<Task> {
    const args = ['create', title];
    if (options.assignee) args.push('--assignee', options.assignee);
    if (options.status) args.push('--status', options.status);
    return cliJson<Task>(this.home, args);
  }

  /** The database's view of every task (`switchyard list --json`). */
  list(): Promise<Task[]> {
    return cliJson<Task[]>(this.home, ['list']);
  }

  async task(id: string): Promise<Task> {
    const found = (await this.list()).find((task) => task.id === id);
    if (!found) throw new Error(`task ${id} is not in the database`);
    return found;
  }

  show(id: string): Promise<TaskDetails> {
    return cliJson<TaskDetails>(this.home, ['show', id]);
  }
}

/** A running `switchyard serve` on a temp home. */
export class Switchyard extends SwitchyardHome {
  private constructor(
    home: string,
    readonly url: string,
    private readonly server: ChildProcess,
    private readonly output: () => string,
  ) {
    super(home);
  }

  /** Starts `switchyard serve --port 0 [ARGS…]` and waits for the URL it prints on stdout. */
  static async start(home: string, args: readonly string[] = []): Promise<Switchyard> {
    const server = spawn(process.execPath, [CLI_ENTRY, 'serve', '--port', '0', ...args], {
      cwd: REPO_ROOT,
      env: childEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        reject(new Error(`switchyard serve printed no URL within 15 s:\n${stdout}${output}`));
      }, 15_000);
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /Switchyard board: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`switchyard serve exited ${code} before it printed a URL:\n${stdout}${output}`));
      });
    });
    return new Switchyard(home, url, server, () => output);
  }

  /** SIGTERM, then wait for the process to go (SIGKILL if it does not within 5 s). */
  async stop(): Promise<void> {
    if (this.server.exitCode !== null || this.server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.server.once('exit', () => resolve()));
    this.server.kill('SIGTERM');
    const timer = setTimeout(() => this.server.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** What the server wrote on stderr (attached to failures). */
  get log(): string {
    return this.output();
  }
}

/** Sets dispatcher settings of the home's settings.json, keeping the ones the fixture wrote. */
export function setDispatcherSettings(home: string, changes: Record<string, number>): void {
  const file = path.join(home, 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as { dispatcher?: object };
  settings.dispatcher = { ...settings.dispatcher, ...changes };
  fs.writeFileSync(file, JSON.stringify(settings));
}

/** profiles/<name>/profile.json running one of the fake agents with this Node. */
export function writeAgentProfile(home: string, name: string, agent: string, args: string[] = []): void {
  writeProfileJson(
    home,
    name,
    JSON.stringify({ command: [process.execPath, path.join(AGENTS, agent), ...args] }),
  );
}

/**
 * A profile whose worker prints until the spec calls `finish()` (e2e/fixtures/agents/until-file.mjs),
 * then exits 0: the running state can be checked at leisure however slow the machine is.
 */
export function writeGatedAgentProfile(
  home: string,
  name: string,
  options: { reportComplete?: boolean } = {},
): { finish: () => void } {
  const gate = path.join(home, `${name}.finish`);
  const command = [process.execPath, path.join(E2E_AGENTS, 'until-file.mjs'), gate];
  // With reportComplete the worker runs `switchyard complete` for its task before it exits.
  if (options.reportComplete) command.push('--complete');
  writeProfileJson(home, name, JSON.stringify({ command }));
  return { finish: () => fs.writeFileSync(gate, 'done\n') };
}

/** A profile.json with exactly this text (for broken profiles). */
export function writeProfileJson(home: string, name: string, text: string): void {
  const dir = path.join(home, 'profiles', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'profile.json'), text);
}

/** A quick dispatcher, so the tests do not wait for the real tick, backoff and grace. */
export function writeFastSettings(home: string): void {
  fs.writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({
      dispatcher: { tickMs: 100, backoffBaseMs: 0, backoffMaxMs: 0, killGraceMs: 500, stuckTicks: 6 },
    }),
  );
}

/**
 * Saves `NAME.png` in the app's default dark palette and `NAME-light.png` in the light one
 * (headless Chromium asks for light unless told otherwise).
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-light.png`), animations: 'disabled' });
}

interface Fixtures {
  /** A fresh temp home; anything a test writes there before `start()` is what serve sees. */
  home: string;
  /** Starts serve on `home` (with `args`, e.g. --no-dispatch) and opens the board in `page`. */
  openBoard: (args?: readonly string[]) => Promise<Switchyard>;
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use) => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-e2e-'));
    writeFastSettings(home);
    await use(home);
    fs.rmSync(home, { recursive: true, force: true });
  },
  openBoard: async ({ home, page }, use, testInfo) => {
    const started: Switchyard[] = [];
    await use(async (args = []) => {
      const app = await Switchyard.start(home, args);
      started.push(app);
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(app.url);
      await expect(page.getByTestId('loading')).toHaveCount(0);
      return app;
    });
    for (const app of started) {
      await app.stop();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('serve.log', { body: app.log, contentType: 'text/plain' });
      }
    }
  },
});

export { expect };
