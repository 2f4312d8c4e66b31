import { act, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach } from 'vitest';
import { createBoardStore } from '../store/boardStore';
import { BoardProvider, createBoardContextValue } from '../store/context';
import type { FakeBoardApi } from './fakeBoardApi';

/**
 * One part of the board (a drawer tab, the transcript) mounted alone inside the board's context
 * against a FakeBoardApi, in happy-dom, for tests that need less than the whole App (renderApp).
 * What is mounted is unmounted after each test of the file that imports this.
 */
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let mounted: { root: Root; container: HTMLElement }[] = [];
afterEach(() => {
  for (const { root, container } of mounted) {
    act(() => root.unmount());
    container.remove();
  }
  mounted = [];
});

/** Renders `element` with a store on `api`, lets its first calls answer, and returns its container. */
export async function renderInBoard(api: FakeBoardApi, element: ReactElement): Promise<HTMLElement> {
  const store = createBoardStore(api);
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  mounted.push({ root, container });
  await act(async () => {
    root.render(<BoardProvider value={createBoardContextValue(api, store)}>{element}</BoardProvider>);
  });
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  return container;
}
