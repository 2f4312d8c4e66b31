import fs from 'node:fs';
import { openDatabase, runInWriteTransaction } from '../electron/core/store/db/open';
import type { HomePaths } from '../electron/core/config/home';
import { writeProfile, writeSettings } from './dataset';

/**
 * Bench data set "board" (performance issue 6): what a busy board looks like in the window.
 * 10,000 non-archived tasks on one board over 40 lanes (24 profile lanes running a fake agent, 16
 * terminal lanes declared in lanes.json) plus a few unassigned, spread over the status columns
 * (triage 5 %, todo 25 %, ready 20 %, blocked 10 %, done 40 %), with readable titles of varying
 * length, ~1,500 dependency links and a body each. The dispatcher is switched off in settings.json so
 * nothing spawns and the board only changes when the bench says so. Generated in code, one
 * transaction of prepared statements.
 */

export interface BoardDataSet {
  paths: HomePaths;
  profileLanes: string[];
  terminalLanes: string[];
  /** Ids per lane (assignee, '' for unassigned) and status, in insertion order. */
  idsByLaneStatus: Map<string, string[]>;
  counts: Record<string, number>;
}

export interface BoardDataSetOptions {
  tasks?: number;
  profileLanes?: number;
  terminalLanes?: number;
}

const STATUS_SHARES: readonly [string, number][] = [
  ['triage', 0.05],
  ['todo', 0.25],
  ['ready', 0.2],
  ['blocked', 0.1],
  ['done', 0.4],
];

const VERBS = [
  'Fix',
  'Add',
  'Refactor',
  'Investigate',
  'Document',
  'Speed up',
  'Remove',
  'Migrate',
  'Test',
  'Review',
  'Rename',
  'Split',
];
const THINGS = [
  'flaky test in',
  'retry logic of',
  'error message in',
  'pagination for',
  'caching layer of',
  'config loader for',
  'logging around',
  'type definitions of',
  'race condition in',
  'memory leak in',
  'timeout handling of',
  'CLI flags for',
];
const PLACES = [
  'the auth service',
  'billing export',
  'search indexer',
  'the webhook relay',
  'user settings page',
  'the report generator',
  'image pipeline',
  'notification queue',
  'the sync worker',
  'onboarding flow',
  'rate limiter',
  'the data importer',
  'audit log',
  'session store',
];
const TAILS = [
  '',
  '',
  '',
  ' (regression since last release)',
  ' before the next deploy',
  ' — see the discussion in the design doc',
  ' and add a test that fails without the fix',
  ' for large inputs',
];
const BLOCK_REASONS = [
  'waiting for credentials from ops',
  'needs a decision on the API shape',
  'upstream bug, reported',
  'CI is red on main',
];

/** Deterministic pseudo-random numbers, so every run measures the same data. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

export function buildBoard(paths: HomePaths, options: BoardDataSetOptions = {}): BoardDataSet {
  const total = options.tasks ?? 10_000;
  const profileLanes = Array.from(
    { length: options.profileLanes ?? 24 },
    (_, i) => `agent-${String(i).padStart(2, '0')}`,
  );
  const terminalLanes = Array.from(
    { length: options.terminalLanes ?? 16 },
    (_, i) => `human-${String(i).padStart(2, '0')}`,
  );
  writeSettings(paths, { dispatcher: { enabled: false, tickMs: 60_000 } });
  for (const name of profileLanes)
    writeProfile(paths, name, [process.execPath, '-e', 'setTimeout(()=>{},6e5)']);
  fs.writeFileSync(
    paths.lanesFile,
    JSON.stringify({ lanes: Object.fromEntries(terminalLanes.map((name) => [name, { kind: 'terminal' }])) }),
  );

  const random = rng(7);
  const lanes = [...profileLanes, ...terminalLanes];
  const start = Date.now() - total * 60_000;
  const idsByLaneStatus = new Map<string, string[]>();
  const counts: Record<string, number> = {};
  const db = openDatabase(paths.database);
  runInWriteTransaction(db, () => {
    const insertTask = db.prepare(
      `INSERT INTO tasks (id, board, title, body, assignee, status, priority, created_by, created_at, updated_at,
                          completed_at, result, block_reason, failure_count, last_error)
       VALUES (?, 'default', ?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertLink = db.prepare(
      'INSERT INTO task_links (parent_id, child_id, created_at) VALUES (?, ?, ?)',
    );
    const insertEvent = db.prepare(
      "INSERT INTO events (task_id, board, kind, payload, created_at) VALUES (?, 'default', 'created', '{}', ?)",
    );
    const doneIds: string[] = [];
    for (let n = 0; n < total; n++) {
      let roll = random();
      let status = 'done';
      for (const [name, share] of STATUS_SHARES) {
        if (roll < share) {
          status = name;
          break;
        }
        roll -= share;
      }
      // 2 % unassigned; the rest over the lanes, some lanes busier than others.
      const assignee = random() < 0.02 ? null : (lanes[Math.floor(random() ** 1.3 * lanes.length)] as string);
      const id = `t_${(0xb0000000 + n).toString(16)}`;
      const at = start + n * 60_000;
      const title = `${pick(random, VERBS)} ${pick(random, THINGS)} ${pick(random, PLACES)}${pick(random, TAILS)}`;
      const body =
        `${title}.\n\nContext: ${pick(random, PLACES)} misbehaves under load; steps to reproduce, logs and the expected outcome are in the linked ticket. `.repeat(
          1 + Math.floor(random() * 3),
        );
      const failures = status === 'ready' && random() < 0.05 ? 1 + Math.floor(random() * 3) : 0;
      insertTask.run(
        id,
        title,
        body,
        assignee,
        status,
        random() < 0.7 ? 0 : Math.floor(random() * 5) - 2,
        at,
        at,
        status === 'done' ? at + 30_000 : null,
        status === 'done' ? 'ok' : null,
        status === 'blocked' ? pick(random, BLOCK_REASONS) : null,
        failures,
        failures > 0 ? 'agent exited with code 1' : null,
      );
      insertEvent.run(id, at);
      // Children of done tasks, so cards show "deps n/m".
      if (status === 'done') doneIds.push(id);
      else if ((status === 'todo' || status === 'ready') && doneIds.length > 0 && random() < 0.4) {
        insertLink.run(pick(random, doneIds), id, at);
      }
      counts[status] = (counts[status] ?? 0) + 1;
      const key = `${assignee ?? ''}\u0000${status}`;
      const list = idsByLaneStatus.get(key);
      if (list) list.push(id);
      else idsByLaneStatus.set(key, [id]);
    }
  });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { paths, profileLanes, terminalLanes, idsByLaneStatus, counts };
}
