import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTimestampTick } from '../../../test/helpers/fsClock';
import { homePaths, type HomePaths } from './home';
import {
  LaneResolver,
  effectiveLaneSettings,
  undeclaredLaneHint,
  updateLaneConfig,
  type LaneResolverOptions,
} from './lanes';

/** A lane's limit with no database override: lanes.json, else its profile's, else 1. */
const limitOf = (lanes: LaneResolver, name: string): number =>
  effectiveLaneSettings(undefined, lanes.laneConfig(name), lanes.resolve(name)).maxConcurrent;
import { loadLanesFile, parseLanesFile } from './lanesFile';
import { fsPathsDuring } from '../../../test/helpers/fsCalls';

let root: string;
let paths: HomePaths;
let binDir: string;
const resolvers: LaneResolver[] = [];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-lanes-'));
  paths = homePaths(path.join(root, 'home'));
  binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
  fs.mkdirSync(paths.home);
});

afterEach(() => {
  for (const resolver of resolvers.splice(0)) resolver.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function resolver(options: LaneResolverOptions = {}): LaneResolver {
  const created = new LaneResolver(paths, { pathEnv: binDir, watch: false, ...options });
  resolvers.push(created);
  return created;
}

function writeProfile(name: string, content: unknown): void {
  const folder = path.join(paths.profiles, name);
  nextTimestampTick(paths.profiles, folder, path.join(folder, 'profile.json'));
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'profile.json'), JSON.stringify(content));
}

function installProgram(name: string): void {
  nextTimestampTick(binDir);
  fs.writeFileSync(path.join(binDir, name), '#!/bin/sh\nexit 0\n');
  fs.chmodSync(path.join(binDir, name), 0o755);
}

const writeLanes = (content: unknown): void =>
  fs.writeFileSync(paths.lanesFile, typeof content === 'string' ? content : JSON.stringify(content));

describe('LaneResolver.resolve', () => {
  it('creates the profiles folder so it can be watched from the start', () => {
    resolver({ watch: true });
    expect(fs.statSync(paths.profiles).isDirectory()).toBe(true);
  });

  it('resolves a valid runnable profile as a profile lane', () => {
    installProgram('agent');
    writeProfile('worker', { command: ['agent', '{prompt}'], maxConcurrent: 2 });
    const lane = resolver().resolve('worker');
    expect(lane.kind).toBe('profile');
    expect(lane.kind === 'profile' && lane.profile.maxConcurrent).toBe(2);
  });

  it('resolves a broken profile with its exact problem', () => {
    writeProfile('nocommand', { env: {} });
    writeProfile('claude', { command: ['claude', '-p', '{prompt}'] });
    const lanes = resolver();
    expect(lanes.resolve('nocommand')).toEqual({
      kind: 'profile_broken',
      name: 'nocommand',
      problem: 'profile.json: command missing',
    });
    expect(lanes.resolve('claude')).toEqual({
      kind: 'profile_broken',
      name: 'claude',
      problem: '`claude` not found on PATH',
    });
  });

  it('treats an undeclared name as a terminal lane with a hint', () => {
    expect(resolver().resolve('orion-cc')).toEqual({
      kind: 'terminal',
      name: 'orion-cc',
      declared: false,
      hint: undeclaredLaneHint('orion-cc'),
    });
    expect(undeclaredLaneHint('orion-cc')).toBe(
      'no profile named "orion-cc" — add profiles/orion-cc/profile.json to make it spawnable, or declare it in lanes.json',
    );
  });

  it('treats a declared terminal lane as terminal without a hint', () => {
    writeLanes({ lanes: { 'orion-cc': { kind: 'terminal', description: 'Claude Code in tmux' } } });
    expect(resolver().resolve('orion-cc')).toEqual({
      kind: 'terminal',
      name: 'orion-cc',
      declared: true,
      hint: null,
    });
  });

  it('matches names case-insensitively: Orion-CC is orion-cc', () => {
    writeLanes({ lanes: { 'Orion-CC': { kind: 'terminal' } } });
    installProgram('agent');
    writeProfile('worker', { command: ['agent'] });
    const lanes = resolver();
    expect(lanes.resolve('orion-cc')).toMatchObject({ kind: 'terminal', name: 'orion-cc', declared: true });
    expect(lanes.resolve('ORION-cc')).toEqual(lanes.resolve('orion-cc'));
    expect(lanes.resolve(' Worker ')).toMatchObject({ kind: 'profile', name: 'worker' });
  });

  it('prefers a runnable profile over a lanes.json declaration of the same name (docs/architecture.md §3 order)', () => {
    installProgram('agent');
    writeProfile('both', { command: ['agent'] });
    writeLanes({ lanes: { both: { kind: 'terminal', paused: true } } });
    const lanes = resolver();
    expect(lanes.resolve('both').kind).toBe('profile');
    expect(lanes.laneConfig('both').paused).toBe(true);
  });
});

