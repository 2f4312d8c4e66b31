import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { runCli, runCliJson } from './helpers/cli';
import { useTempHomes } from './helpers/home';

/** docs/architecture.md §10 from the CLI: approvals, lane budgets and follow-ups. */

const tempHome = useTempHomes();

describe('switchyard approve / lanes set', () => {
  it('approves a task that asks for it, once, and records who', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, [
      'create',
      'Deploy',
      '--assignee',
      'coder',
      '--require-approval',
    ]);
    expect(task).toMatchObject({ approvalRequired: true, approvedAt: null });
    const approved = await runCli(home, ['approve', task.id]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toBe(`Approved ${task.id} (ready, coder): Deploy\n`);
    const shown = await runCliJson<{ task: Task; events: { kind: string; payload: unknown }[] }>(home, [
      'show',
      task.id,
    ]);
    expect(shown.task).toMatchObject({ approvedBy: 'tester' });
    expect(shown.events.find((event) => event.kind === 'approved')?.payload).toEqual({ by: 'tester' });
    const again = await runCli(home, ['approve', task.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`switchyard: ${task.id} was already approved by tester\n`);
  });

  it('sets a lane budget and approval in lanes.json and shows them in `lanes`', async () => {
    const { home, lanesFile } = tempHome();
    await runCli(home, ['create', 'Task', '--assignee', 'coder']);
    const set = await runCli(home, ['lanes', 'set', 'coder', '--budget', '2.5', '--approval', 'on']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('Lane coder: needs approval, budget $2.50 a day\n');
    expect(JSON.parse(fs.readFileSync(lanesFile, 'utf8'))).toEqual({
      lanes: { coder: { kind: 'terminal', requireApproval: true, budget: { usdPerDay: 2.5 } } },
    });
    const lanes = await runCli(home, ['lanes']);
    expect(lanes.stdout).toContain('$0.00 today of $2.50 budget, $0.00 in 7 days  needs approval');
    expect(lanes.stdout).toContain('board spend: $0.00 today, $0.00 in 7 days');
    const bad = await runCli(home, ['lanes', 'set', 'coder', '--budget', 'lots']);
    expect(bad.code).toBe(2);
    const none = await runCli(home, ['lanes', 'set', 'coder', '--budget', 'none']);
    expect(none.stdout).toBe('Lane coder: needs approval, no budget\n');
  });
});

describe('switchyard followup', () => {
  it('sends a done task back to ready with the text, as an event; refuses other tasks of a worker', async () => {
    const { home } = tempHome();
    const task = await runCliJson<Task>(home, [
      'create',
      'Write the report',
      '--assignee',
      'coder',
      '--status',
      'done',
    ]);
    const other = await runCliJson<Task>(home, ['create', 'Another', '--status', 'done']);

    const fromWorker = await runCli(home, ['followup', other.id, 'not yours'], {
      env: { SWITCHYARD_TASK: task.id },
    });
    expect(fromWorker.code).toBe(1);
    // Issue 18: a worker's environment without its run's secret is refused, never a plain user.
    expect(fromWorker.stderr).toBe(
      `switchyard: this process has a worker's environment (SWITCHYARD_TASK=${task.id}) but no SWITCHYARD_RUN_SECRET: refusing to act for it (a worker acts only with the secret its run was started with)\n`,
    );
    const empty = await runCli(home, ['followup', task.id, '  ']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('switchyard: the follow-up is empty\n');

    const sent = await runCli(home, ['followup', task.id, 'Add the March figures too']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toBe(`Sent a follow-up to ${task.id} (ready, coder): Write the report\n`);
    const shown = await runCliJson<{ task: Task; events: { kind: string; payload: unknown }[] }>(home, [
      'show',
      task.id,
    ]);
    expect(shown.task.status).toBe('ready');
    expect(shown.events.find((event) => event.kind === 'followup')?.payload).toEqual({
      from: 'done',
      to: 'ready',
      text: 'Add the March figures too',
      by: 'tester',
    });
    expect((await runCliJson<{ task: Task }>(home, ['show', other.id])).task.status).toBe('done');
    const claimed = await runCli(home, ['claim', task.id]);
    expect(claimed.stdout).toBe(
      `Claimed ${task.id} (running, coder): Write the report\nFollow-up: Add the March figures too\n`,
    );
    const twice = await runCli(home, ['followup', task.id, 'again']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(
      `switchyard: ${task.id} is running; only a done or blocked task can get a follow-up\n`,
    );
  });
});
