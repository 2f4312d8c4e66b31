// @vitest-environment happy-dom
import { act, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, it } from 'vitest';
import App from './App';
import { createBoardStore } from './store/boardStore';
import { FakeBoardApi } from './test/fakeBoardApi';
import { makeSnapshot, makeTask } from './test/fixtures';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/**
 * The browser may paint between a commit and its passive effects. The window asks for its snapshot
 * in the commit that mounts it, so a snapshot already in (web mode's boot script asks for it while
 * the board's code loads) renders the board before a "Loading" screen can be painted.
 */
it('asks for the snapshot in the commit that mounts the window, before any passive effect runs', async () => {
  const task = makeTask({ status: 'todo' });
  const api = new FakeBoardApi().on('snapshot', () => makeSnapshot({ tasks: [task] }));
  const store = createBoardStore(api);
  const seenByFirstPassiveEffect: { loadState: string; snapshotCalls: number }[] = [];
  // Placed before the App, so its passive effect runs before any of the App's.
  function FirstPassiveEffect() {
    useEffect(() => {
      seenByFirstPassiveEffect.push({
        loadState: store.getState().loadState,
        snapshotCalls: api.callsOf('snapshot').length,
      });
    }, []);
    return null;
  }
  const container = document.body.appendChild(document.createElement('div'));
  const root = createRoot(container);
  try {
    await act(async () =>
      root.render(
        <>
          <FirstPassiveEffect />
          <App api={api} store={store} board="default" />
        </>,
      ),
    );
    expect(seenByFirstPassiveEffect).toEqual([{ loadState: 'loading', snapshotCalls: 1 }]);
    expect(container.querySelector(`[data-testid="card-${task.id}"]`)).not.toBeNull();
  } finally {
    act(() => root.unmount());
    container.remove();
  }
});
