import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as commands from '../../electron/core/commands/taskCommands';
import type { HomePaths } from '../../electron/core/config/home';
import { createProfileFromTemplate } from '../../electron/core/config/profileTemplates';
import { updateLaneConfig } from '../../electron/core/config/lanesFile';
import type { Engine } from '../../electron/core/dispatch/engine';
import { openDatabase } from '../../electron/core/store/db/open';
import * as tasks from '../../electron/core/store/tasks';
import { rotateLogCopyTruncate } from '../../electron/core/workers/logRotation';
import { useTempHomes } from '../helpers/home';
import { AGENTS, newEngine, waitFor, writeAgentProfile, writeFastSettings } from '../helpers/engine';

/**
 * Issue 18 item 2: another local process plants a symlink (or a hard link) where Switchyard is about
 * to write. For every folder and file Switchyard writes in its home, nothing outside the home
 * changes, and a task whose run would write through the link is blocked with the reason.
 */

const newHome = useTempHomes();
const engines: Engine[] = [];
const outsides: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
  for (const dir of outsides.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A folder outside the home with a file (valid JSON, so readers get past it) and an empty folder. */
function outside(): { dir: string; victimFile: string; victimDir: string; unchanged(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-outside-'));
  outsides.push(dir);
  const victimFile = path.join(dir, 'victim.txt');
  const victimDir = path.join(dir, 'victim-dir');
  fs.writeFileSync(victimFile, '{}\n');
  fs.mkdirSync(victimDir);
  return {
    dir,
    victimFile,
    victimDir,
    unchanged() {
      expect(fs.readFileSync(victimFile, 'utf8')).toBe('{}\n');
      expect(fs.readdirSync(victimDir)).toEqual([]);
      expect(fs.readdirSync(dir).sort()).toEqual(['victim-dir', 'victim.txt']);
    },
  };
}

function setup(profileArgs: { agent?: string; args?: string[] } = {}): { paths: HomePaths; engine: Engine } {
  const paths = newHome();
  writeFastSettings(paths, { failureLimit: 5 });
  writeAgentProfile(paths, 'coder', profileArgs.agent ?? 'chatty.mjs', {
    args: profileArgs.args ?? ['2000'],
  });
  const engine = newEngine(paths, true);
  engines.push(engine);
  return { paths, engine };
}

function readyTask(engine: Engine, title = 'work') {
  return commands.createTask(engine.db, { title, assignee: 'coder', status: 'ready' }, engine.actor);
}

function expectBlockedFor(engine: Engine, taskId: string, reason: RegExp): void {
  const task = tasks.findTask(engine.db, taskId);
  expect(task?.status).toBe('blocked');
  expect(task?.blockReason).toMatch(reason);
  // Refused at once: retrying cannot remove a planted link.
  expect(task?.failureCount).toBe(1);
}

describe('planted links in the home never make Switchyard write outside it', () => {
  it('logs/<task> as a link to a folder outside: the task is blocked, nothing written there', () => {
    const { paths, engine } = setup();
    const victim = outside();
    const task = readyTask(engine);
    fs.mkdirSync(paths.logs, { recursive: true });
    fs.symlinkSync(victim.victimDir, path.join(paths.logs, task.id));
    engine.runTick();
    expectBlockedFor(engine, task.id, /symbolic link/);
    victim.unchanged();
  });

  it('logs/ itself as a link: blocked, nothing written outside', () => {
    const { paths, engine } = setup();
    const victim = outside();
    const task = readyTask(engine);
    fs.symlinkSync(victim.victimDir, paths.logs);
    engine.runTick();
    expectBlockedFor(engine, task.id, /symbolic link/);
    victim.unchanged();
  });

  it('logs/<task>/<run>.log as a link (or a hard link) to a file outside: blocked, the file untouched', () => {
    const { paths, engine } = setup();
    const victim = outside();
    const task = readyTask(engine);
    fs.mkdirSync(path.join(paths.logs, task.id), { recursive: true });
    // Runs are numbered from 1 in a fresh database: the first run's log is 1.log.
    fs.symlinkSync(victim.victimFile, path.join(paths.logs, task.id, '1.log'));
    engine.runTick();
    expectBlockedFor(engine, task.id, /symbolic link/);
    victim.unchanged();

    const second = readyTask(engine, 'second');
    fs.mkdirSync(path.join(paths.logs, second.id), { recursive: true });
    const hardVictim = path.join(paths.home, 'hard-victim.txt');
    fs.writeFileSync(hardVictim, '{}\n');
    fs.linkSync(hardVictim, path.join(paths.logs, second.id, '2.log'));
    engine.runTick();
    expectBlockedFor(engine, second.id, /hard links/);
    expect(fs.readFileSync(hardVictim, 'utf8')).toBe('{}\n');
  });

  it('workspaces/<task> and workspaces/ as links: the agent never runs there', () => {
    const { paths, engine } = setup({ agent: 'echo-args.mjs' });
    const victim = outside();
    const task = readyTask(engine);
    fs.mkdirSync(paths.workspaces, { recursive: true });
    fs.symlinkSync(victim.victimDir, path.join(paths.workspaces, task.id));
    engine.runTick();
    expectBlockedFor(engine, task.id, /symbolic link/);

    const other = readyTask(engine, 'other');
    fs.rmSync(paths.workspaces, { recursive: true });
    fs.symlinkSync(victim.victimDir, paths.workspaces);
    engine.runTick();
    expectBlockedFor(engine, other.id, /symbolic link/);
    victim.unchanged();
  });

  it('the {promptFile} file as a link: blocked, the target untouched; without a link the file holds the prompt', () => {
    const paths = newHome();
    writeFastSettings(paths);
    const dir = path.join(paths.profiles, 'coder');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({ command: [process.execPath, path.join(AGENTS, 'exit0.mjs'), '{promptFile}'] }),
    );
    const engine = newEngine(paths, true);
    engines.push(engine);
    const victim = outside();
    const task = readyTask(engine, 'reads its prompt from a file');
    fs.mkdirSync(path.join(paths.logs, task.id), { recursive: true });
    fs.symlinkSync(victim.victimFile, path.join(paths.logs, task.id, '1.prompt.md'));
    engine.runTick();
    expectBlockedFor(engine, task.id, /symbolic link/);
    victim.unchanged();

    const clean = readyTask(engine, 'clean prompt file');
    engine.runTick();
    const promptFile = path.join(paths.logs, clean.id, '2.prompt.md');
    expect(fs.readFileSync(promptFile, 'utf8')).toContain('# clean prompt file');
    expect(fs.statSync(promptFile).mode & 0o777).toBe(0o600);
  });

  it('the log and its rotated copy as links: rotation never truncates or writes the target', async () => {
    const paths = newHome();
    const victim = outside();
    const logDir = path.join(paths.logs, 't_1');
    fs.mkdirSync(logDir, { recursive: true });
    const logPath = path.join(logDir, '1.log');
    // `.1` planted as a link: rotation removes the link and writes a file of its own.
    fs.writeFileSync(logPath, 'x'.repeat(1000));
    fs.symlinkSync(victim.victimFile, `${logPath}.1`);
    const rotated = await rotateLogCopyTruncate(logPath, 1);
    expect(rotated.rotatedBytes).toBe(1000);
    expect(fs.lstatSync(`${logPath}.1`).isSymbolicLink()).toBe(false);
    victim.unchanged();
    // The log itself swapped for a link after the worker started: refused, not truncated.
    fs.rmSync(logPath);
    fs.symlinkSync(victim.victimFile, logPath);
    await expect(rotateLogCopyTruncate(logPath, 2)).rejects.toThrow();
    await expect(rotateLogCopyTruncate(logPath, 0)).rejects.toThrow();
    victim.unchanged();
  });

  // settings.json is only read (nothing in the product writes it): lanes.json is the file written here.
  it('lanes.json, profiles/ and bin/switchyard as links: replaced or refused, never written through', () => {
    const paths = newHome();
    const victim = outside();
    fs.mkdirSync(paths.home, { recursive: true });
    fs.symlinkSync(victim.victimFile, paths.lanesFile);
    updateLaneConfig(paths, 'alice', { maxConcurrent: 2 });
    expect(fs.lstatSync(paths.lanesFile).isSymbolicLink()).toBe(false);
    victim.unchanged();

    fs.symlinkSync(victim.victimDir, paths.profiles);
    expect(() => createProfileFromTemplate(paths, 'coder', 'shell')).toThrow(/symbolic link/);
    victim.unchanged();
    fs.rmSync(paths.profiles);

    fs.mkdirSync(paths.bin, { recursive: true });
    fs.symlinkSync(victim.victimFile, path.join(paths.bin, 'switchyard'));
    engines.push(newEngine(paths, false));
    expect(fs.lstatSync(path.join(paths.bin, 'switchyard')).isSymbolicLink()).toBe(false);
    victim.unchanged();
  });

  it('switchyard.db as a link, and bin/ as a link: refused with a clear error, the target untouched', async () => {
    const paths = newHome();
    const victim = outside();
    fs.mkdirSync(paths.home, { recursive: true });
    fs.symlinkSync(victim.victimFile, paths.database);
    expect(() => openDatabase(paths.database)).toThrow(/symbolic link/);
    victim.unchanged();
    fs.rmSync(paths.database);
    fs.symlinkSync(victim.victimDir, paths.bin);
    expect(() => newEngine(paths, false)).toThrow(/symbolic link/);
    victim.unchanged();
  });

  it('a new home is 0700, its database, logs and prompt files 0600', async () => {
    const paths = newHome();
    fs.rmSync(paths.home, { recursive: true });
    writeAgentProfile(paths, 'coder', 'chatty.mjs', { args: ['100'] });
    fs.chmodSync(paths.home, 0o755);
    const engine = newEngine(paths, true);
    engines.push(engine);
    expect(fs.statSync(paths.home).mode & 0o777).toBe(0o700);
    expect(fs.statSync(paths.database).mode & 0o777).toBe(0o600);
    const task = readyTask(engine);
    engine.runTick();
    const log = path.join(paths.logs, task.id, '1.log');
    expect(fs.statSync(log).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(paths.logs, task.id)).mode & 0o777).toBe(0o700);
  });
});

describe("a run's log folder", () => {
  it('is made and checked once, by the dispatcher: the supervisor makes no folder of its own', async () => {
    const { paths, engine } = setup();
    const task = readyTask(engine);
    const logFolder = path.join(paths.logs, task.id);
    const mkdir = vi.spyOn(fs, 'mkdirSync');
    engine.runTick();
    await waitFor(
      () => tasks.findTask(engine.db, task.id)?.status === 'running' && engine.workers().length > 0,
      'the worker',
    );
    const made = mkdir.mock.calls.filter(([folder]) => path.resolve(String(folder)) === logFolder);
    // One mkdir, by ensureOwnedDir (which also lstat's it): the spawn opened the log in it as it was.
    expect(made).toHaveLength(1);
    expect(fs.lstatSync(logFolder).isDirectory()).toBe(true);
  });
});
