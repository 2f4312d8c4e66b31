// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, expect, it } from 'vitest';
import { renderApp, type Rendered } from '../test/renderApp';
import { makeDetail, makeLane, makeSnapshot, makeTask } from '../test/fixtures';

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

/** Types into a React-controlled field the way a browser does (the value setter, then `input`). */
async function typeInto(field: HTMLTextAreaElement, text: string): Promise<void> {
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set?.call(field, text);
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

it('sends a follow-up from the drawer of a done task (docs/architecture.md §10), not from a running one', async () => {
  const done = makeTask({ title: 'Write the report', assignee: 'claude', status: 'done' });
  const running = makeTask({ title: 'Busy', assignee: 'claude', status: 'running' });
  view = await renderApp(makeSnapshot({ tasks: [done, running], lanes: [makeLane({ name: 'claude' })] }));
  view.api
    .on('taskDetail', (request) => makeDetail(request.id === done.id ? done : running))
    .on('tailLog', (request) => ({ taskId: request.id, runId: null, text: '', offset: 0, truncated: false }))
    .on('followupTask', (request) => ({ ...done, id: request.id, status: 'ready', completedAt: null }));

  await view.click(view.byTestId(`card-${running.id}`));
  await view.settle();
  expect(view.queryByTestId('action-followup')).toBeNull();

  await view.click(view.byTestId(`card-${done.id}`));
  await view.settle();
  await view.click(view.byTestId('action-followup'));
  await typeInto(view.byTestId('action-text') as HTMLTextAreaElement, '  Add the March figures  ');
  await view.click(view.byTestId('action-submit'));
  await view.settle();
  expect(view.api.callsOf('followupTask')).toEqual([{ id: done.id, text: 'Add the March figures' }]);
  expect(view.store.getState().tasks[done.id]?.status).toBe('ready');
});
