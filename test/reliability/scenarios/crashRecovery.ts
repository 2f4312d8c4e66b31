import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createTask } from '../../../electron/core/commands/taskCommands';
import { openDatabase } from '../../../electron/core/store/db/open';
import type { HomePaths } from '../../../electron/core/config/home';
import { readProcStat } from '../../../electron/core/procfs';
import { CLI_ENTRY } from '../../helpers/cli';
import { writeAgentProfile, writeFastSettings } from '../../helpers/engine';
import { makeTempHome, removeTempHome } from '../../helpers/home';
import { seededRandom } from './random';
import { appendAll } from '../../../shared/arrays';

/**
 * docs/architecture.md §4–§5 crash recovery: tasks on several profile lanes (quick, slow, reporting through
 * `switchyard complete`, always failing), a `switchyard dispatch --watch` process SIGKILLed at random
 * moments and restarted each time. Returns what it saw; the caller asserts.
 */

export interface CrashRecoveryOptions {
  tasks: number;
  kills: number;
  seed: number;
  /** Longest a dispatcher lives before it is killed (ms); each life is uniform in [150, this]. */
  maxLifeMs?: number;
  /** After the last kill: how long the final dispatcher may take to finish everything. */
  settleTimeoutMs?: number;
  /** Epoch ms by which the settle gives up even if time is left, so a caller's own timeout still gets the report. */
  settleUntil?: number;
}

export interface CrashRecoveryReport {
  seed: number;
  tasks: number;
  kills: number;
  durationMs: number;
  statuses: Record<string, number>;
  gaveUp: number;
  /**
   * Tasks of the healthy lanes (quick, slow, reporter: every worker of theirs succeeds) that ended
   * blocked: only a dispatcher restart counted as their failure could put them there (issue 20).
   */
  healthyGaveUp: string[];
  /** Failures (crashed, timed out, spawn failed) counted on the healthy lanes. */
  healthyFailures: number;
  blockedOtherwise: string[];
  runningLeft: number;
  openRuns: number;
  runs: number;
  adopted: number;
  /** Runs whose worker ended unwatched without an exit status (killed with its waiter): not failures. */
  lostRuns: number;
  /** Tasks that were spawned/claimed again after a `completed` event, with their ids. */
  ranAfterCompleting: string[];
  /** Done tasks whose run history does not end with exactly one completed run. */
  badRunHistory: string[];
  eventCount: number;
  eventIdGaps: number;
  /** Worker processes of this home still alive (not zombies) at the end. */
  orphanWorkers: number[];
  /** Zombies whose parent is this test process or a dispatcher it started. */
  unreapedZombies: number[];
  /** Workers left as zombies of pid 1 after their dispatcher was SIGKILLed (the VM's init does not reap). */
  zombiesOfInit: number;
  dispatcherStderr: string[];
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LANES = ['quick', 'slow', 'reporter', 'failing'] as const;
/** Every lane but the always-failing one: their workers never fail on their own. */
const HEALTHY_LANES: readonly string[] = LANES.filter((lane) => lane !== 'failing');

function writeProfiles(paths: HomePaths): void {
  writeFastSettings(paths, { failureLimit: 4, globalMaxConcurrent: 6, tickMs: 100 });
  writeAgentProfile(paths, 'quick', 'exit0.mjs', { maxConcurrent: 2 });
  writeAgentProfile(paths, 'slow', 'sleep.mjs', { args: ['0.8'], maxConcurrent: 2 });
  writeAgentProfile(paths, 'reporter', 'slow-report.mjs', {
    args: ['400'],
    completion: 'report',
    maxConcurrent: 2,
  });
  writeAgentProfile(paths, 'failing', 'exit1.mjs', { maxConcurrent: 1 });
}

function zombies(parents: Set<number>): { ofParents: number[]; ofInit: number[] } {
  const ofParents: number[] = [];
  const ofInit: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.state !== 'Z') continue;
    if (parents.has(stat.parentPid)) ofParents.push(stat.pid);
    else if (stat.parentPid === 1) ofInit.push(stat.pid);
  }
  return { ofParents, ofInit };
}

/** Live (non-zombie) processes whose environment names this home: workers nobody stopped. */
function liveProcessesOfHome(home: string): number[] {
  const found: number[] = [];
  const marker = `SWITCHYARD_HOME=${home}\0`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readProcStat(Number(entry))?.state === 'Z') continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

