import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { homePaths, type HomePaths } from './home';
import { LaneResolver } from './lanes';
import { lookupProgram } from './profiles';
import { MissingProgramCache } from './programLookup';
import { nextTimestampTick } from '../../../test/helpers/fsClock';
import { fsPathsDuring } from '../../../test/helpers/fsCalls';

// The PATH search cache of the lane resolver (performance issue 6, target 1). Every test here must
// fail if the cache ever hides a program that a plain PATH search would find.

let root: string;
let binA: string;
let binB: string;
let pathEnv: string;

/** A clock far enough ahead that folders written a moment ago count as settled. */
const later = (): number => Date.now() + 60_000;

/** A program renamed from one folder to another, after the next timestamp tick (as writeProgram). */
function moveProgram(from: string, to: string): void {
  nextTimestampTick(path.dirname(from), path.dirname(to));
  fs.renameSync(from, to);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-program-lookup-'));
  binA = path.join(root, 'bin-a');
  binB = path.join(root, 'bin-b');
  fs.mkdirSync(binA);
  fs.mkdirSync(binB);
  pathEnv = [binA, binB, path.join(root, 'not-there')].join(path.delimiter);
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

/** With the clock `later`, each change waits for the next timestamp tick (test/helpers/fsClock.ts). */
function writeProgram(file: string, mode = 0o755): void {
  nextTimestampTick(path.dirname(file), file);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, mode);
}

/** One resolver-style round: a pass, then the lookup. */
function lookUp(cache: MissingProgramCache, program: string) {
  cache.newPass();
  return lookupProgram(program, pathEnv, cache);
}

/** Paths passed to fs.statSync / fs.lstatSync while `action` runs. */
const statCalls = (action: () => void): string[] => fsPathsDuring(['statSync', 'lstatSync'], action);

