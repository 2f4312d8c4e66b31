import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { issueRunSecret } from '../commands/actors';
import { approveTask, claimTask, createTask } from '../commands/taskCommands';
import { runInWriteTransaction } from '../store/db/open';
import { eventsOf } from '../store/events';
import * as runs from '../store/runs';
import * as tasks from '../store/tasks';
import type { Engine } from './engine';
import { useTempHomes } from '../../../test/helpers/home';
import { newEngine, tickUntil, writeAgentProfile, writeFastSettings } from '../../../test/helpers/engine';
import { appendAll } from '../../../shared/arrays';

/**
 * docs/architecture.md §10 rules in the dispatcher: retry exit codes are not failures, approval before spawn, and
 * daily lane budgets — the two new skip reasons sit after lane_paused and never count as stuck.
 */

const person = { name: 'alice' };
const tempHome = useTempHomes();
const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function start(setup: (paths: ReturnType<typeof tempHome>) => void, dispatcher = {}): Engine {
  const paths = tempHome();
  writeFastSettings(paths, { stuckTicks: 3, ...dispatcher });
  setup(paths);
  const engine = newEngine(paths);
  engines.push(engine);
  return engine;
}

describe('retryExitCodes', () => {
  it('exit 75 puts the task back to ready after a backoff with failureCount 0, never gave_up', async () => {
    const engine = start((paths) => writeAgentProfile(paths, 'hermes', 'exit-code.mjs', { args: ['75'] }), {
      backoffBaseMs: 60_000,
      backoffMaxMs: 600_000,
      failureLimit: 2,
    });
    const id = createTask(engine.db, { title: 'rate limited', assignee: 'hermes' }, person).id;
    const reported: string[] = [];
    engine.subscribe((change) => {
      if (change.type === 'tick') appendAll(reported, change.result.rateLimited);
    });
    await tickUntil(
      engine,
      () => {
        const task = tasks.findTask(engine.db, id);
        return (
          task?.status === 'ready' && task.currentRunId === null && runs.runsOf(engine.db, id).length === 1
        );
      },
      'the rate-limited exit to be reaped',
    );
    const task = tasks.findTask(engine.db, id);
    expect(task).toMatchObject({ status: 'ready', failureCount: 0, lastError: 'rate limited (exit 75)' });
    expect(task?.nextAttemptAt).toBeGreaterThan(Date.now() + 50_000);
    expect(runs.runsOf(engine.db, id)[0]).toMatchObject({ outcome: 'rate_limited', exitCode: 75 });
    expect(reported).toEqual([id]);
    expect(eventsOf(engine.db, id).map((event) => event.kind)).toContain('rate_limited');
    const next = engine.runTick();
    expect(next?.skipped.find((skip) => skip.taskId === id)?.reason).toBe('backoff');
    expect(runs.runsOf(engine.db, id)).toHaveLength(1);
  });

  it('another exit code still counts as a failure', async () => {
    const engine = start((paths) => writeAgentProfile(paths, 'plain', 'exit-code.mjs', { args: ['1'] }));
    const id = createTask(engine.db, { title: 'crash', assignee: 'plain' }, person).id;
    await tickUntil(
      engine,
      () => (tasks.findTask(engine.db, id)?.failureCount ?? 0) === 1,
      'a counted failure',
    );
    expect(runs.runsOf(engine.db, id)[0]?.outcome).toBe('crashed');
  });
});

