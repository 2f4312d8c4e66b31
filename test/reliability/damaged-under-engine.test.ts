import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTask } from '../../electron/core/commands/taskCommands';
import { homePaths, type HomePaths } from '../../electron/core/config/home';
import { openDatabase } from '../../electron/core/store/db/open';
import { CLI_ENTRY, REPO_ROOT, runCli } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { writeAgentProfile, writeFastSettings } from '../helpers/engine';
import { waitFor } from '../helpers/processes';
import { damageDataPages, sha256 } from './helpers/faults';

/**
 * Issue 18 item 4: the database is damaged while `serve` or `dispatch --watch` runs. The engine
 * says so in one line (no SqliteError stack from a timer), stops dispatching, leaves workers and
 * their logs alone, writes nothing more to the file, and the board shows the fault.
 */

const newHome = useTempHomes();
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A board with enough rows that its pages are not all in the engine's cache, and one long worker. */
function seed(paths: HomePaths): string {
  writeFastSettings(paths);
  writeAgentProfile(paths, 'sleeper', 'sleep.mjs', { args: ['60'] });
  const db = openDatabase(paths.database);
  try {
    for (let i = 0; i < 300; i++)
      createTask(db, { title: `seed ${i}`, body: 'y'.repeat(3000) }, { name: 'test' });
    return createTask(db, { title: 'long worker', assignee: 'sleeper', status: 'ready' }, { name: 'test' })
      .id;
  } finally {
    db.close();
  }
}

/**
 * Damages every page after the schema's, then commits a header-only change from another connection:
 * the running engine's cache is invalidated (its data_version moves), so its next read meets the
 * damage, as it would after a disk fault. Returns the main file's hash right after the damage.
 */
function damage(paths: HomePaths): string {
  damageDataPages(paths.database);
  const touch = new Database(paths.database);
  const version = touch.pragma('user_version', { simple: true }) as number;
  touch.pragma(`user_version = ${version}`);
  touch.close();
  return sha256(paths.database);
}

function workerPid(paths: HomePaths, taskId: string): number | undefined {
  const db = new Database(paths.database, { readonly: true });
  try {
    const row = db.prepare('SELECT pid FROM runs WHERE task_id = ? AND pid IS NOT NULL').get(taskId) as
      { pid: number } | undefined;
    return row?.pid;
  } finally {
    db.close();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function expectOneFaultLine(stderr: string): void {
  expect(stderr).not.toMatch(/SqliteError|^\s+at /m);
  const faultLines = stderr.split('\n').filter((line) => /is damaged/.test(line));
  expect(faultLines.length, stderr).toBeGreaterThanOrEqual(1);
  expect(
    new Set(
      faultLines.map((line) => line.replace(/^\[switchyard\] database fault, dispatching stopped: /, '')),
    ).size,
  ).toBeLessThanOrEqual(2);
}

describe('a database damaged under a running engine', () => {
  it('dispatch --watch: one clear line, a clean exit, the worker and its log left alone, the file untouched', async () => {
    const paths = homePaths(newHome().home);
    const taskId = seed(paths);
    const watching = runCli(paths.home, ['dispatch', '--watch'], { timeoutMs: 40_000 });
    const pid = await waitFor('the worker to start', () => workerPid(paths, taskId), { timeoutMs: 20_000 });
    pids.push(pid);
    const log = path.join(paths.logs, taskId, '1.log');
    await waitFor('the worker to write', () => fs.existsSync(log) && fs.statSync(log).size > 0);
    const damaged = damage(paths);
    const result = await watching;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expectOneFaultLine(result.stderr);
    expect(result.stderr).toMatch(/dispatching stopped/);
    // The worker keeps running and writing its log; the damaged file was not written again.
    expect(alive(pid)).toBe(true);
    const size = fs.statSync(log).size;
    await waitFor('the worker to keep writing', () => fs.statSync(log).size > size);
    expect(sha256(paths.database)).toBe(damaged);
  }, 60_000);

  it('serve: one clear line, keeps serving, the board gets the fault in the dispatcher state, the file untouched', async () => {
    const paths = homePaths(newHome().home);
    const taskId = seed(paths);
    const child = spawn(process.execPath, [CLI_ENTRY, 'serve'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHYARD_HOME: paths.home, SWITCHYARD_TASK: '', SWITCHYARD_RUN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pids.push(child.pid as number);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await waitFor('the URL', () => /Switchyard board: (\S+)/.exec(stdout)?.[1], {
      timeoutMs: 20_000,
    });
    const pid = await waitFor('the worker to start', () => workerPid(paths, taskId), { timeoutMs: 20_000 });
    pids.push(pid);
    const { port, searchParams } = new URL(url);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${searchParams.get('token')}`);

    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));

    const damaged = damage(paths);
    await waitFor('the fault line', () => /is damaged/.test(stderr), { timeoutMs: 15_000 });
    expectOneFaultLine(stderr);
    expect(child.exitCode).toBeNull();
    // The board: the fault arrives as dispatcher state, and every call says what is wrong.
    const reply = await new Promise<{
      result: { ok: boolean; value?: { fault: string | null }; error?: { code: string } };
    }>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.id === 'state') resolve(message);
      });
      socket.send(JSON.stringify({ id: 'state', name: 'dispatcherState', request: {} }));
    });
    expect(reply.result.ok).toBe(true);
    expect(reply.result.value?.fault).toMatch(/is damaged/);
    const snapshot = await new Promise<{
      result: { ok: boolean; error?: { code: string; message: string } };
    }>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.id === 'snap') resolve(message);
      });
      socket.send(JSON.stringify({ id: 'snap', name: 'snapshot', request: { board: 'default' } }));
    });
    expect(snapshot.result.error?.code).toBe('database_unavailable');
    expect(snapshot.result.error?.message).toMatch(/is damaged/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    socket.close();
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(sha256(paths.database)).toBe(damaged);
  }, 60_000);
});