describe('MissingProgramCache with lookupProgram', () => {
  it('stats each PATH folder once per pass and no longer stats a program known to be absent', () => {
    const cache = new MissingProgramCache({ now: later });
    expect(lookUp(cache, 'agent').ok).toBe(false);
    const calls = statCalls(() => {
      cache.newPass();
      for (const program of ['agent', 'agent', 'agent']) {
        expect(lookupProgram(program, pathEnv, cache).ok).toBe(false);
      }
    });
    expect(calls.sort()).toEqual([binA, binB, path.join(root, 'not-there')].sort());
  });

  it('finds a program created in a PATH folder after it was cached as absent', () => {
    const cache = new MissingProgramCache({ now: later });
    expect(lookUp(cache, 'agent').ok).toBe(false);
    expect(lookUp(cache, 'agent').ok).toBe(false);
    writeProgram(path.join(binB, 'agent'));
    expect(lookUp(cache, 'agent')).toEqual({ ok: true, programPath: path.join(binB, 'agent') });
  });

  it('finds a program renamed into a PATH folder', () => {
    const cache = new MissingProgramCache({ now: later });
    const staged = path.join(root, 'staged-agent');
    writeProgram(staged);
    expect(lookUp(cache, 'agent').ok).toBe(false);
    moveProgram(staged, path.join(binA, 'agent'));
    expect(lookUp(cache, 'agent')).toEqual({ ok: true, programPath: path.join(binA, 'agent') });
  });

  it('finds a program whose folder appears on PATH later', () => {
    const cache = new MissingProgramCache({ now: later });
    expect(lookUp(cache, 'agent').ok).toBe(false);
    fs.mkdirSync(path.join(root, 'not-there'));
    writeProgram(path.join(root, 'not-there', 'agent'));
    expect(lookUp(cache, 'agent').ok).toBe(true);
  });

  it('sees `chmod +x` of a file that was already there (existing entries are never cached)', () => {
    const cache = new MissingProgramCache({ now: later });
    writeProgram(path.join(binA, 'agent'), 0o644);
    expect(lookUp(cache, 'agent').ok).toBe(false);
    expect(lookUp(cache, 'agent').ok).toBe(false);
    fs.chmodSync(path.join(binA, 'agent'), 0o755);
    expect(lookUp(cache, 'agent').ok).toBe(true);
  });

  it('sees the target of a dangling symlink appear', () => {
    const cache = new MissingProgramCache({ now: later });
    const target = path.join(root, 'elsewhere', 'agent');
    fs.symlinkSync(target, path.join(binA, 'agent'));
    expect(lookUp(cache, 'agent').ok).toBe(false);
    expect(lookUp(cache, 'agent').ok).toBe(false);
    fs.mkdirSync(path.dirname(target));
    writeProgram(target);
    expect(lookUp(cache, 'agent').ok).toBe(true);
  });

  it('sees a PATH folder replaced by another one with the program', () => {
    const cache = new MissingProgramCache({ now: later });
    expect(lookUp(cache, 'agent').ok).toBe(false);
    const replacement = path.join(root, 'bin-a.new');
    fs.mkdirSync(replacement);
    writeProgram(path.join(replacement, 'agent'));
    fs.rmSync(binA, { recursive: true });
    fs.renameSync(replacement, binA);
    expect(lookUp(cache, 'agent').ok).toBe(true);
  });

  it('does not remember absences in a folder changed within the timestamp granularity', () => {
    // Real clock: binA and binB were written just now, so a creation in the same timestamp quantum
    // could leave their mtime as it is. Every lookup must then really look.
    const cache = new MissingProgramCache();
    expect(lookUp(cache, 'agent').ok).toBe(false);
    const calls = statCalls(() => expect(lookUp(cache, 'agent').ok).toBe(false));
    expect(calls).toContain(path.join(binA, 'agent'));
    expect(calls).toContain(path.join(binB, 'agent'));
  });

  it('lists a folder changed just now once per pass when many programs are asked; sees a later install', () => {
    const cache = new MissingProgramCache(); // real clock: binA and binB were written just now
    const programs = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    const listed: string[] = [];
    const readdir = fs.readdirSync;
    vi.spyOn(fs, 'readdirSync').mockImplementation(((dir: fs.PathLike, options?: never) => {
      listed.push(String(dir));
      return readdir(dir, options);
    }) as typeof fs.readdirSync);
    const calls = statCalls(() => {
      cache.newPass();
      for (const program of programs) expect(lookupProgram(program, pathEnv, cache).ok).toBe(false);
    });
    expect(listed.sort()).toEqual([binA, binB].sort());
    // Only the first few programs are looked up one by one (stat + lstat) in each folder.
    const inBinA = calls.filter((file) => path.dirname(file) === binA);
    expect(inBinA.length).toBe(2 * MissingProgramCache.LIST_AFTER);
    // A program installed after that listing is found at the next pass, even when asked last.
    writeProgram(path.join(binA, 'agent-9'));
    cache.newPass();
    for (const program of programs.slice(0, 9)) expect(lookupProgram(program, pathEnv, cache).ok).toBe(false);
    expect(lookupProgram('agent-9', pathEnv, cache)).toEqual({
      ok: true,
      programPath: path.join(binA, 'agent-9'),
    });
  });

  it('lists a settled folder once in a pass asking many programs not remembered yet, and remembers what it lacks', () => {
    // The engine's start: every broken profile's program asked in one pass, nothing remembered.
    const cache = new MissingProgramCache({ now: later });
    writeProgram(path.join(binB, 'agent-7'));
    const programs = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    const calls = statCalls(() => {
      cache.newPass();
      for (const program of programs)
        expect(lookupProgram(program, pathEnv, cache).ok).toBe(program === 'agent-7');
    });
    // The first few one by one (stat + lstat) in each folder, then the listing answers.
    expect(calls.filter((file) => path.dirname(file) === binA)).toHaveLength(
      2 * MissingProgramCache.LIST_AFTER,
    );
    // What binA's listing lacked is remembered: the next pass stats no program there.
    const next = statCalls(() => lookUp(cache, 'agent-3'));
    expect(next.filter((file) => path.dirname(file) === binA)).toEqual([]);
    // A program installed since is found.
    writeProgram(path.join(binA, 'agent-9'));
    expect(lookUp(cache, 'agent-9')).toEqual({ ok: true, programPath: path.join(binA, 'agent-9') });
  });

  it('never calls a program absent from a listing that holds it in another case or Unicode form', () => {
    writeProgram(path.join(binA, 'Agent'));
    writeProgram(path.join(binA, 'cafe\u0301')); // "café", decomposed
    const cache = new MissingProgramCache();
    cache.newPass();
    for (let i = 0; i <= MissingProgramCache.LIST_AFTER; i++) cache.knownAbsent(binA, `other-${i}`);
    expect(cache.knownAbsent(binA, 'agent')).toBe(false);
    expect(cache.knownAbsent(binA, 'caf\u00e9')).toBe(false);
    expect(cache.knownAbsent(binA, 'not-here')).toBe(true);
  });

  it('remembers absences once the folder has been quiet for longer than the granularity', () => {
    let now = Date.now();
    const cache = new MissingProgramCache({ now: () => now });
    expect(lookUp(cache, 'agent').ok).toBe(false);
    now += MissingProgramCache.RECENT_CHANGE_MS + 1000;
    expect(lookUp(cache, 'agent').ok).toBe(false); // settled now: this pass records
    const calls = statCalls(() => expect(lookUp(cache, 'agent').ok).toBe(false));
    expect(calls).not.toContain(path.join(binA, 'agent'));
  });
});