describe('lanes.json', () => {
  it('lists declared lanes with their settings, lowercased and sorted', () => {
    writeLanes({
      lanes: {
        Zed: { kind: 'terminal', paused: true, maxConcurrent: 2, description: 'z lane' },
        alpha: {},
      },
    });
    const lanes = resolver();
    expect(lanes.declaredLanes()).toEqual([
      {
        name: 'alpha',
        paused: false,
        maxConcurrent: null,
        description: null,
        requireApproval: false,
        budgetUsdPerDay: null,
      },
      {
        name: 'zed',
        paused: true,
        maxConcurrent: 2,
        description: 'z lane',
        requireApproval: false,
        budgetUsdPerDay: null,
      },
    ]);
    expect(lanes.problems()).toEqual([]);
  });

  it('reports broken JSON as a problem and resolves as if it were absent', () => {
    writeLanes('{ "lanes": { "orion-cc": ');
    const lanes = resolver();
    expect(lanes.problems()).toHaveLength(1);
    expect(lanes.problems()[0]).toMatch(/^lanes\.json: invalid JSON \(/);
    expect(lanes.declaredLanes()).toEqual([]);
    expect(lanes.resolve('orion-cc')).toMatchObject({ kind: 'terminal', declared: false });
  });

  it('keeps the readable entries of a partly broken file and names each mistake', () => {
    writeLanes({
      lanes: {
        good: { kind: 'terminal' },
        typo: { kind: 'terminal', paused: 'yes', maxConcurrent: 0 },
        'bad name!': { kind: 'terminal' },
        GOOD: { kind: 'terminal' },
      },
    });
    const { lanes, problem } = loadLanesFile(paths);
    expect([...lanes.keys()]).toEqual(['good', 'typo']);
    expect(lanes.get('typo')).toMatchObject({ paused: false, maxConcurrent: null });
    expect(problem).toContain('lanes.typo.paused: must be true or false');
    expect(problem).toContain('lanes.typo.maxConcurrent: must be a whole number, at least 1');
    expect(problem).toContain('lanes.bad name!: not a valid lane name');
    expect(problem).toContain('lanes.GOOD: the same lane as an earlier entry');
  });

  it('reports a broken settings.json among the problems and uses default settings', () => {
    fs.writeFileSync(paths.settingsFile, '{"dispatcher": {"globalMaxConcurrent": 0}}');
    const lanes = resolver();
    expect(lanes.problems()).toEqual(['settings.json: dispatcher.globalMaxConcurrent must be at least 1']);
    expect(lanes.settings().dispatcher.globalMaxConcurrent).toBe(4);
  });

  it('updateLaneConfig writes a pause and a limit, keeping other entries as written', () => {
    writeLanes({ lanes: { 'Orion-CC': { kind: 'terminal', description: 'mine' }, other: {} } });
    const lanes = resolver();
    updateLaneConfig(paths, 'orion-cc', { paused: true, maxConcurrent: 3 });
    updateLaneConfig(paths, 'claude', { paused: true });
    expect(lanes.refresh()).toBe(true);
    expect(lanes.laneConfig('orion-cc')).toEqual({
      name: 'orion-cc',
      paused: true,
      maxConcurrent: 3,
      description: 'mine',
      requireApproval: false,
      budgetUsdPerDay: null,
    });
    expect(lanes.laneConfig('claude').paused).toBe(true);
    expect(Object.keys(JSON.parse(fs.readFileSync(paths.lanesFile, 'utf8')).lanes)).toEqual([
      'Orion-CC',
      'other',
      'claude',
    ]);
    updateLaneConfig(paths, 'orion-cc', { maxConcurrent: null });
    lanes.refresh();
    expect(lanes.laneConfig('orion-cc').maxConcurrent).toBeNull();
  });

  it('updateLaneConfig refuses bad input and a file it cannot read, leaving it untouched', () => {
    expect(() => updateLaneConfig(paths, 'Bad Name', { paused: true })).toThrow('not a valid lane name');
    expect(() => updateLaneConfig(paths, 'ok', { maxConcurrent: 0 })).toThrow('at least 1');
    writeLanes('{ broken');
    expect(() => updateLaneConfig(paths, 'ok', { paused: true })).toThrow('fix or delete the file');
    expect(fs.readFileSync(paths.lanesFile, 'utf8')).toBe('{ broken');
  });

  it('uses the lane limit from lanes.json over the profile’s own', () => {
    installProgram('agent');
    writeProfile('worker', { command: ['agent'], maxConcurrent: 2 });
    const lanes = resolver();
    expect(limitOf(lanes, 'worker')).toBe(2);
    expect(limitOf(lanes, 'nobody')).toBe(1);
    updateLaneConfig(paths, 'worker', { maxConcurrent: 5 });
    lanes.refresh();
    expect(limitOf(lanes, 'WORKER')).toBe(5);
  });
});

describe('LaneResolver.refresh and version', () => {
  it('makes a new profile folder a profile lane after the next refresh, and terminal again when deleted', () => {
    installProgram('agent');
    const lanes = resolver();
    expect(lanes.resolve('newbie').kind).toBe('terminal');
    writeProfile('newbie', { command: ['agent'] });
    expect(lanes.resolve('newbie').kind).toBe('terminal'); // answers from memory until refresh
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('newbie').kind).toBe('profile');
    expect(lanes.profileNames()).toEqual(['newbie']);

    fs.rmSync(path.join(paths.profiles, 'newbie'), { recursive: true });
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('newbie')).toMatchObject({ kind: 'terminal', declared: false });
    expect(lanes.profileNames()).toEqual([]);
  });

  it('notices profile.json appearing in an existing folder and edits to it', () => {
    installProgram('agent');
    fs.mkdirSync(path.join(paths.profiles, 'later'), { recursive: true });
    const lanes = resolver();
    expect(lanes.resolve('later')).toMatchObject({
      kind: 'profile_broken',
      problem: 'profile.json: not found',
    });
    writeProfile('later', { command: ['agent'] });
    lanes.refresh();
    expect(lanes.resolve('later').kind).toBe('profile');
    writeProfile('later', { command: 'agent' });
    lanes.refresh();
    expect(lanes.resolve('later')).toMatchObject({ kind: 'profile_broken' });
  });

  it('fixes a lane within one refresh when its missing program gets installed, and breaks it when removed', () => {
    writeProfile('claude', { command: ['claude', '-p', '{prompt}'] });
    const lanes = resolver();
    expect(lanes.resolve('claude').kind).toBe('profile_broken');
    const before = lanes.version();
    expect(lanes.refresh()).toBe(false);
    installProgram('claude');
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('claude').kind).toBe('profile');
    expect(lanes.version()).toBe(before + 1);
    fs.rmSync(path.join(binDir, 'claude'));
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('claude')).toMatchObject({
      kind: 'profile_broken',
      problem: '`claude` not found on PATH',
    });
  });

  it('moves version() only when something a caller can see changed', () => {
    installProgram('agent');
    writeProfile('worker', { command: ['agent'] });
    const lanes = resolver();
    const start = lanes.version();
    expect(lanes.refresh()).toBe(false);
    expect(lanes.refresh()).toBe(false);
    expect(lanes.version()).toBe(start);

    // Rewriting the same content changes mtime but not the resolution.
    writeProfile('worker', { command: ['agent'] });
    writeLanes({ lanes: {} });
    lanes.refresh();
    const afterEmptyLanes = lanes.version();
    writeLanes({ lanes: {} });
    expect(lanes.refresh()).toBe(false);
    expect(lanes.version()).toBe(afterEmptyLanes);

    writeLanes({ lanes: { 'orion-cc': { kind: 'terminal' } } });
    expect(lanes.refresh()).toBe(true);
    expect(lanes.version()).toBe(afterEmptyLanes + 1);

    fs.writeFileSync(paths.settingsFile, '{"dispatcher": {"tickMs": 500}}');
    expect(lanes.refresh()).toBe(true);
    expect(lanes.settings().dispatcher.tickMs).toBe(500);
    expect(lanes.version()).toBe(afterEmptyLanes + 2);
  });

  it('lists misnamed profile folders among the problems', () => {
    fs.mkdirSync(path.join(paths.profiles, 'Orion-CC'), { recursive: true });
    const lanes = resolver();
    expect(lanes.problems()).toEqual([
      'profiles/Orion-CC: ignored — a profile folder name must be a lane name; rename it to "orion-cc"',
    ]);
    expect(lanes.resolve('orion-cc')).toMatchObject({ kind: 'terminal', declared: false });
  });

  it('calls onChange listeners on a change and stops after unsubscribe or close', () => {
    installProgram('agent');
    const lanes = resolver();
    const listener = vi.fn();
    const unsubscribe = lanes.onChange(listener);
    writeProfile('one', { command: ['agent'] });
    lanes.refresh();
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    writeProfile('two', { command: ['agent'] });
    lanes.refresh();
    expect(listener).toHaveBeenCalledTimes(1);
    lanes.close();
    expect(lanes.refresh()).toBe(false);
  });
});

