import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, runInWriteTransaction } from '../electron/core/store/db/open';
import { homePaths, type HomePaths } from '../electron/core/config/home';

/**
 * Bench-only data sets, generated in code. "large": 100,000 tasks on one board — 20,000 ready over
 * 300 lanes (100 profile lanes, 150 declared terminal lanes, 50 broken profiles) and the rest as
 * dependency chains done → blocked → todo → todo. Written with one transaction of prepared
 * statements (a bulk loader: the repositories' one-row helpers would re-prepare per row).
 */

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const AGENTS = path.join(REPO_ROOT, 'test', 'fixtures', 'agents');

export interface LargeOptions {
  tasks?: number;
  ready?: number;
  profileLanes?: number;
  terminalLanes?: number;
  brokenLanes?: number;
  /** Fake agent (and its arguments) the profile lanes run. */
  agent?: string[];
  settings?: Record<string, unknown>;
}

export interface DataSet {
  paths: HomePaths;
  profileLanes: string[];
  terminalLanes: string[];
  brokenLanes: string[];
  readyIds: string[];
  counts: Record<string, number>;
}

export function tempHome(label: string): HomePaths {
  return homePaths(fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-${label}-`)));
}

export function writeProfile(paths: HomePaths, name: string, command: string[], extra = {}): void {
  const dir = path.join(paths.profiles, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'profile.json'), JSON.stringify({ command, ...extra }));
}

export function writeSettings(paths: HomePaths, settings: Record<string, unknown>): void {
  fs.mkdirSync(paths.home, { recursive: true });
  fs.writeFileSync(paths.settingsFile, JSON.stringify(settings));
}

const lane = (prefix: string, n: number): string => `${prefix}${String(n).padStart(3, '0')}`;

/** Deterministic pseudo-random numbers, so every run measures the same data. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function buildLarge(paths: HomePaths, options: LargeOptions = {}): DataSet {
  const total = options.tasks ?? 100_000;
  const readyCount = options.ready ?? 20_000;
  const profileLanes = Array.from({ length: options.profileLanes ?? 100 }, (_, i) => lane('agent-', i));
  const terminalLanes = Array.from({ length: options.terminalLanes ?? 150 }, (_, i) => lane('human-', i));
  const brokenLanes = Array.from({ length: options.brokenLanes ?? 50 }, (_, i) => lane('broken-', i));
  const agent = options.agent ?? [path.join(AGENTS, 'sleep.mjs'), '600'];

  writeSettings(paths, {
    dispatcher: { tickMs: 60_000, backoffBaseMs: 0, backoffMaxMs: 0, killGraceMs: 500, ...options.settings },
  });
  for (const name of profileLanes) writeProfile(paths, name, [process.execPath, ...agent]);
  for (const name of brokenLanes) writeProfile(paths, name, [`no-such-agent-${name}`, '{prompt}']);
  fs.writeFileSync(
    paths.lanesFile,
    JSON.stringify({ lanes: Object.fromEntries(terminalLanes.map((name) => [name, { kind: 'terminal' }])) }),
  );

  const db = openDatabase(paths.database);
  const random = rng(42);
  const lanes = [...profileLanes, ...terminalLanes, ...brokenLanes];
  const body = 'Bench task body. '.repeat(12);
  const start = Date.now() - total * 1000;
  const readyIds: string[] = [];
  const counts: Record<string, number> = {};
  runInWriteTransaction(db, () => {
    const insertTask = db.prepare(
      `INSERT INTO tasks (id, board, title, body, assignee, status, priority, created_by, created_at, updated_at,
                          completed_at, result)
       VALUES (?, 'default', ?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?)`,
    );
    const insertLink = db.prepare(
      'INSERT INTO task_links (parent_id, child_id, created_at) VALUES (?, ?, ?)',
    );
    const insertEvent = db.prepare(
      "INSERT INTO events (task_id, board, kind, payload, created_at) VALUES (?, 'default', 'created', '{}', ?)",
    );
    const add = (n: number, status: string, assignee: string | null): string => {
      // Ids as the core makes them (t_ + 8 hex digits): the board refuses anything else.
      const id = `t_${n.toString(16).padStart(8, '0')}`;
      const at = start + n * 1000;
      insertTask.run(
        id,
        `Task ${n}`,
        body,
        assignee,
        status,
        Math.floor(random() * 4),
        at,
        at,
        status === 'done' ? at : null,
        status === 'done' ? 'ok' : null,
      );
      insertEvent.run(id, at);
      counts[status] = (counts[status] ?? 0) + 1;
      return id;
    };
    let n = 0;
    for (let i = 0; i < readyCount; i++) {
      readyIds.push(add(n++, 'ready', lanes[i % lanes.length] as string));
    }
    // The rest as chains: done → blocked → todo → todo (a todo task is never promotable here).
    const chain = ['done', 'blocked', 'todo', 'todo'];
    while (n < total) {
      let parent: string | null = null;
      for (const status of chain) {
        if (n >= total) break;
        const id = add(n++, status, lanes[Math.floor(random() * lanes.length)] as string);
        if (parent) insertLink.run(parent, id, start);
        parent = id;
      }
    }
  });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { paths, profileLanes, terminalLanes, brokenLanes, readyIds, counts };
}

/**
 * `serve` leaves running workers to be adopted at its next start (docs/architecture.md §5); a benchmark has no next
 * start, so it kills their process groups itself.
 */
export function killLeftoverWorkers(home: string): void {
  const db = openDatabase(path.join(home, 'switchyard.db'), {});
  const pids = db.prepare('SELECT pid FROM runs WHERE ended_at IS NULL AND pid IS NOT NULL').all() as {
    pid: number;
  }[];
  db.close();
  for (const { pid } of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