describe('MissingProgramCache watching its PATH folders', () => {
  const caches: MissingProgramCache[] = [];
  afterEach(() => {
    for (const cache of caches.splice(0)) cache.close();
  });
  const watchingCache = (): MissingProgramCache => {
    const cache = new MissingProgramCache({ now: later, watch: true });
    caches.push(cache);
    return cache;
  };

  it('stats a silent watched folder once in UNHEARD_PASSES passes, a missing one every pass', () => {
    const cache = watchingCache();
    // The first pass stats every folder, the second sets up the watchers before its stat.
    expect(lookUp(cache, 'agent').ok).toBe(false);
    expect(lookUp(cache, 'agent').ok).toBe(false);
    const perFolder = new Map<string, number>();
    for (let pass = 0; pass < MissingProgramCache.UNHEARD_PASSES + 1; pass++) {
      for (const file of statCalls(() => expect(lookUp(cache, 'agent').ok).toBe(false)))
        perFolder.set(file, (perFolder.get(file) ?? 0) + 1);
    }
    expect(perFolder.get(binA)).toBe(1);
    expect(perFolder.get(binB)).toBe(1);
    expect(perFolder.get(path.join(root, 'not-there'))).toBe(MissingProgramCache.UNHEARD_PASSES + 1);
    // Without watching, every folder every pass.
    const plain = new MissingProgramCache({ now: later });
    lookUp(plain, 'agent');
    expect(statCalls(() => lookUp(plain, 'agent')).sort()).toEqual(
      [binA, binB, path.join(root, 'not-there')].sort(),
    );
  });

  it('finds a program installed into a silent watched folder as soon as the watcher reports it', async () => {
    const cache = watchingCache();
    for (let pass = 0; pass < 3; pass++) expect(lookUp(cache, 'agent').ok).toBe(false);
    writeProgram(path.join(binB, 'agent'));
    await vi.waitFor(() => expect(lookUp(cache, 'agent').ok).toBe(true), { timeout: 5000, interval: 10 });
    moveProgram(path.join(binB, 'agent'), path.join(root, 'agent'));
    await vi.waitFor(() => expect(lookUp(cache, 'agent').ok).toBe(false), { timeout: 5000, interval: 10 });
    // Renamed into the other folder: its watcher reports it too.
    moveProgram(path.join(root, 'agent'), path.join(binA, 'agent'));
    await vi.waitFor(
      () => expect(lookUp(cache, 'agent')).toEqual({ ok: true, programPath: path.join(binA, 'agent') }),
      {
        timeout: 5000,
        interval: 10,
      },
    );
  });
});

describe('MissingProgramCache, a PATH whose folder was changed just now', () => {
  it('knows a program is on none of its folders once they are all trusted, without asking each folder', () => {
    let ahead = 0;
    const cache = new MissingProgramCache({ now: () => Date.now() + ahead });
    const perFolder = vi.spyOn(MissingProgramCache.prototype, 'knownAbsent');
    // binA and binB were made a moment ago: not trusted, each folder asked.
    expect(lookUp(cache, 'agent').ok).toBe(false);
    expect(perFolder).toHaveBeenCalled();
    ahead = 60_000;
    expect(lookUp(cache, 'agent').ok).toBe(false);
    perFolder.mockClear();
    for (let pass = 0; pass < 3; pass++) expect(lookUp(cache, 'agent').ok).toBe(false);
    // The search made while they were not trusted had kept it folder by folder for good.
    expect(perFolder).not.toHaveBeenCalled();
    writeProgram(path.join(binB, 'agent'));
    expect(lookUp(cache, 'agent').ok).toBe(true);
  });
});

