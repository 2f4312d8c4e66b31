// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { useNow } from './time';

/** A task of its own: whatever the clock scheduled with setTimeout(…, 0) before it has run. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

let root: Root | null = null;
afterEach(() => {
  act(() => root?.unmount());
  root = null;
});

describe('useNow', () => {
  it('re-renders its readers once for the catch-up tick, then only when the period elapses', async () => {
    const renders = [0, 0, 0];
    function Reader({ slot }: { slot: number }) {
      useNow(30_000);
      renders[slot] = (renders[slot] ?? 0) + 1;
      return null;
    }
    const container = document.createElement('div');
    root = createRoot(container);
    await act(async () => {
      root?.render(
        <>
          <Reader slot={0} />
          <Reader slot={1} />
          <Reader slot={2} />
        </>,
      );
    });
    // Twenty turns of the event loop, far less than the 30 s period: the mount and the clock's one
    // catch-up tick are all. A subscribe function made per render restarted the timer, and its
    // catch-up tick, after every tick: a re-render of every reader each turn, forever.
    for (let turn = 0; turn < 20; turn++) await act(nextTask);
    expect(renders).toEqual([2, 2, 2]);
  });
});
