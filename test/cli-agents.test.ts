import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Task } from '../shared/domain';
import { runCli, runCliJson } from './helpers/cli';
import { useTempHomes } from './helpers/home';

/** docs/architecture.md §10 from the CLI: approvals and lane budgets. */

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
