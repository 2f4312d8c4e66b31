import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench` stopped by Ctrl-C or SIGTERM: what it started ends with it and its temporary homes
 * go. The bench runs in a process group of its own (bench/run.mjs starts it detached and passes the
 * signal on); what it started is found by walking /proc's parent links down from this process — the
 * engines' spawners, the fake agents and their waiters (each in a group of its own), `serve`,
 * Chromium, git — and each of their process groups is ended, never a process found by its name.
 * Agents a `serve` left to be adopted are in its home's database and are killed from there.
 */

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, D … Z: ended, not yet reaped by its parent. */
  state: string;
}

/** /proc/<pid>/stat's fields after the command name (which may hold spaces and parentheses). */
function readEntry(pid: number): ProcessEntry | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(ppid), pgid: Number(pgid), state: state ?? '' };
  } catch {
    return null; // gone meanwhile
  }
}

/** Every process below `root` (children, their children …) that has not ended. */
export function descendantsOf(root: number): ProcessEntry[] {
  const byParent = new Map<number, ProcessEntry[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (!entry) continue;
    const siblings = byParent.get(entry.ppid) ?? [];
    siblings.push(entry);
    byParent.set(entry.ppid, siblings);
  }
  const found: ProcessEntry[] = [];
  const queue = [root];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const child of byParent.get(parent) ?? []) {
      if (child.state !== 'Z') found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

const alive = (pid: number): boolean => {
  const entry = readEntry(pid);
  return entry !== null && entry.state !== 'Z';
};

/** Sleeps without giving the event loop a turn (the section must not go on meanwhile). */
function sleepHere(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How long what the bench started gets to end on SIGTERM (Chromium removes its temporary files). */
const GRACE_MS = 2_000;

/**
 * Ends every process below this one: SIGTERM to each one's process group (to the process alone when
 * it is in the bench's own group), SIGKILL to the same after GRACE_MS to what has not ended, then
 * again to anything found below until nothing is: a parent may have forked a child the first look
 * did not see. The groups are remembered from the first look, because a process whose parent ended
 * is no longer below the bench. Returns how many processes there were.
 */
export function endDescendants(): number {
  const own = readEntry(process.pid)?.pgid;
  const seen = new Map<number, ProcessEntry>();
  const signalAll = (signal: NodeJS.Signals): void => {
    for (const entry of seen.values()) {
      try {
        process.kill(entry.pgid === own ? entry.pid : -entry.pgid, signal);
      } catch {
        // ended already
      }
    }
  };
  for (const entry of descendantsOf(process.pid)) seen.set(entry.pid, entry);
  const socketFolders = chromiumSocketFolders(seen.values());
  signalAll('SIGTERM');
  for (let waited = 0; waited < GRACE_MS && [...seen.keys()].some(alive); waited += 50) sleepHere(50);
  for (let pass = 0; pass < 10; pass += 1) {
    signalAll('SIGKILL');
    const left = descendantsOf(process.pid).filter((entry) => !seen.has(entry.pid));
    if (left.length === 0) break;
    for (const entry of left) seen.set(entry.pid, entry);
  }
  for (const folder of socketFolders) fs.rmSync(folder, { recursive: true, force: true });
  return seen.size;
}

/**
 * The folders Chromium keeps its single-instance socket in (TMPDIR/org.chromium.Chromium.*, linked
 * from its profile's SingletonSocket): removed by Chromium when Playwright closes it, left behind
 * when it is killed. Playwright removes the profile itself on the bench's exit.
 */
function chromiumSocketFolders(entries: Iterable<ProcessEntry>): string[] {
  const folders = new Set<string>();
  for (const { pid } of entries) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const profile = args
        .find((arg) => arg.startsWith('--user-data-dir='))
        ?.slice('--user-data-dir='.length);
      if (profile) folders.add(path.dirname(fs.readlinkSync(path.join(profile, 'SingletonSocket'))));
    } catch {
      // ended, or not a Chromium with a socket
    }
  }
  return [...folders];
}

export interface StopOnSignalOptions {
  /** Kills what is left in the bench's homes (their databases' running workers), then removes them. */
  cleanUp(): { homes: number };
}

/**
 * On SIGINT or SIGTERM: kill what the bench started, clean up its homes, say so in one line and exit
 * non-zero (128 + the signal's number, as a shell reports it). All of it synchronous: the section
 * that was running never gets another turn to start something new.
 */
export function stopOnSignal(options: StopOnSignalOptions): void {
  const stop = (signal: 'SIGINT' | 'SIGTERM'): void => {
    const processes = endDescendants();
    const { homes } = options.cleanUp();
    console.error(
      `bench stopped by ${signal}: ${processes} process${processes === 1 ? '' : 'es'} it started ended, ` +
        `${homes} temporary home${homes === 1 ? '' : 's'} removed`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
