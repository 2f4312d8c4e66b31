import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homePaths, type HomePaths } from './home';
import { defaultSettings, loadSettings } from './settings';

let paths: HomePaths;

beforeEach(() => {
  paths = homePaths(fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-settings-')));
});

afterEach(() => {
  fs.rmSync(paths.home, { recursive: true, force: true });
});

const writeSettings = (text: string): void => fs.writeFileSync(paths.settingsFile, text);

describe('loadSettings', () => {
  it('gives the documented defaults when settings.json does not exist', () => {
    const { settings, problem } = loadSettings(paths);
    expect(problem).toBeNull();
    expect(settings.dispatcher).toEqual({
      enabled: true,
      tickMs: 2000,
      globalMaxConcurrent: 4,
      failureLimit: 5,
      backoffBaseMs: 10_000,
      backoffMaxMs: 600_000,
      claimTtlMs: 900_000,
      killGraceMs: 10_000,
      stuckTicks: 6,
      stuckLogIntervalMs: 300_000,
      workerPriority: 'low',
    });
    expect(settings.logs).toEqual({ rotateBytes: 2 * 1024 * 1024, keepFiles: 5 });
    expect(settings.prompt.bodyBytes).toBeGreaterThan(0);
    expect(settings.prompt.parentResultBytes).toBeGreaterThan(0);
    expect(settings.prompt.commentBytes).toBeGreaterThan(0);
    expect(settings.prompt.priorErrorBytes).toBeGreaterThan(0);
  });

  it('fills in defaults around the fields the user set', () => {
    writeSettings(JSON.stringify({ dispatcher: { globalMaxConcurrent: 8 }, logs: { keepFiles: 2 } }));
    const { settings, problem } = loadSettings(paths);
    expect(problem).toBeNull();
    expect(settings.dispatcher.globalMaxConcurrent).toBe(8);
    expect(settings.dispatcher.tickMs).toBe(2000);
    expect(settings.logs).toEqual({ rotateBytes: 2 * 1024 * 1024, keepFiles: 2 });
  });

  it('reports an out-of-range number in one line and keeps the other valid fields', () => {
    writeSettings(JSON.stringify({ dispatcher: { tickMs: 5, globalMaxConcurrent: 8 } }));
    const { settings, problem } = loadSettings(paths);
    expect(problem).toBe('settings.json: dispatcher.tickMs must be at least 100');
    expect(settings.dispatcher.tickMs).toBe(2000);
    expect(settings.dispatcher.globalMaxConcurrent).toBe(8);
  });

  it('reports wrong types, fractions and unknown keys, using defaults for them', () => {
    writeSettings(
      JSON.stringify({ dispatcher: { failureLimit: 'five', stuckTicks: 2.5, tickMS: 10 }, logs: 3 }),
    );
    const { settings, problem } = loadSettings(paths);
    expect(problem).toContain('dispatcher.failureLimit must be a number');
    expect(problem).toContain('dispatcher.stuckTicks must be a whole number');
    expect(problem).toContain('unknown field "dispatcher.tickMS"');
    expect(problem).toContain('logs must be an object of settings');
    expect(problem).not.toContain('\n');
    expect(settings).toEqual(defaultSettings());
  });

  it('reads dispatcher.workerPriority "normal", and falls back to "low" with a line for a typo', () => {
    writeSettings(JSON.stringify({ dispatcher: { workerPriority: 'normal' } }));
    expect(loadSettings(paths)).toMatchObject({
      settings: { dispatcher: { workerPriority: 'normal' } },
      problem: null,
    });
    writeSettings(JSON.stringify({ dispatcher: { workerPriority: 'lowest', tickMs: 500 } }));
    const { settings, problem } = loadSettings(paths);
    expect(problem).toBe('settings.json: dispatcher.workerPriority must be "low" or "normal"');
    expect(settings.dispatcher).toMatchObject({ workerPriority: 'low', tickMs: 500 });
  });

  it('reports a backoff maximum below its base', () => {
    writeSettings(JSON.stringify({ dispatcher: { backoffBaseMs: 60_000, backoffMaxMs: 1000 } }));
    const { settings, problem } = loadSettings(paths);
    expect(problem).toBe('settings.json: dispatcher.backoffMaxMs must be at least backoffBaseMs');
    expect(settings.dispatcher.backoffMaxMs).toBeGreaterThanOrEqual(settings.dispatcher.backoffBaseMs);
  });

  it('survives invalid JSON with the line of the mistake, and does not touch the file', () => {
    const broken = '{\n  "dispatcher": {\n    "tickMs": 1000,\n  }\n}';
    writeSettings(broken);
    const { settings, problem } = loadSettings(paths);
    expect(problem).toMatch(/^settings\.json: invalid JSON \(.+ at line 4 column \d+\)$/);
    expect(settings).toEqual(defaultSettings());
    expect(fs.readFileSync(paths.settingsFile, 'utf8')).toBe(broken);
  });

  it('refuses a hostile huge file without reading it all', () => {
    writeSettings(`{"x": "${'a'.repeat(2 * 1024 * 1024)}"}`);
    const { settings, problem } = loadSettings(paths);
    expect(problem).toBe('settings.json: larger than 1 MiB, ignored');
    expect(settings).toEqual(defaultSettings());
  });

  it('treats a non-object and a folder in its place as problems', () => {
    writeSettings('[1, 2]');
    expect(loadSettings(paths).problem).toBe('settings.json: must be a JSON object');
    fs.rmSync(paths.settingsFile);
    fs.mkdirSync(paths.settingsFile);
    expect(loadSettings(paths)).toEqual({
      settings: defaultSettings(),
      problem: 'settings.json: is not a regular file',
    });
  });
});
