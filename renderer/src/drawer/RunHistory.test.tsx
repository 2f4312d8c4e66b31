// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, expect, it } from 'vitest';
import { makeRun } from '../test/fixtures';
import { RunHistory } from './RunHistory';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
const host = document.createElement('div');
afterEach(() => {
  host.innerHTML = '';
});

it('shows a lost run as lost, its exit unknown and why, apart from the crash it is not (issue 20)', () => {
  const root = createRoot(host);
  act(() =>
    root.render(
      <RunHistory
        runs={[
          makeRun({
            id: 1,
            taskId: 't_00000001',
            outcome: 'crashed',
            exitCode: 3,
            error: 'exited with code 3',
          }),
          makeRun({
            id: 2,
            taskId: 't_00000001',
            outcome: 'lost',
            exitCode: null,
            error: 'the worker ended without an exit status (not counted as a failure)',
          }),
        ]}
      />,
    ),
  );
  const lost = host.querySelector('[data-testid="run-2"]') as HTMLElement;
  expect(lost.querySelector('.outcome-lost')?.textContent).toBe('lost');
  expect(lost.textContent).toContain('unknown');
  expect(lost.textContent).not.toContain('pid');
  expect(host.textContent).toContain('not counted as a failure');
  expect(host.querySelector('[data-testid="run-1"] .outcome-crashed')?.textContent).toBe('crashed');
  act(() => root.unmount());
});

it('shows the follow-up a run was started with and the session it resumed (docs/architecture.md §10)', () => {
  const root = createRoot(host);
  act(() =>
    root.render(
      <RunHistory
        runs={[
          makeRun({ id: 1, taskId: 't_00000001', outcome: 'completed', agentSession: '8f2c1a9e-4b7d' }),
          makeRun({
            id: 2,
            taskId: 't_00000001',
            outcome: 'completed',
            followup: 'Also cover expired tokens',
            resumedSession: '8f2c1a9e-4b7d',
          }),
          makeRun({ id: 3, taskId: 't_00000001', outcome: 'completed', followup: 'And the docs' }),
        ]}
      />,
    ),
  );
  expect(host.querySelector('[data-testid="run-followup-1"]')).toBeNull();
  expect(host.querySelector('[data-testid="run-followup-2"]')?.textContent).toBe(
    '↪ follow-up (resumed session 8f2c1a9e): Also cover expired tokens',
  );
  expect(host.querySelector('[data-testid="run-followup-3"]')?.textContent).toBe(
    '↪ follow-up (fresh run): And the docs',
  );
  act(() => root.unmount());
});
