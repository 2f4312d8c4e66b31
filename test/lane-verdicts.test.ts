import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SkipReason } from '../shared/domain';
import { createTask } from '../electron/core/commands/taskCommands';
import { runInWriteTransaction } from '../electron/core/store/db/open';
import * as runs from '../electron/core/store/runs';
import * as tasks from '../electron/core/store/tasks';
import type { Engine } from '../electron/core/dispatch/engine';
import { useTempHomes } from './helpers/home';
import { newEngine, writeAgentProfile, writeFastSettings } from './helpers/engine';

/**
 * Issue 17, target 2: a verdict that holds for every ready task of a lane is stored once for the
 * lane (migration v13). On a board with every skip reason, each task's verdict — as the dispatcher
 * gives it, as every reader of tasks shows it, as the lane view counts it — is the same before and
 * after, with its exact text; and turning the dispatcher off and on writes lane rows, not task rows.
 */

const person = { name: 'alice' };
const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

type Verdict = { reason: SkipReason | null; detail: string | null };

function mixedBoard() {
  const paths = tempHome();
  writeFastSettings(paths, { globalMaxConcurrent: 2 });
  for (const lane of ['coder', 'quiet', 'gate', 'pricey'])
    writeAgentProfile(paths, lane, 'sleep.mjs', { args: ['600'], maxConcurrent: 1 });
  writeAgentProfile(paths, 'solo', 'sleep.mjs', { args: ['600'], maxConcurrent: 2 });
  fs.mkdirSync(path.join(paths.profiles, 'broken'), { recursive: true });
  fs.writeFileSync(path.join(paths.profiles, 'broken', 'profile.json'), '{ not json');
  fs.writeFileSync(
    paths.lanesFile,
    JSON.stringify({
      lanes: {
        human: { kind: 'terminal' },
        quiet: { paused: true },
        gate: { requireApproval: true },
        pricey: { budget: { usdPerDay: 1 } },
      },
    }),
  );
  const engine = newEngine(paths);
  engines.push(engine);
  const { db } = engine;
  // Earlier today the pricey lane spent $1.25.
  const earlier = createTask(db, { title: 'earlier', assignee: 'pricey', status: 'done' }, person).id;
  runInWriteTransaction(db, () => {
    const runId = runs.insertRun(db, { taskId: earlier, lane: 'pricey', logPath: null, now: Date.now() });
    runs.recordRunUsage(db, runId, { costUsd: 1.25, tokensIn: 1, tokensOut: 1 });
    runs.closeRun(db, runId, { outcome: 'completed', now: Date.now() });
  });
  const make = (
    lane: string | null,
    n: number,
    extra: { priority?: number; requireApproval?: boolean } = {},
  ) =>
    Array.from(
      { length: n },
      (_, i) => createTask(db, { title: `${lane ?? 'none'} ${i}`, assignee: lane, ...extra }, person).id,
    );
  const ids = {
    // First in walk order: one starts in coder, one in solo; the global limit (2) is then reached.
    runningCoder: make('coder', 1, { priority: 5 }),
    runningSolo: make('solo', 1, { priority: 4 }),
    coderAtCapacity: make('coder', 2),
    soloAtGlobalLimit: make('solo', 2),
    coderOwnApproval: make('coder', 1, { requireApproval: true }),
    coderBackoff: make('coder', 1),
    human: make('human', 2),
    typo: make('humn', 2),
    broken: make('broken', 2),
    quiet: make('quiet', 2),
    gate: make('gate', 2),
    pricey: make('pricey', 2),
    unassigned: make(null, 2),
  };
  const backoffUntil = Date.now() + 3_600_000;
  for (const id of ids.coderBackoff) tasks.updateTask(db, id, { nextAttemptAt: backoffUntil }, Date.now());
  return { engine, ids };
}

/** Every ready task's verdict as the dispatcher judges it, checked against every reader. */
function verdictsEverywhere(engine: Engine): Map<string, Verdict> {
  const { db } = engine;
  const judged = new Map<string, Verdict>(
    engine.dryRun().skipped.map((entry) => [entry.taskId, { reason: entry.reason, detail: entry.detail }]),
  );
  const byLane = new Map<string, Record<string, number>>();
  for (const task of tasks.listTasks(db, { statuses: ['ready'] })) {
    if (task.claimOwner !== null) continue;
    const shown = { reason: task.skipReason, detail: task.skipDetail };
    expect(shown, task.id).toEqual(judged.get(task.id) ?? { reason: null, detail: null });
    expect({
      reason: tasks.findTask(db, task.id)?.skipReason,
      detail: tasks.findTask(db, task.id)?.skipDetail,
    }).toEqual(shown);
    if (shown.reason === null) continue;
    const counts = byLane.get(task.assignee ?? '') ?? {};
    counts[shown.reason] = (counts[shown.reason] ?? 0) + 1;
    byLane.set(task.assignee ?? '', counts);
  }
  for (const lane of engine.laneStatuses('default')) {
    if (lane.name === null) continue;
    expect(lane.queuedBySkipReason, lane.name).toEqual(byLane.get(lane.name) ?? {});
  }
  return judged;
}

