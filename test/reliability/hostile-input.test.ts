import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_NAMES, errorCodeSchema, type CallName, type CallResult } from '../../shared/contract';
import { createApi } from '../../electron/core/api/api';
import * as commands from '../../electron/core/commands/taskCommands';
import { Engine } from '../../electron/core/dispatch/engine';
import { homePaths } from '../../electron/core/config/home';
import { runCli } from '../helpers/cli';
import { snapshotDatabase } from '../helpers/snapshot';
import { sha256 } from './helpers/faults';

/**
 * Hostile input (docs/architecture.md §2, §7 "every payload validated"): property fuzzing of every contract call,
 * hostile CLI arguments and hostile profile.json / lanes.json / settings.json. Never a crash, never
 * an 'internal' error, never a partial write, never a file outside the home.
 */

const sandboxes: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
  for (const dir of sandboxes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A home inside a folder of its own, so a write that escapes the home would show up next to it. */
function sandboxHome() {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-hostile-'));
  sandboxes.push(sandbox);
  const emptyPath = path.join(sandbox, 'empty-path');
  fs.mkdirSync(emptyPath);
  return { sandbox, paths: homePaths(path.join(sandbox, 'home')), emptyPath };
}

function engineFor(home: string, emptyPath: string, dispatch = false): Engine {
  // PATH is an empty folder: whatever a fuzzed profile names as its program, nothing can run.
  const engine = new Engine({
    home,
    dispatch,
    env: { SWITCHYARD_HOME: home, PATH: emptyPath },
    actor: { name: 'fuzzer' },
    log: () => undefined,
  });
  engines.push(engine);
  return engine;
}

const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '../',
    '../../etc/passwd',
    '..\\..\\windows',
    '/etc/passwd',
    'a\u0000b',
    '\u0000',
    '🚂🚃🚃 switchyard 👩‍💻',
    'שלום עולם \u202e gnp.exe',
    'مرحبا',
    '\u200b\u200d\ufeff',
    '\ud800',
    '$(rm -rf /)',
    '`id`; echo pwned',
    '<script>alert(1)</script>',
    '%00%2e%2e%2f',
    "Robert'); DROP TABLE tasks;--",
    'dir:/tmp',
    'worktree:/',
    'dir:relative',
    'x'.repeat(501),
    'y'.repeat(64 * 1024),
    'z'.repeat(64 * 1024 + 1),
    '€'.repeat(22_000), // 66,000 bytes of UTF-8 in 22,000 characters
    'DEFAULT',
    'default',
    'Orion-CC',
    '-leading-dash',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    null,
    undefined,
    true,
    false,
    -1,
    0,
    2 ** 53,
    -(2 ** 63),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MAX_VALUE * 10,
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.anything({ maxDepth: 2 }),
);

const FIELDS = [
  'id',
  'board',
  'title',
  'body',
  'assignee',
  'priority',
  'status',
  'parents',
  'workspace',
  'maxRuntimeSeconds',
  'parentId',
  'childId',
  'summary',
  'reason',
  'lane',
  'paused',
  'maxConcurrent',
  'enabled',
  'slug',
  'name',
  'template',
  'runId',
  'afterOffset',
  'maxBytes',
  '__proto__',
  'constructor',
];

/** Every refusal the API may answer with: any code of the contract but `internal` (a bug). */
const CODES = new Set<string>(errorCodeSchema.options.filter((code) => code !== 'internal'));

function isWellFormed(result: CallResult<unknown>): boolean {
  if (result.ok) return true;
  return typeof result.error.message === 'string' && result.error.message.length > 0;
}