describe('LaneResolver.refresh while the profiles folder is quiet (its listing is not read again)', () => {
  /** A clock far enough ahead that folders written a moment ago count as settled. */
  const later = (): number => Date.now() + 60_000;

  const readdirCalls = (action: () => void): string[] => fsPathsDuring(['readdirSync'], action);

  it('does not list a settled, unchanged folder, but does list one changed just now', () => {
    installProgram('agent');
    writeProfile('alpha', { command: ['agent'] });
    const settled = resolver({ now: later });
    settled.refresh();
    expect(readdirCalls(() => settled.refresh())).not.toContain(paths.profiles);
    // Real clock: the folder was written within the timestamp granularity, so it is read every time.
    const recent = resolver();
    recent.refresh();
    expect(readdirCalls(() => recent.refresh())).toContain(paths.profiles);
  });

  it('sees a profile folder created, renamed and removed at the next refresh', () => {
    installProgram('agent');
    writeProfile('alpha', { command: ['agent'] });
    const lanes = resolver({ now: later });
    lanes.refresh();
    lanes.refresh();
    writeProfile('beta', { command: ['agent'] });
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('beta').kind).toBe('profile');
    nextTimestampTick(paths.profiles);
    fs.renameSync(path.join(paths.profiles, 'beta'), path.join(paths.profiles, 'gamma'));
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('beta').kind).toBe('terminal');
    expect(lanes.resolve('gamma').kind).toBe('profile');
    nextTimestampTick(paths.profiles);
    fs.rmSync(path.join(paths.profiles, 'gamma'), { recursive: true });
    expect(lanes.refresh()).toBe(true);
    expect(lanes.profileNames()).toEqual(['alpha']);
  });

  it('sees the profiles folder replaced by another one', () => {
    installProgram('agent');
    writeProfile('alpha', { command: ['agent'] });
    const lanes = resolver({ now: later });
    lanes.refresh();
    const replacement = path.join(root, 'profiles.new');
    fs.mkdirSync(path.join(replacement, 'beta'), { recursive: true });
    fs.writeFileSync(path.join(replacement, 'beta', 'profile.json'), JSON.stringify({ command: ['agent'] }));
    fs.rmSync(paths.profiles, { recursive: true });
    fs.renameSync(replacement, paths.profiles);
    expect(lanes.refresh()).toBe(true);
    expect(lanes.profileNames()).toEqual(['beta']);
  });

  it('sees an edit of profile.json that keeps its size and puts its old mtime back', () => {
    installProgram('agent');
    writeProfile('alpha', { command: ['agent'], maxConcurrent: 1 });
    const file = path.join(paths.profiles, 'alpha', 'profile.json');
    // A whole second, so that putting it back is exact (utimes takes seconds as a double).
    const oldTime = Math.floor(Date.now() / 1000) - 100;
    fs.utimesSync(file, oldTime, oldTime);
    const before = fs.statSync(file);
    const lanes = resolver({ now: later });
    lanes.refresh();
    writeProfile('alpha', { command: ['agent'], maxConcurrent: 2 });
    fs.utimesSync(file, oldTime, oldTime);
    const after = fs.statSync(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(lanes.refresh()).toBe(true);
    expect(limitOf(lanes, 'alpha')).toBe(2);
  });

  it('looks up the program an edited profile names now, not the one it named before', () => {
    writeProfile('alpha', { command: ['first-agent'] });
    const lanes = resolver({ now: later });
    lanes.refresh();
    lanes.refresh();
    writeProfile('alpha', { command: ['second-agent'] });
    lanes.refresh();
    expect(lanes.resolve('alpha')).toMatchObject({ problem: '`second-agent` not found on PATH' });
    lanes.refresh();
    installProgram('second-agent');
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('alpha').kind).toBe('profile');
  });
});

