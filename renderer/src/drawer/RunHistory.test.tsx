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
