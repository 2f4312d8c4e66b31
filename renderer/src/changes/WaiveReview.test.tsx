// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeCard, TaskChanges } from '../../../shared/repository';

import { ApiError } from '../api/boardApi';
import { FakeBoardApi } from '../test/fakeBoardApi';
import {
  makeChangeSummary,
  makeDetail,
  makeLane,
  makeSnapshot,
  makeTask,
  makeTaskWorktree,
} from '../test/fixtures';
import { renderApp, type Rendered } from '../test/renderApp';

/**
 * docs/architecture.md §9 "or the review is waived", from the drawer's Changes tab: the button
 * shows on a task that needs review, asks first (saying what waiving means), calls the core, and
 * the card leaves the needs-review filter when the core's change card says so; a refused call is
 * said in a toast and the task keeps waiting.
 */

type Fixture = ReturnType<typeof makeTask>;

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

const summary = makeChangeSummary;

function changesOf(task: Fixture): TaskChanges {
  return {
    worktree: makeTaskWorktree(task.id, { branch: `switchyard/${task.id}-blog` }),
    summary: summary(),
    files: [
      { path: 'README.md', oldPath: null, status: 'modified', additions: 1, deletions: 1, binary: false },
    ],
    patch: '',
    truncated: false,
  };
}

async function openChanges(
  task: Fixture,
  other: Fixture,
  api: FakeBoardApi,
  needsReview: boolean,
): Promise<Rendered> {
  const cards: ChangeCard[] = [{ taskId: task.id, assignee: 'writer', summary: summary(), needsReview }];
  api
    .on('boardChanges', () => cards)
    .on('taskDetail', (request) => makeDetail(request.id === task.id ? task : other))
    .on('tailLog', (request) => ({ taskId: request.id, runId: null, text: '', offset: 0, truncated: false }))
    .on('taskChanges', () => changesOf(task));
  const rendered = await renderApp(
    makeSnapshot({ seq: 1, tasks: [task, other], lanes: [makeLane({ name: 'writer' })] }),
    api,
  );
  await rendered.settle();
  if (needsReview) await rendered.click(rendered.byTestId('filter-review'));
  await rendered.click(rendered.byTestId(`card-${task.id}`));
  await rendered.click(rendered.byTestId('drawer-tab-changes'));
  // The tab's module is loaded lazily (a cold import of the diff view takes a while), then it asks
  // the core for the changes.
  await vi.waitFor(
    async () => {
      await rendered.settle();
      expect(rendered.queryByTestId('changes-merge')).not.toBeNull();
    },
    { timeout: 15_000, interval: 20 },
  );
  return rendered;
}

/** A done task with a worktree whose review is waived, and one without beside it on the lane. */
function twoDoneTasks(): { blog: Fixture; plan: Fixture } {
  return {
    blog: makeTask({ title: 'Mention the blog', assignee: 'writer', status: 'done', workspace: 'repo' }),
    plan: makeTask({ title: 'Plan the launch', assignee: 'writer', status: 'done' }),
  };
}

describe('waiving a review from the Changes tab', () => {
  it('asks first, waives, and the card leaves the needs-review filter', async () => {
    const { blog, plan } = twoDoneTasks();
    const api = new FakeBoardApi().on('waiveReview', () => blog);
    view = await openChanges(blog, plan, api, true);
    expect((view.byTestId('filter-review') as HTMLInputElement).checked).toBe(true);
    expect(view.queryByTestId(`card-${plan.id}`)).toBeNull();
    expect(view.queryByTestId(`card-${blog.id}`)).not.toBeNull();
    expect(view.byTestId('review-count').textContent).toBe('1');

    // Cancelled: nothing is called.
    await view.click(view.byTestId('changes-waive'));
    const dialog = view.byTestId('confirm-dialog');
    expect(dialog.textContent).toContain('Waive the review of “Mention the blog”?');
    expect(dialog.textContent).toContain(`stay unmerged on switchyard/${blog.id}-blog`);
    expect(dialog.textContent).toContain('tasks waiting for its merge go ahead without it');
    await act(async () => view?.store.getState().answerConfirm(false));
    expect(api.callsOf('waiveReview')).toEqual([]);

    await view.click(view.byTestId('changes-waive'));
    expect(view.byTestId('confirm-ok').textContent).toBe('Waive review');
    await view.click(view.byTestId('confirm-ok'));
    await view.settle();
    expect(api.callsOf('waiveReview')).toEqual([{ id: blog.id }]);
    expect([...view.container.querySelectorAll('[data-testid="toast"]')].at(-1)?.textContent).toContain(
      'Review of “Mention the blog” waived',
    );

    // The core recomputes the card (review_waived): it no longer needs review.
    await act(async () => {
      view?.store.getState().applyEvent({
        type: 'changes',
        seq: 2,
        board: 'default',
        changes: [
          { taskId: blog.id, assignee: 'writer', summary: summary({ computedAt: 2 }), needsReview: false },
        ],
      });
    });
    await view.settle();
    expect(view.queryByTestId(`card-${blog.id}`)).toBeNull();
    expect(view.byTestId('review-count').textContent).toBe('0');
    expect(view.queryByTestId('changes-waive')).toBeNull();
  });

  it('says why when the core refuses, and the task keeps waiting', async () => {
    const { blog, plan } = twoDoneTasks();
    const api = new FakeBoardApi().on('waiveReview', () => {
      throw new ApiError('not_found', `${blog.id} has no repository worktree`);
    });
    view = await openChanges(blog, plan, api, true);
    await view.click(view.byTestId('changes-waive'));
    await view.click(view.byTestId('confirm-ok'));
    await view.settle();
    expect([...view.container.querySelectorAll('[data-testid="toast"]')].at(-1)?.textContent).toContain(
      `${blog.id} has no repository worktree`,
    );
    expect(view.byTestId('review-count').textContent).toBe('1');
    expect(view.queryByTestId('changes-waive')).not.toBeNull();
  });

  it('is not offered for a task that does not need review', async () => {
    const { blog, plan } = twoDoneTasks();
    view = await openChanges(blog, plan, new FakeBoardApi(), false);
    expect(view.queryByTestId('changes-merge')).not.toBeNull();
    expect(view.queryByTestId('changes-waive')).toBeNull();
  });
});