describe('LaneResolver watching', () => {
  it('picks up a new profile without refresh() when watching', async () => {
    installProgram('agent');
    const lanes = resolver({ watch: true });
    writeProfile('watched', { command: ['agent'] });
    await vi.waitFor(() => expect(lanes.resolve('watched').kind).toBe('profile'), {
      timeout: 5000,
      interval: 20,
    });
    fs.writeFileSync(paths.lanesFile, JSON.stringify({ lanes: { 'orion-cc': {} } }));
    await vi.waitFor(() => expect(lanes.resolve('orion-cc')).toMatchObject({ declared: true }), {
      timeout: 5000,
      interval: 20,
    });
  });

  /** The profile.json files `action` stat'ed. */
  const profileStats = (action: () => void): string[] =>
    fsPathsDuring(['statSync'], action).filter((file) => file.endsWith(`${path.sep}profile.json`));

  it('stats 2 of the watched profile files per refresh, each one in its turn', () => {
    installProgram('agent');
    const names = Array.from({ length: 32 }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
    for (const name of names) writeProfile(name, { command: ['agent'] });
    const lanes = resolver({ watch: true, now: () => Date.now() + 60_000 });
    lanes.refresh();
    const seen = new Set<string>();
    // 35 turns: profiles/'s listing, lanes.json, settings.json, then the 32 files.
    for (let i = 0; i < 18; i++) {
      const stats = profileStats(() => lanes.refresh());
      expect(stats.length).toBeLessThanOrEqual(2);
      for (const file of stats) seen.add(file);
    }
    expect(seen.size).toBe(32);
    // 150 profiles, as on the bench's "large" board: still 2 a refresh (a 1/16 share was 10).
    for (let i = 32; i < 150; i++)
      writeProfile(`agent-${String(i).padStart(3, '0')}`, { command: ['agent'] });
    const many = resolver({ watch: true, now: () => Date.now() + 60_000 });
    many.refresh();
    const seenOfMany = new Set<string>();
    for (let i = 0; i < 77; i++) {
      const stats = profileStats(() => many.refresh());
      expect(stats.length).toBeLessThanOrEqual(2);
      for (const file of stats) seenOfMany.add(file);
    }
    expect(seenOfMany.size).toBe(150);
    // Not watching: every file, every refresh (the watchers are what makes skipping safe).
    const unwatched = resolver({ watch: false, now: () => Date.now() + 60_000 });
    unwatched.refresh();
    expect(profileStats(() => unwatched.refresh())).toHaveLength(150);
  });

  it('hears of an in-place edit of a watched profile.json that hides from stat, also in a folder made again', async () => {
    installProgram('agent');
    for (let i = 0; i < 32; i++) writeProfile(`agent-${i}`, { command: ['agent'], maxConcurrent: 1 });
    const file = path.join(paths.profiles, 'agent-7', 'profile.json');
    const oldTime = Math.floor(Date.now() / 1000) - 100;
    fs.utimesSync(file, oldTime, oldTime);
    const lanes = resolver({ watch: true, now: () => Date.now() + 60_000 });
    lanes.refresh();
    expect(limitOf(lanes, 'agent-7')).toBe(1);
    // Same size, same inode, old mtime put back. Nothing here calls refresh(): only the watcher
    // (which marks the resolver dirty and refreshes it) can make the change seen.
    fs.writeFileSync(file, JSON.stringify({ command: ['agent'], maxConcurrent: 2 }));
    fs.utimesSync(file, oldTime, oldTime);
    await vi.waitFor(() => expect(limitOf(lanes, 'agent-7')).toBe(2), { timeout: 5000, interval: 10 });
    // The folder removed and made again under the same name: the old watch followed the old folder,
    // so the new one needs its own, or its edits would go unheard while refresh() skips the file.
    const folder = path.join(paths.profiles, 'agent-7');
    fs.rmSync(folder, { recursive: true });
    writeProfile('agent-7', { command: ['agent'], maxConcurrent: 3 });
    await vi.waitFor(() => expect(limitOf(lanes, 'agent-7')).toBe(3), { timeout: 5000, interval: 10 });
    // Let the debounced reload of that burst finish before the next edit.
    // (vi.waitFor gives up after 1 s unless told: 5 s, as the other waits here.)
    await vi.waitFor(() => expect(profileStats(() => lanes.refresh()).length).toBeLessThanOrEqual(2), {
      timeout: 5000,
      interval: 10,
    });
    fs.writeFileSync(
      path.join(folder, 'profile.json'),
      JSON.stringify({ command: ['agent'], maxConcurrent: 4 }),
    );
    await vi.waitFor(() => expect(limitOf(lanes, 'agent-7')).toBe(4), { timeout: 5000, interval: 10 });
  });

  /** How often `action` stat'ed profiles/, lanes.json and settings.json. */
  function topLevelStats(action: () => void): Record<'profiles' | 'lanes' | 'settings', number> {
    const stated = fsPathsDuring(['statSync'], action);
    const count = (file: string) => stated.filter((seen) => seen === file).length;
    return {
      profiles: count(paths.profiles),
      lanes: count(paths.lanesFile),
      settings: count(paths.settingsFile),
    };
  }

  it('stats profiles/, lanes.json and settings.json only in their turn while the home and profiles/ are watched', () => {
    installProgram('agent');
    for (let i = 0; i < 20; i++) writeProfile(`agent-${i}`, { command: ['agent'] });
    writeLanes({ lanes: { human: {} } });
    fs.writeFileSync(paths.settingsFile, '{}');
    const lanes = resolver({ watch: true, now: () => Date.now() + 60_000 });
    lanes.refresh();
    // 23 turns, 2 a refresh: each of the three once or twice in 12 refreshes (it was every refresh).
    const seen = { profiles: 0, lanes: 0, settings: 0 };
    for (let i = 0; i < 12; i++) {
      const counts = topLevelStats(() => expect(lanes.refresh()).toBe(false));
      seen.profiles += counts.profiles;
      seen.lanes += counts.lanes;
      seen.settings += counts.settings;
    }
    for (const count of Object.values(seen)) expect([1, 2]).toContain(count);
    // Not watching: all three every refresh.
    const unwatched = resolver({ watch: false, now: () => Date.now() + 60_000 });
    unwatched.refresh();
    expect(topLevelStats(() => unwatched.refresh())).toEqual({ profiles: 1, lanes: 1, settings: 1 });
  });

  it('hears lanes.json and settings.json replaced by rename, and profiles/ replaced, without refresh()', async () => {
    installProgram('agent');
    writeProfile('coder', { command: ['agent'] });
    writeLanes({ lanes: { coder: {} } });
    const lanes = resolver({ watch: true, now: () => Date.now() + 60_000 });
    lanes.refresh();
    expect(lanes.laneConfig('coder').paused).toBe(false);
    // As editors and `switchyard lanes` in another process save: a temporary file renamed over it.
    const replace = (file: string, content: unknown): void => {
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(content));
      fs.renameSync(`${file}.tmp`, file);
    };
    replace(paths.lanesFile, { lanes: { coder: { paused: true } } });
    await vi.waitFor(() => expect(lanes.laneConfig('coder').paused).toBe(true), {
      timeout: 5000,
      interval: 10,
    });
    replace(paths.settingsFile, { dispatcher: { tickMs: 1234 } });
    await vi.waitFor(() => expect(lanes.settings().dispatcher.tickMs).toBe(1234), {
      timeout: 5000,
      interval: 10,
    });
    // profiles/ replaced by another folder renamed into place: its old watcher followed the old one.
    const other = path.join(paths.home, 'profiles.new');
    fs.mkdirSync(path.join(other, 'writer'), { recursive: true });
    fs.writeFileSync(path.join(other, 'writer', 'profile.json'), JSON.stringify({ command: ['agent'] }));
    fs.renameSync(paths.profiles, path.join(paths.home, 'profiles.old'));
    fs.renameSync(other, paths.profiles);
    await vi.waitFor(() => expect(lanes.profileNames()).toEqual(['writer']), { timeout: 5000, interval: 10 });
  });

  it('still sees a change no watcher reports, within one turn of the rotation', () => {
    installProgram('agent');
    for (let i = 0; i < 9; i++) writeProfile(`agent-${i}`, { command: ['agent'] });
    writeLanes({ lanes: { 'agent-1': {} } });
    // Watchers that are up but never report (a network file system, a dropped inotify queue).
    const watch = fs.watch;
    const deaf = vi
      .spyOn(fs, 'watch')
      .mockImplementation(((target: fs.PathLike, options: fs.WatchOptions) =>
        watch(target, options, () => undefined)) as typeof fs.watch);
    try {
      const lanes = resolver({ watch: true, now: () => Date.now() + 60_000 });
      lanes.refresh();
      // 12 turns, 2 a refresh: everything is stat'ed once in 6 refreshes.
      const refreshesUntil = (seen: () => boolean): number => {
        for (let refreshes = 1; refreshes <= 6; refreshes++) {
          lanes.refresh();
          if (seen()) return refreshes;
        }
        return Number.POSITIVE_INFINITY;
      };
      nextTimestampTick(paths.lanesFile);
      fs.writeFileSync(`${paths.lanesFile}.tmp`, JSON.stringify({ lanes: { 'agent-1': { paused: true } } }));
      fs.renameSync(`${paths.lanesFile}.tmp`, paths.lanesFile);
      expect(refreshesUntil(() => lanes.laneConfig('agent-1').paused)).toBeLessThanOrEqual(6);
      nextTimestampTick(paths.settingsFile);
      fs.writeFileSync(paths.settingsFile, JSON.stringify({ dispatcher: { tickMs: 4321 } }));
      expect(refreshesUntil(() => lanes.settings().dispatcher.tickMs === 4321)).toBeLessThanOrEqual(6);
      writeProfile('agent-new', { command: ['agent'] });
      expect(refreshesUntil(() => lanes.resolve('agent-new').kind === 'profile')).toBeLessThanOrEqual(6);
    } finally {
      deaf.mockRestore();
    }
  });

  it('does not stat a found program while its folder is watched and silent, and breaks its lane once it is removed', async () => {
    installProgram('agent');
    writeProfile('coder', { command: ['agent'] });
    const lanes = resolver({ watch: true, now: () => Date.now() + 60_000 });
    lanes.refresh();
    lanes.refresh();
    const program = path.join(binDir, 'agent');
    const programStats = (): number =>
      fsPathsDuring(['statSync'], () => lanes.refresh()).filter((file) => file === program).length;
    // Once in 16 refreshes at most (the folder's stat as insurance), where it was every refresh.
    let stats = 0;
    for (let i = 0; i < 16; i++) stats += programStats();
    expect(stats).toBeLessThanOrEqual(1);
    expect(lanes.resolve('coder').kind).toBe('profile');
    fs.chmodSync(program, 0o644);
    await vi.waitFor(
      () => {
        lanes.refresh();
        expect(lanes.resolve('coder').kind).toBe('profile_broken');
      },
      { timeout: 5000, interval: 10 },
    );
  });

  it('does not throw when the home does not exist yet or the profiles folder is removed', () => {
    paths = homePaths(path.join(root, 'not', 'yet', 'home'));
    const lanes = resolver({ watch: true });
    fs.rmSync(paths.profiles, { recursive: true });
    expect(() => lanes.refresh()).not.toThrow();
    expect(lanes.profileNames()).toEqual([]);
    installProgram('agent');
    writeProfile('back', { command: ['agent'] });
    expect(lanes.refresh()).toBe(true);
    expect(lanes.resolve('back').kind).toBe('profile');
  });

  it('survives a home folder it cannot create', () => {
    fs.writeFileSync(path.join(root, 'file'), '');
    paths = homePaths(path.join(root, 'file', 'home'));
    const lanes = resolver({ watch: true });
    expect(lanes.resolve('x').kind).toBe('terminal');
    expect(lanes.refresh()).toBe(false);
  });
});

describe('lanes.json agent settings', () => {
  it('reads requireApproval and budget.usdPerDay, and says what is wrong with bad ones', () => {
    const parsed = parseLanesFile({
      lanes: {
        coder: { requireApproval: true, budget: { usdPerDay: 2.5 } },
        bad: { requireApproval: 'yes', budget: { usdPerDay: -1 } },
        odd: { budget: { dollars: 3 } },
      },
    });
    expect(parsed.lanes.get('coder')).toMatchObject({ requireApproval: true, budgetUsdPerDay: 2.5 });
    expect(parsed.lanes.get('bad')).toMatchObject({ requireApproval: false, budgetUsdPerDay: null });
    expect(parsed.problem).toBe(
      'lanes.json: lanes.bad.requireApproval: must be true or false; ' +
        'lanes.bad.budget: must be like {"usdPerDay": 5} (a positive amount in US dollars); ' +
        'lanes.odd.budget: must be like {"usdPerDay": 5} (a positive amount in US dollars)',
    );
  });
});
