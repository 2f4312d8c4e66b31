import type { CellCount, Snapshot, TaskDetail } from '../../../shared/contract';
import type { DispatcherState, LaneStatus, WorkerStatus } from '../../../shared/dispatch';
import type { Card, DependencyCounts, Run, Task } from '../../../shared/domain';
import type { ChangeSummary, TaskWorktreeInfo } from '../../../shared/repository';
import { emptyTask } from '../api/fakeApi';

/** Small builders for renderer tests: valid objects with overridable fields. */

let counter = 0;
export const nextTaskId = (): string => `t_${(++counter).toString(16).padStart(8, '0')}`;

/** A task that is also a card (the board's form: no dependencies unless overridden). */
export function makeTask(overrides: Partial<Task & DependencyCounts> = {}): Task & DependencyCounts {
  return {
    ...emptyTask({
      id: overrides.id ?? nextTaskId(),
      board: 'default',
      title: 'A task',
      createdBy: null,
      now: 1_700_000_000_000,
    }),
    parentsTotal: 0,
    parentsDone: 0,
    ...overrides,
  };
}

/** The cell counts a core would send with these cards (all of the board's cards). */
export function countCells(cards: readonly Card[]): CellCount[] {
  const counts = new Map<string, CellCount>();
  for (const card of cards) {
    if (card.status === 'archived') continue;
    const key = `${card.assignee ?? ''}\u0000${card.status}`;
    const cell = counts.get(key) ?? { assignee: card.assignee, status: card.status, count: 0 };
    cell.count++;
    counts.set(key, cell);
  }
  return [...counts.values()];
}

export function makeLane(overrides: Partial<LaneStatus> & { name: string }): LaneStatus {
  return {
    kind: 'profile',
    problem: null,
    declared: false,
    description: null,
    command: ['./agent.sh', '{taskId}'],
    completion: 'exit-code',
    paused: false,
    maxConcurrent: 1,
    running: 0,
    // Unless a test says otherwise, every running task of the lane is a worker the dispatcher started.
    workerSlotsInUse: overrides.running ?? 0,
    counts: {},
    queuedBySkipReason: {},
    failures: 0,
    lastError: null,
    workers: [],
    requireApproval: false,
    budgetUsdPerDay: null,
    spentTodayUsd: 0,
    spent7dUsd: 0,
    ...overrides,
  };
}

export function makeWorker(overrides: Partial<WorkerStatus> & { taskId: string }): WorkerStatus {
  return {
    runId: 1,
    lane: 'coder',
    pid: 4242,
    startedAt: Date.now() - 65_000,
    ownChild: true,
    lastOutputLine: null,
    lastOutputAt: null,
    outputBytes: 0,
    stopping: false,
    ...overrides,
  };
}

export function makeDispatcher(overrides: Partial<DispatcherState> = {}): DispatcherState {
  return {
    enabled: true,
    active: true,
    leaseHolder: 'test',
    dispatching: 'here',
    fault: null,
    stuck: false,
    running: 0,
    ready: 0,
    workerSlotsInUse: 0,
    globalMaxConcurrent: 4,
    lastTickAt: null,
    workers: [],
    budgetExhausted: [],
    ...overrides,
  };
}

export function makeSnapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    seq: 1,
    board: 'default',
    boards: [{ slug: 'default', name: 'Default', createdAt: 0, archivedAt: null }],
    tasks: [],
    lanes: [],
    dispatcher: makeDispatcher(),
    problems: [],
    ...overrides,
    // Unless a test says otherwise, the snapshot holds the whole board.
    cells: overrides.cells ?? countCells(overrides.tasks ?? []),
  };
}

export function makeRun(overrides: Partial<Run> & { taskId: string }): Run {
  return {
    id: 1,
    lane: 'coder',
    pid: 4242,
    pidStartTime: null,
    startedAt: 1_700_000_000_000,
    endedAt: 1_700_000_060_000,
    outcome: 'crashed',
    exitCode: 1,
    signal: null,
    summary: null,
    error: 'exit code 1',
    logPath: null,
    tokensIn: null,
    tokensOut: null,
    costUsd: null,
    agentSession: null,
    lastMessage: null,
    followup: null,
    resumedSession: null,
    ...overrides,
  };
}

export function makeDetail(task: Task, overrides: Partial<TaskDetail> = {}): TaskDetail {
  return { task, parents: [], children: [], comments: [], runs: [], events: [], ...overrides };
}

/** A task's change figures as the core computes them: one committed file, nothing in conflict. */
/** A task's worktree of the board's repository, as the core reports it (not merged, not removed). */
export function makeTaskWorktree(
  taskId: string,
  overrides: Partial<TaskWorktreeInfo> = {},
): TaskWorktreeInfo {
  return {
    taskId,
    repo: '/repo',
    baseBranch: 'main',
    branch: `switchyard/${taskId}`,
    path: `/home/workspaces/${taskId}`,
    baseCommit: 'abc',
    mergedAt: null,
    mergeCommit: null,
    removedAt: null,
    reviewWaived: false,
    ...overrides,
  };
}

export function makeChangeSummary(overrides: Partial<ChangeSummary> = {}): ChangeSummary {
  return {
    files: 1,
    additions: 1,
    deletions: 1,
    uncommittedFiles: 0,
    ahead: 1,
    behind: 0,
    conflicts: [],
    merged: false,
    removed: false,
    computedAt: 1,
    error: null,
    ...overrides,
  };
}