describe('hostile input: every contract call, fuzzed', () => {
  it('never crashes, never answers "internal", and a refused call changes nothing', async () => {
    const { sandbox, paths, emptyPath } = sandboxHome();
    const engine = engineFor(paths.home, emptyPath);
    const internal: string[] = [];
    const api = createApi(engine, {
      validateResponses: true,
      logError: (message, error) => internal.push(`${message}: ${String(error)}`),
    });
    const actor = { name: 'seed' };
    const a = commands.createTask(engine.db, { title: 'seed a', assignee: 'coder' }, actor);
    const b = commands.createTask(engine.db, { title: 'seed b' }, actor);
    const c = commands.createTask(engine.db, { title: 'seed c', status: 'blocked' }, actor);
    const idValue = fc.oneof(fc.constantFrom(a.id, b.id, c.id, 't_00000000', 't_ffffffff'), hostileValue);
    const requestFor = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(idValue, hostileValue), { maxKeys: 5 }),
      },
      hostileValue,
    );
    let refused = 0;
    let accepted = 0;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CALL_NAMES), requestFor, async (name: CallName, request) => {
        const before = snapshotDatabase(paths.database);
        const result = await api.call(name, request);
        expect(isWellFormed(result)).toBe(true);
        if (!result.ok) {
          refused++;
          codes.set(result.error.code, (codes.get(result.error.code) ?? 0) + 1);
          expect(
            result.error.code,
            `${name} ${JSON.stringify(request)?.slice(0, 300)}: ${result.error.message}`,
          ).not.toBe('internal');
          expect(CODES.has(result.error.code), result.error.code).toBe(true);
          expect(snapshotDatabase(paths.database), `${name} refused but wrote`).toEqual(before);
        } else accepted++;
        expect(internal).toEqual([]);
      }),
      { numRuns: 600, seed: Number(process.env.RELIABILITY_SEED) || undefined },
    );
    // Nothing escaped the home.
    expect(fs.readdirSync(sandbox).sort()).toEqual(['empty-path', 'home']);
    expect(refused).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
    api.close();
  }, 55_000);

  it('well-formed requests with hostile strings in every text field: stored exactly as accepted, or refused whole', async () => {
    const { paths, emptyPath } = sandboxHome();
    const engine = engineFor(paths.home, emptyPath);
    const api = createApi(engine, { validateResponses: true, logError: () => undefined });
    const seed = commands.createTask(engine.db, { title: 'seed' }, { name: 'seed' });
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, hostileString, async (title, body, comment) => {
        const before = snapshotDatabase(paths.database);
        const created = await api.call('createTask', { board: 'default', title, body, assignee: null });
        if (created.ok) {
          expect(created.value.title).toBe(title.trim());
          expect(created.value.body).toBe(body);
          const detail = await api.call('taskDetail', { id: created.value.id });
          expect(detail.ok && detail.value.task.body).toBe(body);
        } else {
          expect(created.error.code).toBe('validation');
          expect(snapshotDatabase(paths.database)).toEqual(before);
        }
        const commented = await api.call('addComment', { id: seed.id, body: comment });
        if (!commented.ok) expect(commented.error.code).toBe('validation');
      }),
      { numRuns: 150 },
    );
    api.close();
  }, 55_000);
});

describe('hostile input: profile.json, lanes.json and settings.json', () => {
  const hostileFile = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          command: fc.oneof(fc.array(hostileString, { maxLength: 4 }), hostileValue),
          env: fc.oneof(fc.dictionary(hostileString, hostileString, { maxKeys: 3 }), hostileValue),
          maxConcurrent: hostileValue,
          maxRuntimeSeconds: hostileValue,
          completion: fc.oneof(fc.constantFrom('exit-code', 'report'), hostileValue),
          terminal: hostileValue,
          lanes: hostileValue,
          dispatcher: fc.oneof(
            fc.dictionary(
              fc.constantFrom('tickMs', 'failureLimit', 'globalMaxConcurrent', 'enabled', 'killGraceMs'),
              hostileValue,
            ),
            hostileValue,
          ),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    hostileString,
    fc.constantFrom(
      '{',
      '[]',
      'null',
      '{"command": ["sh", "-c", "touch /tmp/pwned"]}',
      '\ufeff{}',
      '{"a":1,"a":2}',
      '['.repeat(10_000),
    ),
  );

  it('never throws, never spawns a broken profile, reports problems in one line, and leaves the files as they were', async () => {
    const { sandbox, paths, emptyPath } = sandboxHome();
    fs.mkdirSync(paths.home, { recursive: true });
    const profileFile = path.join(paths.profiles, 'fuzzed', 'profile.json');
    fs.mkdirSync(path.dirname(profileFile), { recursive: true });
    const seedDb = engineFor(paths.home, emptyPath);
    const task = commands.createTask(
      seedDb.db,
      { title: 'for the fuzzed lane', assignee: 'fuzzed' },
      { name: 'seed' },
    );
    await seedDb.close({ stopWorkers: true });
    await fc.assert(
      fc.asyncProperty(hostileFile, hostileFile, hostileFile, async (profile, lanes, settings) => {
        fs.writeFileSync(profileFile, profile);
        fs.writeFileSync(paths.lanesFile, lanes);
        fs.writeFileSync(paths.settingsFile, settings);
        const hashes = [profileFile, paths.lanesFile, paths.settingsFile].map(sha256);
        const engine = engineFor(paths.home, emptyPath, true);
        const result = engine.runTick();
        expect(result).not.toBeNull();
        const lanesNow = engine.laneStatuses('default');
        const fuzzed = lanesNow.find((lane) => lane.name === 'fuzzed');
        expect(fuzzed).toBeDefined();
        // With nothing runnable on PATH, the lane is broken or terminal — never spawned.
        expect(fuzzed?.kind).not.toBe('profile');
        expect(result?.spawned).toEqual([]);
        for (const lane of lanesNow) if (lane.problem) expect(lane.problem).not.toMatch(/\n/);
        for (const problem of engine.problems()) expect(problem).not.toMatch(/\n/);
        await engine.close({ stopWorkers: true });
        engines.splice(engines.indexOf(engine), 1);
        expect([profileFile, paths.lanesFile, paths.settingsFile].map(sha256)).toEqual(hashes);
      }),
      { numRuns: 150 },
    );
    const check = engineFor(paths.home, emptyPath);
    expect(check.db.prepare('SELECT count(*) AS n FROM runs WHERE task_id = ?').get(task.id)).toEqual({
      n: 0,
    });
    expect(fs.readdirSync(sandbox).sort()).toEqual(['empty-path', 'home']);
  }, 55_000);
});