export async function runCrashRecovery(options: CrashRecoveryOptions): Promise<CrashRecoveryReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const paths = makeTempHome('switchyard-crash-');
  const dispatcherPids = new Set<number>([process.pid]);
  const stderr: string[] = [];
  const children: ChildProcess[] = [];
  const initZombiesBefore = new Set(zombies(new Set()).ofInit);
  const startDispatcher = (): ChildProcess => {
    const child = spawn(process.execPath, [CLI_ENTRY, 'dispatch', '--watch'], {
      env: { ...process.env, SWITCHYARD_HOME: paths.home, SWITCHYARD_ACTOR: 'soak' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (child.pid) dispatcherPids.add(child.pid);
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('exit', () => {
      const unexpected = text.split('\n').filter(
        (line) =>
          line &&
          !line.startsWith('Dispatching from') &&
          // The summary `dispatch --watch` prints when it is stopped (not when SIGKILLed).
          !/^Watched \d+ s: /.test(line) &&
          !/^\[?[\d:T.-]+/.test(line),
      );
      appendAll(stderr, unexpected);
    });
    children.push(child);
    return child;
  };

  writeProfiles(paths);
  const db = openDatabase(paths.database);
  try {
    for (let i = 0; i < options.tasks; i++) {
      const lane = LANES[i % LANES.length] as string;
      createTask(db, { title: `task ${i} on ${lane}`, assignee: lane, priority: i % 3 }, { name: 'soak' });
    }
    const maxLife = options.maxLifeMs ?? 1_500;
    for (let kill = 0; kill < options.kills; kill++) {
      const child = startDispatcher();
      await sleep(150 + Math.floor(random() * (maxLife - 150)));
      child.kill('SIGKILL');
      await exited(child);
    }
    const last = startDispatcher();
    const deadline = Math.min(
      Date.now() + (options.settleTimeoutMs ?? 40_000),
      options.settleUntil ?? Number.POSITIVE_INFINITY,
    );
    const unfinished = db.prepare(
      "SELECT count(*) AS n FROM tasks WHERE status NOT IN ('done') AND NOT (status = 'blocked' AND block_reason LIKE 'gave up%')",
    );
    while ((unfinished.get() as { n: number }).n > 0 && Date.now() < deadline) await sleep(100);
    last.kill('SIGTERM');
    await exited(last);

    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const statuses = Object.fromEntries(
      (
        db.prepare('SELECT status, count(*) AS n FROM tasks GROUP BY status').all() as {
          status: string;
          n: number;
        }[]
      ).map((row) => [row.status, row.n]),
    );
    const ranAfterCompleting = (
      db
        .prepare(
          `SELECT DISTINCT later.task_id AS id FROM events done JOIN events later
             ON later.task_id = done.task_id AND later.id > done.id AND later.kind IN ('spawned','claimed','adopted')
           WHERE done.kind = 'completed'`,
        )
        .all() as { id: string }[]
    ).map((row) => row.id);
    const badRunHistory = (
      db
        .prepare(
          `SELECT t.id FROM tasks t WHERE t.status = 'done' AND (
             (SELECT count(*) FROM runs r WHERE r.task_id = t.id AND r.outcome = 'completed') <> 1 OR
             (SELECT outcome FROM runs r WHERE r.task_id = t.id ORDER BY id DESC LIMIT 1) <> 'completed')`,
        )
        .all() as { id: string }[]
    ).map((row) => row.id);
    const eventIds = (db.prepare('SELECT id FROM events ORDER BY id').all() as { id: number }[]).map(
      (r) => r.id,
    );
    const gaps = eventIds.filter((id, index) => id !== index + 1).length;
    // Give the last dispatcher's stopped workers a moment to vanish from /proc.
    await sleep(200);
    const z = zombies(dispatcherPids);
    return {
      seed: options.seed,
      tasks: options.tasks,
      kills: options.kills,
      durationMs: Date.now() - started,
      statuses,
      gaveUp: count(
        "SELECT count(*) AS n FROM tasks WHERE status = 'blocked' AND block_reason LIKE 'gave up%'",
      ),
      healthyGaveUp: (
        db
          .prepare(
            `SELECT id FROM tasks WHERE status = 'blocked' AND assignee IN (${HEALTHY_LANES.map(() => '?').join(', ')})`,
          )
          .all(...HEALTHY_LANES) as { id: string }[]
      ).map((row) => row.id),
      healthyFailures: (
        db
          .prepare(
            `SELECT count(*) AS n FROM runs WHERE outcome IN ('crashed', 'timed_out', 'spawn_failed')
               AND lane IN (${HEALTHY_LANES.map(() => '?').join(', ')})`,
          )
          .get(...HEALTHY_LANES) as { n: number }
      ).n,
      blockedOtherwise: (
        db
          .prepare(
            "SELECT id || ': ' || coalesce(block_reason, '') AS r FROM tasks WHERE status = 'blocked' AND block_reason NOT LIKE 'gave up%'",
          )
          .all() as { r: string }[]
      ).map((row) => row.r),
      runningLeft: count("SELECT count(*) AS n FROM tasks WHERE status = 'running'"),
      openRuns: count('SELECT count(*) AS n FROM runs WHERE ended_at IS NULL'),
      runs: count('SELECT count(*) AS n FROM runs'),
      adopted: count("SELECT count(*) AS n FROM events WHERE kind = 'adopted'"),
      lostRuns: count("SELECT count(*) AS n FROM runs WHERE outcome = 'lost'"),
      ranAfterCompleting,
      badRunHistory,
      eventCount: eventIds.length,
      eventIdGaps: gaps,
      orphanWorkers: liveProcessesOfHome(paths.home),
      unreapedZombies: z.ofParents,
      zombiesOfInit: z.ofInit.filter((pid) => !initZombiesBefore.has(pid)).length,
      dispatcherStderr: stderr,
    };
  } finally {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    db.close();
    for (const pid of liveProcessesOfHome(paths.home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    removeTempHome(paths);
  }
}
