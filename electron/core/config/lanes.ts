import fs from 'node:fs';
import path from 'node:path';
import { SLUG_PATTERN } from '../../../shared/constants';
import type { HomePaths } from './home';
import { loadLanesFile, type LaneConfig } from './lanesFile';
import {
  PROFILE_FILE,
  listProfileFolders,
  readProfile,
  isExecutableFile,
  lookupProgram,
  programSearch,
  type Profile,
  type ProfileCheck,
} from './profiles';
import { folderIdentity, type FolderIdentity } from './folderIdentity';
import { MissingProgramCache } from './programLookup';
import { loadSettings, type LoadedSettings, type Settings } from './settings';

export { updateLaneConfig, type LaneConfig, type LaneConfigPatch } from './lanesFile';
export { awaitsApproval, effectiveLaneSettings } from './effectiveLaneSettings';

/**
 * Lane resolution (docs/architecture.md §3): what kind of lane an assignee names, in this order —
 *   1. `profile`: a valid, runnable profile exists;
 *   2. `profile_broken`: the profile folder exists but the profile is invalid or its program missing;
 *   3. `terminal`: declared in lanes.json, or any other name (never spawned).
 *
 * The dispatcher asks for every ready task on every tick, so answers come from memory: the
 * filesystem is looked at by watchers and by one cheap `refresh()` per tick — never once per task
 * (the flaw of Hermes' per-row profile check, reference/hermes-pr-20165).
 */

export type LaneResolution =
  | { kind: 'profile'; name: string; profile: Profile }
  | { kind: 'profile_broken'; name: string; problem: string }
  | { kind: 'terminal'; name: string; declared: boolean; hint: string | null };

export interface DeclaredLane {
  name: string;
  paused: boolean;
  maxConcurrent: number | null;
  description: string | null;
  requireApproval: boolean;
  budgetUsdPerDay: number | null;
}

/** How a lane runs: whether the dispatcher may start its tasks, and how many at once. */
export interface EffectiveLaneSettings {
  paused: boolean;
  maxConcurrent: number;
  /** docs/architecture.md §10 (lanes.json only): its ready tasks wait for approval before they start. */
  requireApproval: boolean;
  /** docs/architecture.md §10 (lanes.json only): the daily budget in US dollars, or null. */
  budgetUsdPerDay: number | null;
}

export interface LaneResolverOptions {
  /** The PATH workers are started with (default process.env.PATH). */
  pathEnv?: string;
  /** Watch the files for changes (default true); refresh() alone is enough to be correct. */
  watch?: boolean;
  /** The clock the PATH search cache compares folder timestamps with (tests move it). */
  now?: () => number;
}

export const undeclaredLaneHint = (name: string): string =>
  `no profile named "${name}" — add profiles/${name}/profile.json to make it spawnable, or declare it in lanes.json`;

interface Snapshot {
  profiles: Map<string, ProfileCheck>;
  profileFolderProblems: string[];
  lanes: Map<string, LaneConfig>;
  lanesProblem: string | null;
  settings: LoadedSettings;
}

/** Cheap identity of every file a resolution depends on: names, mtimes, sizes, inodes. */
interface Fingerprint {
  listing: string;
  profileFiles: Map<string, FileStamp>;
  lanesFile: FileStamp;
  settingsFile: FileStamp;
}

/**
 * What one stat of a file said. Compared field by field: this runs for every profile on every tick,
 * and turning it into a string (a float mtime among it) cost more than the stat. ctime is in it so
 * an edit that puts the old mtime back (`touch -r`, some sync tools) is still seen.
 */
interface FileStamp {
  /** null when the file is there; else why not (ENOENT, ENOTDIR, EACCES …). */
  missing: string | null;
  dev: number;
  ino: number;
  size: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
}

const missingStamp = (code: string): FileStamp => ({
  missing: code,
  dev: 0,
  ino: 0,
  size: 0,
  mode: 0,
  mtimeMs: 0,
  ctimeMs: 0,
});

