// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, FakeBoardApi } from '../test/fakeBoardApi';
import { renderApp, type Rendered } from '../test/renderApp';
import { makeDetail, makeLane, makeRun, makeSnapshot, makeTask, makeWorker } from '../test/fixtures';
import { OPEN_CARD_NOTICE_TITLE } from '../store/boardStore';
import { act } from 'react';

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

const laneOrder = (container: HTMLElement) =>
  [...container.querySelectorAll('section[data-testid^="lane-"]')].map((lane) =>
    lane.getAttribute('data-testid'),
  );

describe('board', () => {
  it('groups lanes by kind, shows skip badges and counts', async () => {
    const terminalTask = makeTask({
      title: 'Review the PR',
      assignee: 'human',
      skipReason: 'terminal_lane',
      skipDetail: null,
    });
    const brokenTask = makeTask({
      assignee: 'coder',
      skipReason: 'profile_broken',
      skipDetail: 'profile `coder`: `claude` not found on PATH',
    });
    const capacityTask = makeTask({ assignee: 'shell', skipReason: 'lane_at_capacity' });
    const running = makeTask({ assignee: 'shell', status: 'running', startedAt: Date.now() - 5000 });
    const loose = makeTask({ assignee: null, status: 'triage' });
    view = await renderApp(
      makeSnapshot({
        tasks: [terminalTask, brokenTask, capacityTask, running, loose],
        lanes: [
          makeLane({ name: 'coder', kind: 'profile_broken', problem: '`claude` not found on PATH' }),
          makeLane({ name: 'shell', kind: 'profile', running: 2, maxConcurrent: 2 }),
          makeLane({ name: 'human', kind: 'terminal', declared: true }),
        ],
        dispatcher: {
          ...makeSnapshot().dispatcher,
          workers: [
            makeWorker({ taskId: running.id, lane: 'shell', pid: 777, lastOutputLine: 'running tests…' }),
          ],
        },
      }),
    );
    expect(laneOrder(view.container)).toEqual(['lane-shell', 'lane-human', 'lane-coder', 'lane-unassigned']);
    expect(view.byTestId('lane-kind-human').textContent).toBe('terminal');
    expect(view.byTestId('lane-kind-coder').textContent).toBe('broken');
    expect(view.byTestId('lane-capacity-shell').textContent).toBe('2/2');

    const terminalCard = view.byTestId(`card-${terminalTask.id}`);
    expect(terminalCard.getAttribute('data-skip-reason')).toBe('terminal_lane');
    // Issue 15: the command is shown as code, never with literal backticks.
    const terminalBadge = view.byTestId(`skip-${terminalTask.id}`);
    expect(terminalBadge.textContent).not.toContain('`');
    expect(terminalBadge.querySelector('code')?.textContent).toBe('switchyard claim');
    expect(terminalBadge.textContent).toMatch(/^terminal lane — waiting for switchyard claim/);
    const brokenBadge = view.byTestId(`skip-${brokenTask.id}`);
    expect(brokenBadge.textContent).toBe('broken profile: claude not found on PATH');
    expect(brokenBadge.querySelector('code')?.textContent).toBe('claude');
    expect(brokenBadge.getAttribute('title')).toBe('profile `coder`: `claude` not found on PATH');
    expect(view.byTestId(`skip-${capacityTask.id}`).textContent).toBe('lane at capacity 2/2');

    expect(view.byTestId('column-count-ready').textContent).toBe('3');
    expect(view.byTestId('cell-human-ready').contains(terminalCard)).toBe(true);
    expect(view.byTestId('cell-unassigned-triage').getAttribute('data-count')).toBe('1');
    const worker = view.byTestId(`worker-${running.id}`).textContent;
    expect(worker).toContain('pid 777');
    expect(worker).toContain('running tests…');
  });

  it('shows the backoff time and failure count on a card', async () => {
    const at = new Date(2030, 0, 1, 14, 2).getTime();
    const task = makeTask({ assignee: 'shell', skipReason: 'backoff', nextAttemptAt: at, failureCount: 2 });
    view = await renderApp(makeSnapshot({ tasks: [task], lanes: [makeLane({ name: 'shell' })] }));
    expect(view.byTestId(`skip-${task.id}`).textContent).toMatch(/^backoff until .*14:02$/);
    expect(view.byTestId(`failures-${task.id}`).textContent).toBe('✕2');
  });

  it("shows dependency progress from the core's counts, parents loaded or not", async () => {
    const child = makeTask({ status: 'todo', parentsTotal: 2, parentsDone: 1 });
    const free = makeTask({ status: 'ready' });
    view = await renderApp(makeSnapshot({ tasks: [child, free] }));
    expect(view.byTestId(`deps-${child.id}`).textContent).toContain('1/2');
    expect(view.container.querySelector(`[data-testid="deps-${free.id}"]`)).toBeNull();
  });

  it('moves a card with the Move to… menu', async () => {
    const task = makeTask({ assignee: 'shell', status: 'ready' });
    view = await renderApp(
      makeSnapshot({
        tasks: [task],
        lanes: [makeLane({ name: 'shell' }), makeLane({ name: 'review', kind: 'terminal' })],
      }),
    );
    let current = task;
    view.api.on('moveTask', (request) => {
      current = {
        ...current,
        status: request.status ?? current.status,
        assignee: request.assignee === undefined ? current.assignee : request.assignee,
      };
      return { task: current, stoppedWorker: false };
    });

    await view.click(view.byTestId(`move-${task.id}`));
    expect((view.byTestId('move-to-status-running') as HTMLButtonElement).disabled).toBe(true);
    await view.click(view.byTestId('move-to-status-blocked'));
    expect(view.api.callsOf('moveTask')).toEqual([{ id: task.id, status: 'blocked' }]);
    expect(view.byTestId('cell-shell-blocked').contains(view.byTestId(`card-${task.id}`))).toBe(true);

    await view.click(view.byTestId(`move-${task.id}`));
    await view.click(view.byTestId('move-to-lane-review'));
    expect(view.api.callsOf('moveTask')[1]).toEqual({ id: task.id, assignee: 'review' });
    expect(view.byTestId('cell-review-blocked').contains(view.byTestId(`card-${task.id}`))).toBe(true);
    expect(view.queryByTestId('drawer')).toBeNull(); // the menu does not open the card
  });

  it('snaps a refused move back and says why', async () => {
    const task = makeTask({ assignee: 'shell', status: 'ready' });
    view = await renderApp(makeSnapshot({ tasks: [task], lanes: [makeLane({ name: 'shell' })] }));
    view.api.on('moveTask', () => {
      throw new Error('the lane refuses');
    });
    await view.click(view.byTestId(`move-${task.id}`));
    await view.click(view.byTestId('move-to-status-todo'));
    expect(view.byTestId('cell-shell-ready').contains(view.byTestId(`card-${task.id}`))).toBe(true);
    expect(view.byTestId('toasts').textContent).toContain('the lane refuses');
  });

  it('orders lanes the same on the board and in the Lanes view: by kind, numbers in names as numbers', async () => {
    const lanes = [
      makeLane({ name: 'agent-10' }),
      makeLane({ name: 'agent-2' }),
      makeLane({ name: 'coder', kind: 'profile_broken', problem: '`claude` not found on PATH' }),
      makeLane({ name: 'human', kind: 'terminal' }),
    ];
    view = await renderApp(
      makeSnapshot({
        tasks: lanes.map((lane) => makeTask({ assignee: lane.name, status: 'todo' })),
        lanes,
      }),
    );
    const expected = ['agent-2', 'agent-10', 'human', 'coder'];
    expect(laneOrder(view.container)).toEqual([...expected.map((name) => `lane-${name}`), 'lane-unassigned']);
    await view.click(view.byTestId('view-lanes'));
    const rows = [...view.container.querySelectorAll('[data-testid^="lane-status-"]')]
      .map((row) => row.getAttribute('data-testid'))
      .filter((id) => expected.some((name) => id === `lane-status-${name}`));
    expect(rows).toEqual(expected.map((name) => `lane-status-${name}`));
  });

  it('opens the drawer with run history when a card is clicked', async () => {
    const task = makeTask({ title: 'Flaky build', assignee: 'shell', failureCount: 1 });
    view = await renderApp(makeSnapshot({ tasks: [task], lanes: [makeLane({ name: 'shell' })] }));
    view.api
      .on('taskDetail', () =>
        makeDetail(task, {
          runs: [
            makeRun({ taskId: task.id, id: 11, outcome: 'crashed', error: 'exit code 3' }),
            makeRun({
              taskId: task.id,
              id: 12,
              outcome: 'completed',
              exitCode: 0,
              error: null,
              summary: 'ok',
            }),
          ],
        }),
      )
      .on('tailLog', () => ({
        taskId: task.id,
        runId: 12,
        text: 'hello from the log\n',
        offset: 19,
        truncated: false,
      }));
    await view.click(view.byTestId(`card-${task.id}`));
    await view.settle();
    expect(view.byTestId('drawer')).toBeTruthy();
    expect(view.byTestId('run-11').textContent).toContain('crashed');
    expect(view.byTestId('run-12').textContent).toContain('completed');
    expect(view.byTestId('drawer-runs').textContent).toContain('exit code 3');
    expect(view.byTestId('log-tail').textContent).toContain('hello from the log');
    expect(view.api.callsOf('tailLog')[0]).toEqual({ id: task.id });
  });

  it('does not show a skip reason left over on a task that is no longer ready', async () => {
    const parent = makeTask({ title: 'Design', assignee: 'human' });
    const child = makeTask({
      title: 'Build',
      assignee: 'human',
      status: 'todo',
      skipReason: 'terminal_lane',
      skipDetail: 'terminal lane — waiting for `switchyard claim`',
    });
    view = await renderApp(makeSnapshot({ tasks: [parent, { ...child, parentsTotal: 1, parentsDone: 0 }] }));
    view.api
      .on('taskDetail', () => makeDetail(child))
      .on('tailLog', () => ({ taskId: child.id, runId: null, text: '', offset: 0, truncated: false }));
    expect(view.container.querySelector(`[data-testid="skip-${child.id}"]`)).toBeNull();
    await view.click(view.byTestId(`card-${child.id}`));
    await view.settle();
    const drawer = view.byTestId('drawer').textContent ?? '';
    expect(drawer).not.toContain('Waiting because');
    expect(drawer).toContain('its parents to be done');
  });

  it('opens a card when an "open card" notice arrives', async () => {
    const task = makeTask();
    view = await renderApp(makeSnapshot({ seq: 4, tasks: [task] }));
    view.api
      .on('taskDetail', () => makeDetail(task))
      .on('tailLog', () => ({ taskId: task.id, runId: null, text: '', offset: 0, truncated: false }));
    await act(async () => {
      view!.api.emit({
        type: 'notice',
        seq: 5,
        level: 'info',
        title: OPEN_CARD_NOTICE_TITLE,
        message: '',
        taskId: task.id,
      });
    });
    await view.settle();
    expect(view.byTestId('drawer').getAttribute('aria-label')).toBe(`Task ${task.title}`);
  });

  it('shows the first-run screen on an empty board without profiles', async () => {
    view = await renderApp(makeSnapshot());
    expect(view.byTestId('first-run')).toBeTruthy();
    view.api.on('createProfile', (request) => makeLane({ name: String(request.name), kind: 'profile' }));
    await view.click(view.byTestId('first-run-create'));
    expect(view.api.callsOf('createProfile')).toEqual([{ name: 'shell', template: 'shell' }]);
    expect(view.queryByTestId('first-run')).toBeNull();
    expect(view.byTestId('lane-shell')).toBeTruthy();
  });

  it('renders only the first page of a long column', async () => {
    const tasks = Array.from({ length: 500 }, (_, i) => makeTask({ assignee: 'bulk', title: `task ${i}` }));
    view = await renderApp(makeSnapshot({ tasks, lanes: [makeLane({ name: 'bulk' })] }));
    const cell = view.byTestId('cell-bulk-ready');
    expect(cell.getAttribute('data-count')).toBe('500');
    expect(cell.querySelectorAll('[data-testid^="card-"]').length).toBeLessThan(100);
    expect(view.byTestId('column-count-ready').textContent).toBe('500');
  });

  it('offers the cards the snapshot left out of a cell and fetches them on "show more"', async () => {
    const done = Array.from({ length: 5 }, (_, i) =>
      makeTask({ assignee: 'bulk', status: 'done', completedAt: 1_000 - i, title: `done ${i}` }),
    );
    const older = Array.from({ length: 40 }, (_, i) =>
      makeTask({ assignee: 'bulk', status: 'done', completedAt: 500 - i, title: `older ${i}` }),
    );
    const ready = Array.from({ length: 3 }, (_, i) =>
      makeTask({ assignee: 'bulk', status: 'ready', createdAt: 100 + i, title: `ready ${i}` }),
    );
    const snapshot = makeSnapshot({
      tasks: [...done, ready[0]!],
      cells: [
        { assignee: 'bulk', status: 'done', count: 45 },
        { assignee: 'bulk', status: 'ready', count: 3 },
      ],
      lanes: [makeLane({ name: 'bulk' })],
    });
    const api = new FakeBoardApi().on('cellCards', (request) =>
      request.status === 'done' ? { tasks: older, remaining: 0 } : { tasks: ready.slice(1), remaining: 0 },
    );
    view = await renderApp(snapshot, api);
    const cell = view.byTestId('cell-bulk-done');
    expect(cell.querySelectorAll('[data-testid^="card-"]').length).toBe(5);
    const more = cell.querySelector('.cell-more') as HTMLElement;
    expect(more.textContent).toBe('Show 40 more of 40');
    expect(view.byTestId('column-count-done').textContent).toBe('45');
    expect(view.byTestId('column-count-ready').textContent).toBe('3');
    expect(view.byTestId('lane-bulk').querySelector('.lane-counts')?.textContent).toBe('48 tasks');
    await view.click(more);
    await view.settle();
    expect(api.callsOf('cellCards')).toEqual([
      {
        board: 'default',
        assignee: 'bulk',
        status: 'done',
        limit: 120,
        after: { id: done[4]!.id, priority: 0, createdAt: done[4]!.createdAt, doneAt: 996 },
      },
    ]);
    expect(view.byTestId('cell-bulk-done').querySelectorAll('[data-testid^="card-"]').length).toBe(45);
    expect(view.byTestId('cell-bulk-done').querySelector('.cell-more')).toBeNull();
    expect(view.byTestId('column-count-done').textContent).toBe('45');

    await view.click(view.byTestId('cell-bulk-ready').querySelector('.cell-more') as HTMLElement);
    await view.settle();
    const readyCards = view.byTestId('cell-bulk-ready').querySelectorAll('[data-testid^="card-"]');
    expect([...readyCards].map((card) => card.getAttribute('data-testid'))).toEqual(
      ready.map((task) => `card-${task.id}`),
    );
  });

  it('says it is searching, not that nothing matches, until the core answers a filter', async () => {
    const loaded = makeTask({ assignee: 'bulk', status: 'ready', title: 'loaded' });
    const far = makeTask({
      assignee: 'bulk',
      status: 'ready',
      title: 'needle',
      createdAt: loaded.createdAt + 1,
    });
    const answer = deferred<{ tasks: (typeof far)[]; total: number }>();
    const api = new FakeBoardApi().on('searchCards', () => answer.promise);
    view = await renderApp(
      makeSnapshot({
        tasks: [loaded],
        cells: [{ assignee: 'bulk', status: 'ready', count: 2 }],
        lanes: [makeLane({ name: 'bulk' })],
      }),
      api,
    );
    // The search starts after the filter's debounce: run that timer by hand rather than sleep past it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await act(async () => view?.store.getState().setFilter({ text: 'needle' }));
      expect(view.container.textContent).toContain('Searching the whole board…');
      expect(view.container.textContent).not.toContain('No card matches the filter.');
      await act(async () => {
        await vi.advanceTimersByTimeAsync(250);
        answer.resolve({ tasks: [far], total: 1 });
      });
    } finally {
      vi.useRealTimers();
    }
    await view.settle();
    expect(view.byTestId('cell-bulk-ready').textContent).toContain('needle');
  });

  it('takes a fresh snapshot when the event stream reconnects, even if no event follows', async () => {
    const task = makeTask({ assignee: 'alice', status: 'ready', title: 'Missed while offline' });
    const lanes = [makeLane({ name: 'alice', kind: 'terminal' })];
    view = await renderApp(makeSnapshot({ tasks: [task], lanes }));
    expect(view.byTestId('cell-alice-ready').querySelector(`[data-testid="card-${task.id}"]`)).not.toBeNull();
    // The task was completed while the socket was down; its event never arrived.
    const completed = { ...task, status: 'done' as const, completedAt: 2_000 };
    view.api.on('snapshot', () => makeSnapshot({ seq: 7, tasks: [completed], lanes }));
    await act(async () => view?.api.resetStream());
    await view.settle();
    expect(view.api.callsOf('snapshot')).toHaveLength(2);
    expect(view.byTestId('cell-alice-done').querySelector(`[data-testid="card-${task.id}"]`)).not.toBeNull();
    expect(view.store.getState().lastSeq).toBe(7);
  });
});