describe('approval before spawn', () => {
  it('a task on an approval lane waits over 20 ticks and spawns on the tick after approve', () => {
    const engine = start((paths) => {
      writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'], maxConcurrent: 4 });
      fs.writeFileSync(paths.lanesFile, JSON.stringify({ lanes: { coder: { requireApproval: true } } }));
    });
    const id = createTask(engine.db, { title: 'needs a yes', assignee: 'coder' }, person).id;
    for (let tick = 0; tick < 20; tick += 1) {
      const result = engine.runTick();
      expect(result?.spawned).toEqual([]);
      expect(result?.stuck).toBe(false);
    }
    expect(tasks.findTask(engine.db, id)).toMatchObject({ status: 'ready', skipReason: 'awaiting_approval' });
    expect(runs.runsOf(engine.db, id)).toHaveLength(0);

    approveTask(engine.db, id, person);
    const after = engine.runTick();
    expect(after?.spawned.map((spawn) => spawn.taskId)).toEqual([id]);
    const approved = eventsOf(engine.db, id).find((event) => event.kind === 'approved');
    expect(approved?.payload).toEqual({ by: 'alice' });
    expect(() => approveTask(engine.db, id, person)).toThrow(/already approved by alice/);
  });

  it('a task of its own asks for approval on any lane; a worker cannot approve', () => {
    const engine = start((paths) => writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'] }));
    const id = createTask(
      engine.db,
      { title: 'careful', assignee: 'coder', requireApproval: true },
      person,
    ).id;
    const other = createTask(engine.db, { title: 'free', assignee: 'coder', priority: -1 }, person).id;
    const first = engine.runTick();
    expect(first?.skipped.find((skip) => skip.taskId === id)?.reason).toBe('awaiting_approval');
    expect(first?.spawned.map((spawn) => spawn.taskId)).toEqual([other]);
    // A worker (issue 18: its run's secret) cannot approve, its own task nor another.
    const runId = tasks.findTask(engine.db, other)?.currentRunId as number;
    const secret = runInWriteTransaction(engine.db, () => issueRunSecret(engine.db, runId));
    const worker = { name: `worker:${other}`, worker: { taskId: other, runId: String(runId), secret } };
    for (const target of [id, other])
      expect(() => approveTask(engine.db, target, worker)).toThrow(
        `a worker of ${other} cannot approve ${target}: that is a person's decision`,
      );
    expect(tasks.findTask(engine.db, id)?.approvedAt).toBeNull();
  });

  it('a terminal lane that asks for approval: its cards say so (approvable), claims wait for the approval', () => {
    let paths!: ReturnType<typeof tempHome>;
    const engine = start((home) => {
      paths = home;
      fs.writeFileSync(
        home.lanesFile,
        JSON.stringify({ lanes: { 'orion-cc': { kind: 'terminal', requireApproval: true } } }),
      );
    });
    const terminal = { name: 'orion' };
    const first = createTask(engine.db, { title: 'first', assignee: 'orion-cc', priority: 2 }, person).id;
    const second = createTask(engine.db, { title: 'second', assignee: 'orion-cc' }, person).id;
    engine.runTick();
    // The card's Approve button shows for awaiting_approval; "waiting for `switchyard claim`" would
    // send the terminal to a claim that must wait.
    expect(tasks.findTask(engine.db, first)?.skipReason).toBe('awaiting_approval');
    expect(() => claimTask(engine.db, { taskId: first, lanesFile: paths }, terminal)).toThrow(
      `${first} waits for approval (lane orion-cc asks for it before a task starts): approve it first (the card's Approve button, \`switchyard approve ${first}\` or MCP approve_task)`,
    );
    const next = { lane: 'orion-cc', lanesFile: paths };
    expect(() => claimTask(engine.db, next, terminal)).toThrow(
      'no ready task in lane "orion-cc" may start: 2 wait for approval (the card\'s Approve button, `switchyard approve ID` or MCP approve_task)',
    );

    approveTask(engine.db, second, person);
    engine.runTick();
    // Each task of the lane has its own verdict: the approved one waits for its claim.
    expect(tasks.findTask(engine.db, second)?.skipReason).toBe('terminal_lane');
    expect(tasks.findTask(engine.db, first)?.skipReason).toBe('awaiting_approval');
    expect(claimTask(engine.db, next, terminal)).toMatchObject({ id: second, status: 'running' });
    expect(tasks.findTask(engine.db, first)).toMatchObject({ status: 'ready', claimOwner: null });
  });

  it('a task that asks for approval itself cannot be claimed from a terminal lane before it', () => {
    const engine = start(() => undefined);
    const id = createTask(
      engine.db,
      { title: 'careful', assignee: 'orion-cc', requireApproval: true },
      person,
    ).id;
    expect(() => claimTask(engine.db, { taskId: id }, { name: 'orion' })).toThrow(
      `${id} waits for approval (it asks for it before it starts): approve it first`,
    );
    approveTask(engine.db, id, person);
    expect(claimTask(engine.db, { lane: 'orion-cc' }, { name: 'orion' }).id).toBe(id);
  });

  it('awaiting_approval comes after lane_paused in the walk', () => {
    const engine = start((paths) => {
      writeAgentProfile(paths, 'coder', 'sleep.mjs', { args: ['600'] });
      fs.writeFileSync(
        paths.lanesFile,
        JSON.stringify({ lanes: { coder: { requireApproval: true, paused: true } } }),
      );
    });
    const id = createTask(engine.db, { title: 'x', assignee: 'coder' }, person).id;
    engine.runTick();
    expect(tasks.findTask(engine.db, id)?.skipReason).toBe('lane_paused');
  });
});

describe('lane budgets', () => {
  it('a lane over budget holds its ready tasks, another lane keeps spawning, raising it releases them', () => {
    const engine = start((paths) => {
      writeAgentProfile(paths, 'pricey', 'sleep.mjs', { args: ['600'], maxConcurrent: 4 });
      writeAgentProfile(paths, 'cheap', 'sleep.mjs', { args: ['600'], maxConcurrent: 4 });
      fs.writeFileSync(paths.lanesFile, JSON.stringify({ lanes: { pricey: { budget: { usdPerDay: 1 } } } }));
    });
    // Earlier today the lane spent $1.25 (runs that reported their cost).
    const earlier = createTask(
      engine.db,
      { title: 'earlier', assignee: 'pricey', status: 'done' },
      person,
    ).id;
    runInWriteTransaction(engine.db, () => {
      for (const cost of [0.5, 0.75]) {
        const runId = runs.insertRun(engine.db, {
          taskId: earlier,
          lane: 'pricey',
          logPath: null,
          now: Date.now(),
        });
        runs.recordRunUsage(engine.db, runId, { costUsd: cost, tokensIn: 100, tokensOut: 10 });
        runs.closeRun(engine.db, runId, { outcome: 'completed', now: Date.now() });
      }
    });
    const held = [1, 2].map((n) => createTask(engine.db, { title: `p${n}`, assignee: 'pricey' }, person).id);
    const free = createTask(engine.db, { title: 'c1', assignee: 'cheap' }, person).id;

    const notices: string[] = [];
    engine.subscribe((change) => {
      if (change.type === 'notice') notices.push(`${change.notice.title}: ${change.notice.message}`);
    });
    const first = engine.runTick();
    expect(first?.spawned.map((spawn) => spawn.taskId)).toEqual([free]);
    expect(notices).toEqual([
      expect.stringMatching(/^Budget exhausted: pricey: spent \$1\.25 of \$1\.00 today; resets /),
    ]);
    for (const id of held) {
      const task = tasks.findTask(engine.db, id);
      expect(task?.skipReason).toBe('budget_exhausted');
      expect(task?.skipDetail).toMatch(/^spent \$1\.25 of \$1\.00 today; resets \d{4}-\d\d-\d\dT/);
    }
    const lane = engine.laneStatuses('default').find((status) => status.name === 'pricey');
    expect(lane).toMatchObject({ budgetUsdPerDay: 1, spentTodayUsd: 1.25, spent7dUsd: 1.25 });
    expect(lane?.queuedBySkipReason).toEqual({ budget_exhausted: 2 });
    for (let tick = 0; tick < 5; tick += 1) expect(engine.runTick()?.stuck).toBe(false);
    expect(notices).toHaveLength(1);

    // Raised to $2: released on the next tick.
    engine.setLaneAgentSettings('pricey', { budgetUsdPerDay: 2 });
    const next = engine.runTick();
    expect(new Set(next?.spawned.map((spawn) => spawn.taskId))).toEqual(new Set(held));
  });
});
