// @vitest-environment happy-dom
import { act, createElement, memo, type ComponentProps } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeLane, makeSnapshot, makeTask } from '../test/fixtures';
import { renderApp, type Rendered } from '../test/renderApp';

/**
 * What a drag's pick-up and drop render (bench row 6b): dnd-kit re-renders every draggable card at
 * each change of the drag, so what those renders do is paid once per card on the board. Counted
 * here: the card's view (TaskCard, behind its memo) and the card's own store selectors.
 */

const counted = vi.hoisted(() => ({ cardViews: 0, cardSelectors: 0 }));

vi.mock('../card/TaskCard', async (importOriginal) => {
  const original = await importOriginal<typeof import('../card/TaskCard')>();
  // The same memo as the real card's, so a render counted here is one the real card would do.
  const TaskCard = memo(function CountedTaskCard(props: ComponentProps<typeof original.TaskCard>) {
    counted.cardViews++;
    return createElement(original.TaskCard, props);
  });
  return { ...original, TaskCard };
});

vi.mock('../store/selectors', async (importOriginal) => {
  const original = await importOriginal<typeof import('../store/selectors')>();
  // Read by each card for its dependency chip, and by nothing else on the board.
  const dependencyProgress: typeof original.dependencyProgress = (card) => {
    counted.cardSelectors++;
    return original.dependencyProgress(card);
  };
  return { ...original, dependencyProgress };
});

let view: Rendered | null = null;
beforeEach(() => {
  counted.cardViews = 0;
  counted.cardSelectors = 0;
});
afterEach(() => {
  view?.unmount();
  view = null;
});

async function press(element: Element, code: string, key: string): Promise<void> {
  await act(async () => {
    element.dispatchEvent(new KeyboardEvent('keydown', { code, key, bubbles: true, cancelable: true }));
  });
  await view?.settle();
}

describe('a drag on a board of many cards', () => {
  it('renders only the dragged card at pick-up and at the end, and runs no card selector', async () => {
    const lanes = ['alpha', 'beta', 'gamma'];
    const tasks = lanes.flatMap((lane) =>
      Array.from({ length: 10 }, (_, i) => makeTask({ assignee: lane, status: i % 2 ? 'todo' : 'ready' })),
    );
    view = await renderApp(makeSnapshot({ tasks, lanes: lanes.map((name) => makeLane({ name })) }));
    expect(view.container.querySelectorAll('article.card').length).toBe(30);
    const card = view.byTestId(`card-${tasks[0]!.id}`);
    card.focus();

    counted.cardViews = 0;
    counted.cardSelectors = 0;
    await press(card, 'Space', ' ');
    expect(view.queryByTestId(`overlay-${tasks[0]!.id}`)).not.toBeNull();
    // The dragged card (now dimmed) and its copy in the overlay; the 29 others not at all.
    expect(counted.cardViews).toBe(2);
    expect(counted.cardSelectors).toBe(0);

    counted.cardViews = 0;
    counted.cardSelectors = 0;
    await press(card, 'Escape', 'Escape');
    expect(view.queryByTestId(`overlay-${tasks[0]!.id}`)).toBeNull();
    expect(counted.cardViews).toBe(1);
    expect(counted.cardSelectors).toBe(0);
  });
});