describe('MissingProgramCache watching a folder changed just now', () => {
  const caches: MissingProgramCache[] = [];
  afterEach(() => {
    for (const cache of caches.splice(0)) cache.close();
  });

  it('remembers absences in it once its watcher is up, and forgets them when the watcher reports', async () => {
    // The real clock: binA and binB were made a moment ago, so their timestamps alone are not trusted.
    const cache = new MissingProgramCache({ watch: true });
    caches.push(cache);
    const programs = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const lookAll = (): boolean[] => {
      cache.newPass();
      return programs.map((program) => lookupProgram(program, pathEnv, cache).ok);
    };
    // The first pass stats every folder, the second sets up the watchers before its stat.
    lookAll();
    lookAll();
    // Without the watchers' word: each folder listed (or each program stat'ed) every pass.
    const calls = statCalls(() => expect(lookAll()).toEqual(programs.map(() => false)));
    expect(calls.filter((file) => file.startsWith(binA) || file.startsWith(binB))).toEqual([]);
    const listed = vi.spyOn(fs, 'readdirSync');
    lookAll();
    expect(listed).not.toHaveBeenCalled();
    listed.mockRestore();
    // Installed in the same timestamp tick as the folder's last change: only the watcher can tell.
    fs.writeFileSync(path.join(binB, 'a3'), '#!/bin/sh\nexit 0\n');
    fs.chmodSync(path.join(binB, 'a3'), 0o755);
    await vi.waitFor(() => expect(lookAll()[2]).toBe(true), { timeout: 5000, interval: 10 });
  });

  it('says a folder is unchanged only while its watcher, up before its last stat, is silent', async () => {
    const cache = new MissingProgramCache({ now: later, watch: true });
    caches.push(cache);
    const pass = (): boolean => {
      cache.newPass();
      return cache.unchangedFolder(binA);
    };
    expect(pass()).toBe(false); // first stat, no watcher yet
    expect(pass()).toBe(false); // the watcher set up, then the stat
    expect(pass()).toBe(true);
    expect(statCalls(() => expect(pass()).toBe(true))).toEqual([]);
    fs.chmodSync(binA, 0o755);
    fs.writeFileSync(path.join(binA, 'x'), '');
    fs.chmodSync(path.join(binA, 'x'), 0o700);
    await vi.waitFor(() => expect(pass()).toBe(false), { timeout: 5000, interval: 10 });
    expect(pass()).toBe(true);
    // Without watching, never.
    const plain = new MissingProgramCache({ now: later });
    plain.newPass();
    plain.unchangedFolder(binA);
    plain.newPass();
    expect(plain.unchangedFolder(binA)).toBe(false);
  });
});

describe('LaneResolver with the PATH search cache', () => {
  let paths: HomePaths;
  let resolver: LaneResolver;

  beforeEach(() => {
    paths = homePaths(path.join(root, 'home'));
    fs.mkdirSync(paths.home);
    for (const [name, program] of [
      ['alpha', 'alpha-agent'],
      ['beta', 'beta-agent'],
    ]) {
      fs.mkdirSync(path.join(paths.profiles, name as string), { recursive: true });
      fs.writeFileSync(
        path.join(paths.profiles, name as string, 'profile.json'),
        JSON.stringify({ command: [program, '{prompt}'] }),
      );
    }
    resolver = new LaneResolver(paths, { pathEnv, watch: false, now: later });
  });

  afterEach(() => resolver.close());

  it('fixes a lane at the next refresh when its program is installed, renamed in or made executable', () => {
    resolver.refresh();
    resolver.refresh();
    expect(resolver.resolve('alpha').kind).toBe('profile_broken');
    expect(resolver.resolve('beta').kind).toBe('profile_broken');

    writeProgram(path.join(binB, 'alpha-agent'));
    resolver.refresh();
    expect(resolver.resolve('alpha').kind).toBe('profile');

    writeProgram(path.join(binA, 'beta-agent'), 0o600);
    resolver.refresh();
    expect(resolver.resolve('beta')).toMatchObject({ kind: 'profile_broken' });
    fs.chmodSync(path.join(binA, 'beta-agent'), 0o755);
    resolver.refresh();
    expect(resolver.resolve('beta').kind).toBe('profile');

    moveProgram(path.join(binB, 'alpha-agent'), path.join(root, 'alpha-agent'));
    resolver.refresh();
    expect(resolver.resolve('alpha').kind).toBe('profile_broken');
    moveProgram(path.join(root, 'alpha-agent'), path.join(binA, 'alpha-agent'));
    resolver.refresh();
    expect(resolver.resolve('alpha')).toMatchObject({ kind: 'profile' });
  });

  it('looks at each PATH folder once per idle refresh, not once per missing program', () => {
    resolver.refresh();
    const calls = statCalls(() => resolver.refresh());
    const onPath = calls.filter((file) => !file.startsWith(paths.home));
    expect(onPath.sort()).toEqual([binA, binB, path.join(root, 'not-there')].sort());
  });
});