function fileStamp(file: string): FileStamp {
  try {
    // Checked once per tick for every profile: no exception for the common "absent" case.
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return missingStamp('ENOENT');
    const { dev, ino, size, mode, mtimeMs, ctimeMs } = stat;
    return { missing: null, dev, ino, size, mode, mtimeMs, ctimeMs };
  } catch (error) {
    return missingStamp((error as NodeJS.ErrnoException).code ?? 'error');
  }
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return (
    a.missing === b.missing &&
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs &&
    a.mode === b.mode
  );
}

/** The names in profiles/ as last read, and the folder's identity just before that reading. */
interface ProfilesListing {
  identity: FolderIdentity;
  names: string[];
  /** The names joined (or why they could not be read): equal text, equal listing. */
  text: string;
}

/** How a broken profile's program is looked up again; the same for many profiles is looked up once. */
interface ProgramRecheck {
  program: string;
  searchPath: string | undefined;
  key: string;
}

/** Everything a caller can observe, in a stable form, so version() moves only on real changes. */
function describeSnapshot(snapshot: Snapshot): string {
  const profiles = [...snapshot.profiles.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lanes = [...snapshot.lanes.entries()].sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    profiles,
    snapshot.profileFolderProblems,
    lanes,
    snapshot.lanesProblem,
    snapshot.settings,
  ]);
}

const WATCH_DEBOUNCE_MS = 30;

/**
 * A profile.json whose folder is watched is not stat'ed on every refresh (performance issue 17,
 * target 1: 150 stats were most of an idle tick): its watcher marks the resolver dirty on any
 * change. As insurance against a watcher that stops reporting without an error (a network file
 * system, a dropped inotify queue), each refresh still stats WATCHED_FILES_PER_REFRESH of them in
 * turn, so every file is stat'ed once in (files / 2) refreshes (on "large", 150 watched profiles:
 * every 75 refreshes, 2.5 minutes at the default tick; a 1/16 share was 10 stats a tick).
 */
const WATCHED_FILES_PER_REFRESH = 2;

/**
 * The turns of that rotation taken by what lies outside the profile folders: the listing of
 * `profiles/`, `lanes.json`, `settings.json` (in this order, before the profile files). While the
 * home and `profiles/` watchers are up, these are stat'ed only in their turn too (issue 17,
 * target 1: three stats of every idle tick): an edit, a file replaced by rename (editors save
 * so), a profile folder made or removed, `profiles/` itself replaced — each is an event of one of
 * the two watchers, and the rotation is the slow poll behind a watcher that misses one.
 */
const TOP_LEVEL_TURNS = 3;