const ownRows = (engine: Engine): unknown[] =>
  engine.db.prepare('SELECT task_id, reason, detail FROM task_skips ORDER BY task_id').all();

describe('lane-wide verdicts stored once per lane', () => {
  it('give every task of a mixed board the verdict, with its text, it had before, through a pause and a resume', () => {
    const { engine, ids } = mixedBoard();
    const first = engine.runTick();
    expect(first?.spawned.map((spawn) => spawn.taskId).sort()).toEqual(
      [...ids.runningCoder, ...ids.runningSolo].sort(),
    );
    const before = verdictsEverywhere(engine);
    const expected: Record<string, (detail: string | null) => void> = {
      coderAtCapacity: (detail) => expect(detail).toBe('lane at capacity 1/1'),
      soloAtGlobalLimit: (detail) => expect(detail).toBe('global limit 2/2'),
      coderOwnApproval: (detail) => expect(detail).toBe('this task asks for approval before it starts'),
      coderBackoff: (detail) => expect(detail).toMatch(/^backoff until \d{4}-\d\d-\d\dT/),
      human: (detail) => expect(detail).toBe('terminal lane — waiting for `switchyard claim`'),
      typo: (detail) => expect(detail).toMatch(/^terminal lane — waiting for `switchyard claim` \(.+\)$/),
      broken: (detail) => expect(detail).toMatch(/^profile `broken`: /),
      quiet: (detail) => expect(detail).toBe('lane quiet is paused'),
      gate: (detail) =>
        expect(detail).toBe(
          'lane gate asks for approval before a task starts (approve it on the card, `switchyard approve` or MCP)',
        ),
      pricey: (detail) => expect(detail).toMatch(/^spent \$1\.25 of \$1\.00 today; resets \d{4}-/),
      unassigned: (detail) => expect(detail).toBe('no lane — assign it to a profile or a terminal lane'),
    };
    const reasons: Record<string, SkipReason> = {
      coderAtCapacity: 'lane_at_capacity',
      soloAtGlobalLimit: 'global_at_capacity',
      coderOwnApproval: 'awaiting_approval',
      coderBackoff: 'backoff',
      human: 'terminal_lane',
      typo: 'terminal_lane',
      broken: 'profile_broken',
      quiet: 'lane_paused',
      gate: 'awaiting_approval',
      pricey: 'budget_exhausted',
      unassigned: 'unassigned',
    };
    for (const [group, check] of Object.entries(expected))
      for (const id of ids[group as keyof typeof ids]) {
        expect(before.get(id)?.reason, group).toBe(reasons[group]);
        check(before.get(id)?.detail ?? null);
      }

    // Off: every task of a profile lane says so; the rest keep theirs. The tasks' own rows are not
    // rewritten (main rewrote each to dispatcher_paused): the lanes' rows carry it.
    const rowsBefore = ownRows(engine);
    engine.setDispatcherEnabled(false);
    const paused = engine.runTick();
    expect(ownRows(engine)).toEqual(rowsBefore);
    const off = verdictsEverywhere(engine);
    const profileLanes = new Set(['coder', 'solo', 'quiet', 'gate', 'pricey']);
    for (const [id, verdict] of before) {
      const lane = tasks.findTask(engine.db, id)?.assignee ?? null;
      expect(off.get(id), id).toEqual(
        lane !== null && profileLanes.has(lane)
          ? { reason: 'dispatcher_paused', detail: 'the dispatcher is switched off' }
          : verdict,
      );
    }
    // Every card that changed is named in the tick's result (and so in the log's skips_changed).
    expect(new Set(paused?.skipChanged)).toEqual(
      new Set(
        [...before].filter(([id, verdict]) => off.get(id)?.reason !== verdict.reason).map(([id]) => id),
      ),
    );

    // On again: every task's verdict is the one it had before, and still no own row was written.
    engine.setDispatcherEnabled(true);
    engine.runTick();
    expect(ownRows(engine)).toEqual(rowsBefore);
    expect(verdictsEverywhere(engine)).toEqual(before);
  });
});
