// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeCard, ChangeSummary } from '../../../shared/repository';
import { FakeBoardApi } from '../test/fakeBoardApi';
import { makeChangeSummary, makeLane, makeSnapshot, makeTask } from '../test/fixtures';
import { renderApp, type Rendered } from '../test/renderApp';

/**
 * docs/architecture.md §9 on the board: the card chips come from the core's change cards (loaded with the board,
 * then pushed as `changes` events), the toolbar's "Needs review" filter and count read the same
 * cards, and the filter asks the core for matches the board has not loaded.
 */

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

const summary = (overrides: Partial<ChangeSummary> = {}): ChangeSummary =>
  makeChangeSummary({ files: 3, additions: 12, deletions: 4, baseTip: 'abc', ...overrides });

describe('change chips and the needs-review filter', () => {
  it('shows the figures and states on the cards, live, and filters to the tasks that need review', async () => {
    const reviewed = makeTask({ title: 'Cart total', assignee: 'coder', status: 'done' });
    const working = makeTask({ title: 'Checkout page', assignee: 'coder', status: 'running' });
    const plain = makeTask({ title: 'Plan the launch', assignee: null, status: 'todo' });
    const api = new FakeBoardApi();
    const cards: ChangeCard[] = [
      { taskId: reviewed.id, assignee: 'coder', summary: summary(), needsReview: true },
      {
        taskId: working.id,
        assignee: 'coder',
        summary: summary({ files: 1, additions: 2, deletions: 0, uncommittedFiles: 1 }),
        needsReview: false,
      },
    ];
    api.on('boardChanges', () => cards);
    view = await renderApp(
      makeSnapshot({ seq: 1, tasks: [reviewed, working, plain], lanes: [makeLane({ name: 'coder' })] }),
      api,
    );
    await view.settle();

    expect(view.byTestId(`change-figures-${reviewed.id}`).textContent).toBe('3 files +12 −4');
    expect(view.queryByTestId(`needs-review-${reviewed.id}`)).not.toBeNull();
    expect(view.byTestId(`changes-${working.id}`).textContent).toContain('uncommitted');
    expect(view.queryByTestId(`needs-review-${working.id}`)).toBeNull();
    expect(view.queryByTestId(`changes-${plain.id}`)).toBeNull();
    expect(view.byTestId('review-count').textContent).toBe('1');

    // Base moved on: the core pushes the new figures; the card says it would conflict.
    await act(async () => {
      view?.store.getState().applyEvent({
        type: 'changes',
        seq: 2,
        board: 'default',
        changes: [
          {
            taskId: reviewed.id,
            assignee: 'coder',
            summary: summary({ behind: 1, conflicts: ['README.md'], computedAt: 2 }),
            needsReview: true,
          },
        ],
      });
    });
    expect(view.queryByTestId(`change-conflicts-${reviewed.id}`)).not.toBeNull();

    // The filter: only the task that waits for a review stays on the board.
    await view.click(view.byTestId('filter-review'));
    expect(view.queryByTestId(`card-${reviewed.id}`)).not.toBeNull();
    expect(view.queryByTestId(`card-${working.id}`)).toBeNull();
    expect(view.queryByTestId(`card-${plain.id}`)).toBeNull();

    // Merged: it leaves the filter, the card says merged, the count drops.
    await act(async () => {
      view?.store.getState().applyEvent({
        type: 'changes',
        seq: 3,
        board: 'default',
        changes: [
          {
            taskId: reviewed.id,
            assignee: 'coder',
            summary: summary({ merged: true, removed: true, computedAt: 3 }),
            needsReview: false,
          },
        ],
      });
    });
    expect(view.queryByTestId(`card-${reviewed.id}`)).toBeNull();
    expect(view.byTestId('review-count').textContent).toBe('0');
    await view.click(view.byTestId('filter-review'));
    expect(view.queryByTestId(`change-merged-${reviewed.id}`)).not.toBeNull();
  });

  it('asks the core for needs-review matches on a board loaded in part', async () => {
    const api = new FakeBoardApi();
    const loaded = makeTask({ assignee: 'coder', status: 'done' });
    api.on('boardChanges', () => [
      { taskId: loaded.id, assignee: 'coder', summary: summary(), needsReview: true },
    ]);
    api.on('searchCards', () => ({ tasks: [], total: 0 }));
    view = await renderApp(
      makeSnapshot({
        seq: 1,
        tasks: [loaded],
        // The done cell holds more than the snapshot carried: the board is loaded in part.
        cells: [{ assignee: 'coder', status: 'done', count: 40 }],
        lanes: [makeLane({ name: 'coder' })],
      }),
      api,
    );
    await view.settle();
    const toggle = view.byTestId('filter-review');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await act(async () => {
        toggle.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      });
      await act(async () => {
        await vi.advanceTimersByTimeAsync(250); // the filter is sent after typing pauses
      });
    } finally {
      vi.useRealTimers();
    }
    expect(api.callsOf('searchCards')).toEqual([
      expect.objectContaining({ board: 'default', needsReview: true }),
    ]);
  });
});