describe('hostile input: the CLI', () => {
  it('refuses hostile arguments with one line and no write, and stores accepted ones exactly', async () => {
    const { paths } = sandboxHome();
    const created = await runCli(paths.home, ['create', 'seed', '--json']);
    expect(created.code).toBe(0);
    const seedId = (JSON.parse(created.stdout) as { id: string }).id;
    const before = snapshotDatabase(paths.database);
    const refusals: [string[], number][] = [
      [['show', '../../etc/passwd'], 1],
      [['create', 'x', '--assignee', '../evil'], 1],
      [['create', 'x', '--board', '../evil'], 1],
      [['create', 'x', '--priority', '1e309'], 2],
      [['create', 'x', '--priority', '0x10'], 2],
      [['create', 'x'.repeat(501)], 1],
      [['create', '   '], 1],
      [['create', 'x', '--workspace', 'dir:relative/path'], 1],
      [['create', 'x', '--status', 'running'], 1],
      [['move', seedId, 'running'], 1],
      [['comment', seedId, '   '], 1],
      [['link', seedId, seedId], 1],
      [['edit', seedId, '--title', ''], 1],
      [['create', 'x', '--evil-option'], 2],
      [['profiles', 'create', '../escape', '--from', 'shell'], 1],
    ];
    for (const [args, code] of refusals) {
      const result = await runCli(paths.home, args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      expect(result.stderr.trim().split('\n').length, args.join(' ')).toBeLessThanOrEqual(code === 2 ? 2 : 1);
      expect(result.stderr).not.toMatch(/unexpected error|\bat .*:\d+:\d+/);
    }
    // 64 KiB + 1 byte of body through stdin is refused too.
    const tooBig = await runCli(paths.home, ['create', 'big', '--body-file', '-'], {
      stdin: 'b'.repeat(64 * 1024 + 1),
    });
    expect(tooBig.code).toBe(1);
    expect(snapshotDatabase(paths.database)).toEqual(before);
    expect(fs.existsSync(path.join(paths.home, '..', 'escape'))).toBe(false);

    const title = '🚂 שלום ../ مرحبا \u202e <b>';
    const body = `${'€'.repeat(21_000)}\n$(id) \`id\``; // just under 64 KiB of UTF-8
    const accepted = await runCli(
      paths.home,
      ['create', title, '--body-file', '-', '--assignee', 'Orion-CC', '--json'],
      { stdin: body },
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    const task = JSON.parse(accepted.stdout) as { id: string; title: string; body: string; assignee: string };
    expect(task).toMatchObject({ title, body, assignee: 'orion-cc' });
    const shown = await runCli(paths.home, ['show', task.id, '--json']);
    expect((JSON.parse(shown.stdout) as { task: { body: string } }).task.body).toBe(body);
  }, 55_000);
});
