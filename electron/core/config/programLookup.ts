import fs from 'node:fs';
import path from 'node:path';
import { RECENT_CHANGE_MS, folderIdentity } from './folderIdentity';

/**
 * Finds the program a worker's argv[0] names the way the spawn will (libuv searches the child's own
 * PATH), so a missing or non-executable program is reported with a message a user can act on
 * (docs/architecture.md §3: "`claude` not found on PATH") instead of Node's asynchronous spawn error.
 */

/** What libuv (like execvp) searches when the child's environment has no PATH. */
const DEFAULT_SEARCH_PATH = '/usr/local/bin:/bin:/usr/bin';

export type ProgramLookup = { ok: true; path: string } | { ok: false; error: string };

export function findProgram(program: string, cwd: string, searchPath: string | undefined): ProgramLookup {
  if (program.includes('/')) {
    const candidate = path.resolve(cwd, program);
    const problem = executableProblem(candidate);
    if (problem === null) return { ok: true, path: candidate };
    return {
      ok: false,
      error:
        problem === 'ENOENT'
          ? `\`${program}\` not found (ENOENT)`
          : `\`${program}\` is not an executable file (${problem})`,
    };
  }
  let notExecutable: string | null = null;
  for (const directory of (searchPath ?? DEFAULT_SEARCH_PATH).split(path.delimiter)) {
    // An empty PATH entry means the current directory, as in execvp.
    const candidate = path.resolve(cwd, directory, program);
    const problem = executableProblem(candidate);
    if (problem === null) return { ok: true, path: candidate };
    if (problem !== 'ENOENT') notExecutable ??= candidate;
  }
  if (notExecutable)
    return { ok: false, error: `\`${program}\` is not executable: ${notExecutable} (EACCES)` };
  return { ok: false, error: `\`${program}\` not found on PATH (ENOENT)` };
}