export class LaneResolver {
  private readonly pathEnv: string | undefined;
  private readonly watchEnabled: boolean;
  /** One stat per PATH folder per refresh instead of one per folder × missing program. */
  private readonly missingPrograms: MissingProgramCache;
  private readonly now: () => number;
  private snapshot: Snapshot;
  private snapshotDescription: string;
  private fingerprint: Fingerprint;
  private listing: ProfilesListing | null = null;
  /** Broken profiles whose program may yet appear, built once per snapshot (not per tick). */
  private rechecks: Map<string, ProgramRecheck> | null = null;
  /** declaredLanes() of the current snapshot, once asked. */
  private declared: DeclaredLane[] | null = null;
  private currentVersion = 1;
  private dirty = false;
  private closed = false;
  private debounce: NodeJS.Timeout | null = null;
  private homeWatcher: fs.FSWatcher | null = null;
  private profilesWatcher: fs.FSWatcher | null = null;
  private readonly folderWatchers = new Map<string, fs.FSWatcher>();
  /**
   * Profiles whose folder watcher was already set up when the current fingerprint was taken: any
   * later change to their profile.json reaches markDirty, so refresh() need not stat it.
   */
  private watchedProfiles = new Set<string>();
  /** Where in the rotation (TOP_LEVEL_TURNS, then the profile files) this refresh's stats start. */
  private sweepStart = 0;
  /**
   * The home and profiles/ watchers were both up when the current fingerprint was taken: any later
   * change to profiles/'s names, lanes.json or settings.json reaches markDirty.
   */
  private topLevelWatched = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly paths: HomePaths,
    options: LaneResolverOptions = {},
  ) {
    this.pathEnv = options.pathEnv ?? process.env.PATH;
    this.watchEnabled = options.watch ?? true;
    this.now = options.now ?? Date.now;
    this.missingPrograms = new MissingProgramCache({ now: this.now, watch: this.watchEnabled });
    try {
      // So the folder can be watched from the start; a user's first profile then shows up at once.
      fs.mkdirSync(paths.profiles, { recursive: true });
    } catch {
      // A read-only or odd home: the stat pass in refresh() still notices a folder created later.
    }
    // Watchers first, then the fingerprint, then the reading: a change after a watcher is set up
    // is reported by it, and one before is in the stat and in what is read.
    this.syncWatchers();
    this.fingerprint = this.takeFingerprint();
    this.missingPrograms.newPass();
    this.snapshot = this.loadSnapshot();
    this.snapshotDescription = describeSnapshot(this.snapshot);
  }

  resolve(assignee: string): LaneResolution {
    const name = assignee.trim().toLowerCase();
    const check = this.snapshot.profiles.get(name);
    if (check?.ok) return { kind: 'profile', name, profile: check.profile };
    if (check) return { kind: 'profile_broken', name, problem: check.problem };
    // docs/architecture.md §3: a declared terminal lane is not told it is broken; an undeclared name (maybe a typo) is.
    const declared = this.snapshot.lanes.has(name);
    if (declared) return { kind: 'terminal', name, declared, hint: null };
    const hint = SLUG_PATTERN.test(name)
      ? undeclaredLaneHint(name)
      : `"${assignee}" is not a valid lane name (1–64 characters of a-z, 0-9, "_" or "-")`;
    return { kind: 'terminal', name, declared, hint };
  }

  /** Pause and concurrency settings of a lane (defaults when lanes.json does not mention it). */
  laneConfig(assignee: string): DeclaredLane {
    const name = assignee.trim().toLowerCase();
    const config = this.snapshot.lanes.get(name);
    return {
      name,
      paused: config?.paused ?? false,
      maxConcurrent: config?.maxConcurrent ?? null,
      description: config?.description ?? null,
      requireApproval: config?.requireApproval ?? false,
      budgetUsdPerDay: config?.budgetUsdPerDay ?? null,
    };
  }

  declaredLanes(): DeclaredLane[] {
    // Asked on every tick (the budget check): built once per snapshot, the entries frozen.
    this.declared ??= [...this.snapshot.lanes.values()]
      .map(({ name, paused, maxConcurrent, description, requireApproval, budgetUsdPerDay }) =>
        Object.freeze({
          name,
          paused,
          maxConcurrent,
          description,
          requireApproval,
          budgetUsdPerDay,
        }),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    return this.declared.slice();
  }

  /** Every profile folder with a valid name, runnable or not. */
  profileNames(): string[] {
    return [...this.snapshot.profiles.keys()].sort();
  }

  /** The full check of each profile folder (for the lane status view and `switchyard lanes`). */
  profileChecks(): { name: string; check: ProfileCheck }[] {
    return this.profileNames().map((name) => ({
      name,
      check: this.snapshot.profiles.get(name) as ProfileCheck,
    }));
  }

  /** The current settings.json (defaults where it is absent or broken). */
  settings(): Settings {
    return this.snapshot.settings.settings;
  }

  /** Problems that belong to no single lane: lanes.json, settings.json, misnamed profile folders. */
  problems(): string[] {
    const { lanesProblem, settings, profileFolderProblems } = this.snapshot;
    return [
      ...(lanesProblem ? [lanesProblem] : []),
      ...(settings.problem ? [settings.problem] : []),
      ...profileFolderProblems,
    ];
  }

  /** Grows whenever a resolution, lane setting or setting changed; equal versions mean nothing did. */
  version(): number {
    return this.currentVersion;
  }

  /** Called after every change that moved version(); returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The once-per-tick check (docs/architecture.md §3: never stale by more than one tick): what the
   * watchers reported since the last one, and a stat of whatever no watcher covers — profiles/
   * (listed again only if it may have changed), lanes.json and settings.json when the home or
   * profiles/ cannot be watched, each profile.json whose folder is not watched — plus a rotating
   * two of the watched ones (WATCHED_FILES_PER_REFRESH), plus a PATH lookup only for profiles whose
   * program is missing, so installing the agent fixes its lane by the next tick. A watcher's event
   * arrives in a turn of the event loop: a file written by this process is read at once by
   * reload(), one written elsewhere by the first refresh after its event (the engine's ticks run on
   * timers, with the event loop's turns between them).
   */
  refresh(): boolean {
    if (this.closed) return false;
    const changed = this.dirty || !this.filesUnchanged();
    this.missingPrograms.newPass();
    let next: Snapshot;
    if (changed) {
      this.dirty = false;
      this.syncWatchers();
      this.fingerprint = this.takeFingerprint();
      next = this.loadSnapshot();
    } else {
      next = this.recheckPrograms();
    }
    return this.adopt(next);
  }

  /**
   * Reads the files again now: for a caller that has just written one of them in this process
   * (the engine's profile and lane setting calls), whose answer must show it before the watcher's
   * event arrives in a later turn of the event loop.
   */
  reload(): boolean {
    this.dirty = true;
    return this.refresh();
  }

  close(): void {
    this.closed = true;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    this.homeWatcher?.close();
    this.homeWatcher = null;
    this.missingPrograms.close();
    this.profilesWatcher?.close();
    this.profilesWatcher = null;
    for (const watcher of this.folderWatchers.values()) watcher.close();
    this.folderWatchers.clear();
    this.listeners.clear();
  }

  private adopt(next: Snapshot): boolean {
    if (next === this.snapshot) return false;
    const description = describeSnapshot(next);
    this.snapshot = next;
    this.rechecks = null;
    this.declared = null;
    if (description === this.snapshotDescription) return false;
    this.snapshotDescription = description;
    this.currentVersion += 1;
    // Every listener hears of the change even if an earlier one throws; the first error is rethrown.
    let failure: unknown = null;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== null) throw failure;
    return true;
  }

  /** resolve() hands out cached profiles: freeze them so no caller can change another's view. */
  private checkProfile(name: string): ProfileCheck {
    const check = readProfile(this.paths, name, this.lookupOptions());
    if (check.profile) {
      Object.freeze(check.profile.command);
      Object.freeze(check.profile.env);
      Object.freeze(check.profile);
    }
    return check;
  }

  private lookupOptions(): { pathEnv: string | undefined; missingPrograms: MissingProgramCache } {
    return { pathEnv: this.pathEnv, missingPrograms: this.missingPrograms };
  }

  private loadSnapshot(): Snapshot {
    const { folders, problems } = listProfileFolders(this.paths);
    const profiles = new Map<string, ProfileCheck>();
    for (const { name } of folders) profiles.set(name, this.checkProfile(name));
    const lanesFile = loadLanesFile(this.paths);
    return {
      profiles,
      profileFolderProblems: problems,
      lanes: lanesFile.lanes,
      lanesProblem: lanesFile.problem,
      settings: loadSettings(this.paths),
    };
  }

  /**
   * Files unchanged: only the programs can have come or gone. A missing one is looked up again on
   * PATH; a found one is checked to still be there (one stat), so uninstalling it breaks the lane
   * before the next spawn instead of after a failed one.
   */
  private recheckPrograms(): Snapshot {
    let profiles: Map<string, ProfileCheck> | null = null;
    const changed = (name: string): void => {
      profiles ??= new Map(this.snapshot.profiles);
      profiles.set(name, this.checkProfile(name));
    };
    // Many profiles run the same program: look each one up once per refresh, not once per profile.
    const executable = new Map<string, boolean>();
    for (const [name, check] of this.snapshot.profiles) {
      if (!check.ok) continue;
      let present = executable.get(check.programPath);
      if (present === undefined) {
        // Its folder's watcher would have reported the program removed, replaced or chmod'ed.
        present =
          this.missingPrograms.unchangedFolder(path.dirname(check.programPath)) ||
          isExecutableFile(check.programPath);
        executable.set(check.programPath, present);
      }
      if (!present) changed(name);
    }
    const found = new Map<string, boolean>();
    for (const [name, { program, searchPath, key }] of this.programRechecks()) {
      let now = found.get(key);
      if (now === undefined) {
        now = lookupProgram(program, searchPath, this.missingPrograms).ok;
        found.set(key, now);
      }
      if (now) changed(name);
    }
    return profiles ? { ...this.snapshot, profiles } : this.snapshot;
  }

  /** The profiles whose only problem is a missing program, with the key of what is looked up. */
  private programRechecks(): Map<string, ProgramRecheck> {
    if (this.rechecks) return this.rechecks;
    const rechecks = new Map<string, ProgramRecheck>();
    for (const [name, check] of this.snapshot.profiles) {
      if (check.ok || check.profile === null) continue;
      const { program, searchPath } = programSearch(this.paths, check.profile, this.lookupOptions());
      rechecks.set(name, { program, searchPath, key: JSON.stringify([program, searchPath ?? null]) });
    }
    this.rechecks = rechecks;
    return rechecks;
  }

  /**
   * The names in profiles/. Listed again only when the folder may have changed: a new, removed or
   * renamed entry changes its mtime/ctime, and a replaced folder its inode (folderIdentity.ts) — so
   * an idle tick costs one stat here instead of reading and sorting every name.
   */
  private profilesListing(): ProfilesListing {
    const identity = folderIdentity(this.paths.profiles, this.now());
    const last = this.listing;
    if (last && last.identity.settled && last.identity.key === identity.key) return last;
    let names: string[] = [];
    let text: string;
    if (identity.key === 'missing') {
      text = 'missing:ENOENT';
    } else {
      try {
        names = fs.readdirSync(this.paths.profiles).sort();
        text = names.join('\0');
      } catch (error) {
        text = `missing:${(error as NodeJS.ErrnoException).code ?? ''}`;
      }
    }
    // Stat first, then read: a change after the stat moves the identity (or leaves it unsettled).
    this.listing = { identity, names, text };
    return this.listing;
  }

  /**
   * The once-per-tick check: same names in profiles/, and every file stats as it did — but for
   * what a watcher reports (profiles/'s names, lanes.json and settings.json while the home and
   * profiles/ watchers are up; each profile file whose folder is watched), of which only this
   * refresh's turn in the rotation is stat'ed (WATCHED_FILES_PER_REFRESH, TOP_LEVEL_TURNS).
   */
  private filesUnchanged(): boolean {
    const current = this.fingerprint;
    const turns = TOP_LEVEL_TURNS + current.profileFiles.size;
    const start = this.sweepStart % turns;
    this.sweepStart = start + WATCHED_FILES_PER_REFRESH;
    const inTurn = (index: number): boolean => (index - start + turns) % turns < WATCHED_FILES_PER_REFRESH;
    // A watcher that failed is set to null (watch()), and what it reported is stat'ed again.
    const topReported = this.topLevelWatched && this.homeWatcher !== null && this.profilesWatcher !== null;
    if ((!topReported || inTurn(0)) && this.profilesListing().text !== current.listing) return false;
    if ((!topReported || inTurn(1)) && !sameStamp(fileStamp(this.paths.lanesFile), current.lanesFile))
      return false;
    if ((!topReported || inTurn(2)) && !sameStamp(fileStamp(this.paths.settingsFile), current.settingsFile))
      return false;
    // Same listing, so the same profile names: only their files can have changed.
    const prefix = this.paths.profiles + path.sep;
    const suffix = path.sep + PROFILE_FILE;
    let index = TOP_LEVEL_TURNS;
    for (const [name, stamp] of current.profileFiles) {
      const turn = inTurn(index++);
      // A watcher that failed is removed from folderWatchers (watch()), and its file stat'ed again.
      const reported = this.watchedProfiles.has(name) && this.folderWatchers.has(name);
      if (reported && !turn) continue;
      if (!sameStamp(fileStamp(prefix + name + suffix), stamp)) return false;
    }
    return true;
  }

  /** Taken before the files are read, so a change while reading shows up at the next check. */
  private takeFingerprint(): Fingerprint {
    const profileFiles = new Map<string, FileStamp>();
    this.watchedProfiles = new Set(this.folderWatchers.keys());
    this.topLevelWatched = this.homeWatcher !== null && this.profilesWatcher !== null;
    const { names, text } = this.profilesListing();
    // Concatenated, not path.join()ed: this runs for every profile on every tick, and a slug
    // needs no normalising.
    const prefix = this.paths.profiles + path.sep;
    const suffix = path.sep + PROFILE_FILE;
    for (const name of names) {
      if (!SLUG_PATTERN.test(name)) continue;
      profileFiles.set(name, fileStamp(prefix + name + suffix));
    }
    return {
      listing: text,
      profileFiles,
      lanesFile: fileStamp(this.paths.lanesFile),
      settingsFile: fileStamp(this.paths.settingsFile),
    };
  }

  private markDirty = (): void => {
    if (this.closed) return;
    this.dirty = true;
    // Reload soon after the burst of events an editor's save produces, not once per event.
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      try {
        this.refresh();
      } catch (error) {
        // Only a throwing onChange listener gets here; a timer must not crash the app for it.
        process.emitWarning(`lane resolver listener failed: ${(error as Error).message}`);
      }
    }, WATCH_DEBOUNCE_MS);
    this.debounce.unref();
  };

  private watch(target: string, onEvent: (filename: string | null) => void): fs.FSWatcher | null {
    try {
      const watcher = fs.watch(target, { persistent: false }, (_event, filename) =>
        onEvent(filename === null ? null : String(filename)),
      );
      // The folder vanished or the watch broke: drop it and let the next refresh set it up again.
      watcher.on('error', () => {
        watcher.close();
        if (this.profilesWatcher === watcher) this.profilesWatcher = null;
        if (this.homeWatcher === watcher) this.homeWatcher = null;
        for (const [name, folderWatcher] of this.folderWatchers) {
          if (folderWatcher === watcher) this.folderWatchers.delete(name);
        }
        this.markDirty();
      });
      return watcher;
    } catch {
      return null; // ENOENT and friends: refresh() notices the folder once it exists.
    }
  }

  /**
   * Node 20 has no recursive watch on Linux: watch home, profiles/ and each profile folder in it.
   * Called on every reload (something changed), and the profile watchers are set up afresh each
   * time: an inotify watch follows the folder it was given, so a folder removed and made again under
   * the same name (even with the same inode number, which file systems reuse) would otherwise keep
   * a dead watch while refresh() trusts it to report edits. A reload is rare; 150 watches are ~1 ms.
   */
  private syncWatchers(): void {
    if (!this.watchEnabled || this.closed) return;
    const watchedFiles = new Set([
      path.basename(this.paths.lanesFile),
      path.basename(this.paths.settingsFile),
    ]);
    // profiles/ removed, made again or replaced by rename: its own watcher followed the old folder.
    if (path.dirname(this.paths.profiles) === path.dirname(this.paths.lanesFile))
      watchedFiles.add(path.basename(this.paths.profiles));
    this.homeWatcher ??= this.watch(path.dirname(this.paths.lanesFile), (filename) => {
      if (filename === null || watchedFiles.has(filename)) this.markDirty();
    });
    // Closed before the new ones are set up: a watch of the same folder would share the old one.
    this.profilesWatcher?.close();
    for (const watcher of this.folderWatchers.values()) watcher.close();
    this.folderWatchers.clear();
    this.profilesWatcher = this.watch(this.paths.profiles, this.markDirty);
    const prefix = this.paths.profiles + path.sep;
    for (const name of this.profilesListing().names) {
      if (!SLUG_PATTERN.test(name)) continue;
      const watcher = this.watch(prefix + name, this.markDirty);
      if (watcher) this.folderWatchers.set(name, watcher);
    }
  }
}
