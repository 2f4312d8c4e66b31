import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { Snapshot } from '../../../shared/contract';
import App from '../App';
import { preloadLazyParts } from '../lazyParts';
import { createBoardStore, type BoardStore } from '../store/boardStore';
import { FakeBoardApi } from './fakeBoardApi';
import { makeSnapshot } from './fixtures';

/**
 * Mounts the whole App against a FakeBoardApi in happy-dom, with react-dom/client and act
 * (@testing-library is not installed). Call `unmount` in afterEach.
 */
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Rendered {
  api: FakeBoardApi;
  store: BoardStore;
  container: HTMLElement;
  byTestId(id: string): HTMLElement;
  queryByTestId(id: string): HTMLElement | null;
  click(element: Element): Promise<void>;
  settle(): Promise<void>;
  unmount(): void;
}

export async function renderApp(
  snapshot: Snapshot = makeSnapshot(),
  api = new FakeBoardApi(),
): Promise<Rendered> {
  api.on('snapshot', () => snapshot);
  // The drawer, Lanes view and dialogs are lazy chunks the page preloads when idle after its first
  // paint; here they are loaded first, so a click finds its part as on a page that has been open a
  // moment, whatever the machine's load (a first import under Vite's transform can take longer than
  // any number of turns `settle` waits).
  await preloadLazyParts();
  const store = createBoardStore(api);
  const container = document.createElement('div');
  document.body.appendChild(container);
  let root: Root | null = null;
  await act(async () => {
    root = createRoot(container);
    root.render(<App api={api} store={store} board={snapshot.board} />);
  });
  const settle = async () => {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  };
  await settle();
  // Menus render in portals on <body> (MoveMenu): look there too.
  const queryByTestId = (id: string) => {
    const selector = `[data-testid="${CSS.escape(id)}"]`;
    return (
      container.querySelector<HTMLElement>(selector) ?? document.body.querySelector<HTMLElement>(selector)
    );
  };
  return {
    api,
    store,
    container,
    queryByTestId,
    byTestId(id) {
      const element = queryByTestId(id);
      if (!element) throw new Error(`no element with data-testid="${id}"`);
      return element;
    },
    async click(element) {
      await act(async () => {
        element.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      });
      await settle();
    },
    settle,
    unmount() {
      act(() => root?.unmount());
      container.remove();
    },
  };
}