/** null when `candidate` is an executable regular file, else the reason as an errno-like code. */
function executableProblem(candidate: string): string | null {
  try {
    if (!fs.statSync(candidate).isFile()) return 'EACCES';
    fs.accessSync(candidate, fs.constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'ENOENT' : (code ?? 'EACCES');
  }
}

/**
 * A negative cache for PATH searches: "directory D has no entry named X", remembered only while D is
 * provably unchanged. The lane resolver looks up every missing program of every broken profile on
 * every tick (docs/architecture.md §3: never stale by more than one tick); with this cache a tick costs one stat per
 * PATH directory instead of one per directory × program.
 *
 * Why it stays exact:
 * - Creating, renaming or deleting an entry in D changes D's mtime and ctime (POSIX), and replacing
 *   or remounting D changes its device/inode: any of these drops D's cached names.
 * - Only "no entry at all" is cached (stat and lstat both ENOENT). An entry that exists but is not an
 *   executable file (so a later `chmod +x` is seen), or a symlink whose target is missing, is looked
 *   at again every time: those change without touching D.
 * - File system timestamps are coarse (ext4 a few ms, HFS+ 1 s, FAT 2 s): an entry created in the
 *   same quantum as D's last change would leave D's timestamps as they were. So absences are only
 *   remembered for a directory whose mtime and ctime are at least RECENT_CHANGE_MS older than the
 *   moment D was looked at (the "racily clean" rule of git's index); a directory that changed just
 *   now is not remembered until it has been quiet for that long.
 * - When more than a few programs not remembered are asked about in one pass, D is listed once for
 *   that pass (a fresh answer, as the stat calls would be) instead of two stat calls per program;
 *   a trusted D remembers what the listing lacks, as it would after the two calls. Names are
 *   compared case- and Unicode-form-folded, so on a case-insensitive disk a near match is looked up
 *   the plain way.
 *
 * Each directory is stat'ed at most once per pass: call newPass() at the start of every round of
 * lookups (the lane resolver does so once per refresh()).
 *
 * On top of that, "X is on no folder of this PATH" is remembered per PATH string while every one of
 * its folders is trusted (or absent) with the same identity as when that was recorded — the same
 * rule, checked once per pass for the whole PATH instead of once per folder × program.
 *
 * With `watch` (the lane resolver's, issue 17 target 1: the PATH folders were most of an idle
 * tick's stat calls), each trusted folder is also watched: while its watcher has reported nothing
 * since the folder was last stat'ed, the folder is taken as unchanged without a stat — any entry
 * created, renamed or deleted in it is an event. As insurance against a watcher that stops reporting
 * without an error, a folder is stat'ed anyway once in UNHEARD_PASSES passes. A folder that changed
 * within the timestamp granularity (not trusted), is missing, or cannot be watched is stat'ed every
 * pass as before.
 */
export class MissingProgramCache {
  /** Longer than the coarsest common timestamp granularity (FAT's 2 s); see folderIdentity.ts. */
  static readonly RECENT_CHANGE_MS = RECENT_CHANGE_MS;
  /** Programs looked up one by one in a directory per pass before it is listed. */
  static readonly LIST_AFTER = 4;
  /** A watched folder that reported nothing is still stat'ed once in this many passes. */
  static readonly UNHEARD_PASSES = 16;
  private readonly directories = new Map<string, DirectoryState>();
  private readonly watching: boolean;
  private readonly watchers = new Map<string, fs.FSWatcher>();
  /** Watched folders with an event since their last stat. */
  private readonly reported = new Set<string>();
  private readonly searches = new Map<string, SearchState>();
  private pass = 0;
  private readonly now: () => number;

  constructor(options: { now?: () => number; watch?: boolean } = {}) {
    this.now = options.now ?? Date.now;
    this.watching = options.watch ?? false;
  }

  /** Stops the folder watchers (the cache keeps working, stat'ing every folder each pass). */
  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /** Starts a round of lookups: every directory is looked at again (once) when first asked about. */
  newPass(): void {
    this.pass += 1;
    // Forget directories nobody asked about in the last pass (PATH or profiles changed).
    for (const [directory, state] of this.directories) {
      if (state.pass < this.pass - 1) {
        this.directories.delete(directory);
        this.unwatch(directory);
      }
    }
    for (const [searchPath, state] of this.searches) {
      if (state.pass < this.pass - 1) this.searches.delete(searchPath);
    }
  }

  /** True when `name` is certainly in none of `directories` (the folders of `searchPath`). */
  knownAbsentFromAll(searchPath: string, directories: readonly string[], name: string): boolean {
    const state = this.searchState(searchPath, directories);
    return state.usable && state.absent.has(name);
  }

  /**
   * Records that no folder of `searchPath` has an entry `name` — only after a lookup in this pass
   * found no entry at all (not even a non-executable file or a dangling symlink) in every folder.
   */
  recordAbsentFromAll(searchPath: string, directories: readonly string[], name: string): void {
    const state = this.searchState(searchPath, directories);
    if (state.usable) state.absent.add(name);
  }

  private searchState(searchPath: string, directories: readonly string[]): SearchState {
    let state = this.searches.get(searchPath);
    if (state?.pass === this.pass) return state;
    let usable = true;
    let keys = '';
    for (const directory of directories) {
      const folder = this.directoryState(directory);
      if (!folder.trusted && folder.key !== 'missing') usable = false;
      keys += `${folder.key}:${folder.forgotten}\n`;
    }
    // One made while a folder was not trusted yet is started afresh once all are: it holds nothing
    // (only a usable one is added to), and kept unusable it sent every lookup folder by folder.
    if (!state || !usable || !state.usable || state.keys !== keys) {
      state = { keys, usable, absent: new Set(), pass: this.pass };
      this.searches.set(searchPath, state);
    } else {
      state.pass = this.pass;
    }
    return state;
  }

  /** True when `directory` certainly has no entry named `name` (so there is nothing to stat). */
  knownAbsent(directory: string, name: string): boolean {
    const state = this.directoryState(directory);
    // A PATH entry that is not there (yet) holds nothing; it is looked at again next pass.
    if (state.key === 'missing') return true;
    if (state.trusted && state.absent.has(name)) return true;
    if (state.key === 'unusable') return false;
    state.askedThisPass += 1;
    if (state.askedThisPass <= MissingProgramCache.LIST_AFTER) return false;
    // Many programs asked in one pass (the engine's start: every broken profile's program, none
    // remembered yet): one listing instead of a stat and an lstat per program (on the bench's
    // "large" home, 920 of the 1,380 stat and lstat calls `serve` made before listening;
    // bench/RESULTS.md, row 7, paint3). Not listed means no entry at all, what those two calls
    // establish, so a trusted folder remembers it as they would have.
    state.namesThisPass ??= foldedNames(directory);
    const absent = state.namesThisPass !== null && !state.namesThisPass.has(foldName(name));
    if (absent && state.trusted) state.absent.add(name);
    return absent;
  }

  /**
   * Records that `name` is not in `directory` — to be called only after stat AND lstat of the entry
   * both said ENOENT, after knownAbsent() looked at the directory in this pass.
   */
  recordAbsent(directory: string, name: string): void {
    const state = this.directoryState(directory);
    if (state.trusted) state.absent.add(name);
  }

  /**
   * True when `directory` is watched, its watcher was up before its last stat, and nothing was
   * reported in it since: none of its entries was made, removed, renamed, written or chmod'ed. The
   * lane resolver asks it for the folder of each program it found, instead of a stat and an access
   * of the program every tick. Not a watch of a symlink's target (an uninstall that removes only
   * the target goes unheard): the folder is stat'ed, and false answered, once in UNHEARD_PASSES.
   */
  unchangedFolder(directory: string): boolean {
    const state = this.directoryState(directory);
    return state.statedPass !== this.pass && state.watchedAtStat && this.watchers.has(directory);
  }

  private directoryState(directory: string): DirectoryState {
    let state = this.directories.get(directory);
    if (state?.pass === this.pass) return state;
    if (
      state?.trusted &&
      state.unheardPasses < MissingProgramCache.UNHEARD_PASSES &&
      this.watchers.has(directory) &&
      !this.reported.has(directory)
    ) {
      // Watched and silent since its stat: the same folder with the same entries.
      state.pass = this.pass;
      state.unheardPasses += 1;
      state.askedThisPass = 0;
      state.namesThisPass = null;
      return state;
    }
    // The watcher before the stat, so a change after the stat is reported; a folder last seen
    // missing or unusable is not watched until a stat finds it (no failing watch every pass).
    if (this.watching && state && state.key !== 'missing' && state.key !== 'unusable') this.watch(directory);
    const reported = this.reported.delete(directory);
    // A watcher up before this stat reports any change after it, however coarse the folder's
    // timestamps: what this pass finds absent may be remembered although the folder changed just
    // now (the engine's start writes home/bin: 3 s of listing it every tick, issue 17 target 1).
    const watchedAtStat = this.watchers.has(directory);
    const checkedAt = this.now();
    const identity = folderIdentity(directory, checkedAt);
    const trusted =
      identity.settled || (watchedAtStat && identity.key !== 'missing' && identity.key !== 'unusable');
    if (!state || state.key !== identity.key) {
      state = {
        key: identity.key,
        trusted,
        absent: new Set(),
        pass: this.pass,
        askedThisPass: 0,
        namesThisPass: null,
        unheardPasses: 0,
        statedPass: this.pass,
        watchedAtStat,
        forgotten: (state?.forgotten ?? 0) + 1,
      };
      this.directories.set(directory, state);
    } else {
      // Reported, yet the same identity (a change within the timestamps' granularity, a file
      // written or chmod'ed in it): what was remembered absent may be there now.
      if (reported && state.absent.size > 0) {
        state.absent = new Set();
        state.forgotten += 1;
      }
      state.pass = this.pass;
      state.trusted = trusted;
      state.askedThisPass = 0;
      state.namesThisPass = null;
      state.unheardPasses = 0;
      state.statedPass = this.pass;
      state.watchedAtStat = watchedAtStat;
    }
    return state;
  }

  private watch(directory: string): void {
    if (this.watchers.has(directory)) return;
    try {
      const watcher = fs.watch(directory, { persistent: false }, () => this.reported.add(directory));
      // A watch that breaks is dropped: the folder is stat'ed every pass until one is set up again.
      watcher.on('error', () => {
        if (this.watchers.get(directory) === watcher) this.unwatch(directory);
      });
      this.watchers.set(directory, watcher);
    } catch {
      // Gone since its last stat, or not watchable: stat'ed every pass.
    }
  }

  private unwatch(directory: string): void {
    this.watchers.get(directory)?.close();
    this.watchers.delete(directory);
    this.reported.delete(directory);
  }
}

interface SearchState {
  /** The identities of the PATH's folders when `absent` was started. */
  keys: string;
  /** Every folder trusted or absent in this pass, so `absent` may be used and added to. */
  usable: boolean;
  absent: Set<string>;
  pass: number;
}

interface DirectoryState {
  /** Device, inode, mtime and ctime (ns) of the directory when its names were recorded. */
  key: string;
  /** Its timestamps are old enough that a change now would move them (see RECENT_CHANGE_MS). */
  trusted: boolean;
  absent: Set<string>;
  pass: number;
  /** Lookups in this pass while not trusted, and the folded listing once read (this pass only). */
  askedThisPass: number;
  namesThisPass: Set<string> | null;
  /** Passes since the last stat that took the folder as unchanged because its watcher was silent. */
  unheardPasses: number;
  /** The pass of its last stat, and whether its watcher was up then. */
  statedPass: number;
  watchedAtStat: boolean;
  /** Moves whenever `absent` is started afresh: searches built on the old one are dropped. */
  forgotten: number;
}

/** Case and Unicode form folded, so a listing says "absent" only when no spelling could match. */
function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** The folded names in `directory` now, or null when it cannot be listed (looked up one by one). */
function foldedNames(directory: string): Set<string> | null {
  try {
    return new Set(fs.readdirSync(directory).map(foldName));
  } catch {
    return null;
  }
}
