// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, expect, it } from 'vitest';
import { makeDispatcher, makeLane, makeSnapshot, makeTask } from '../test/fixtures';
import { renderApp, type Rendered } from '../test/renderApp';

/**
 * The toolbar's "N ready" is of the board shown, not of every board: an empty board said "1 ready"
 * while another board had one ready task (the dispatcher's count is of all boards).
 */

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

it('counts the ready tasks of the board shown, from the core’s cell counts, live', async () => {
  const loaded = makeTask({ title: 'Loaded', assignee: 'coder', status: 'ready' });
  // The dispatcher knows of 7 ready tasks on all boards; this board has 3 (one loaded, two not).
  view = await renderApp(
    makeSnapshot({
      tasks: [loaded],
      lanes: [makeLane({ name: 'coder' })],
      dispatcher: makeDispatcher({ running: 2, workerSlotsInUse: 1, ready: 7 }),
      cells: [
        { assignee: 'coder', status: 'ready', count: 2 },
        { assignee: null, status: 'ready', count: 1 },
        { assignee: 'coder', status: 'done', count: 4 },
      ],
    }),
  );
  const counts = () => view?.byTestId('dispatcher-counts').textContent;
  expect(counts()).toBe('0 running here · 1/4 workers in all boards · 3 ready');

  // One more ready task on this board, as the core's next lane figures say.
  await act(async () => {
    view?.store.getState().applyEvent({
      type: 'lanes',
      seq: 2,
      board: 'default',
      lanes: [makeLane({ name: 'coder' })],
      cells: [
        { assignee: 'coder', status: 'ready', count: 3 },
        { assignee: null, status: 'ready', count: 1 },
      ],
    });
  });
  expect(counts()).toBe('0 running here · 1/4 workers in all boards · 4 ready');

  // Another board's figures change nothing here.
  await act(async () => {
    view?.store.getState().applyEvent({
      type: 'lanes',
      seq: 3,
      board: 'web',
      lanes: [makeLane({ name: 'coder' })],
      cells: [{ assignee: 'coder', status: 'ready', count: 9 }],
    });
  });
  expect(counts()).toBe('0 running here · 1/4 workers in all boards · 4 ready');
});
