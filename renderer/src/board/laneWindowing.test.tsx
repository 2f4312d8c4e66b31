// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countCells, makeLane, makeSnapshot, makeTask } from '../test/fixtures';
import { deferred, FakeBoardApi } from '../test/fakeBoardApi';
import { renderApp, type Rendered } from '../test/renderApp';
import { FIRST_LANE_ROWS, LANE_ROWS_PER_STEP } from './Board';

/**
 * Lanes far from the visible part of the board render only their header (LaneRow): the first
 * screen's lanes render at once, the others when an IntersectionObserver says they came near, and
 * every card stays reachable that way.
 */

type Callback = (entries: Partial<IntersectionObserverEntry>[]) => void;
const observed = new Map<Element, Callback>();
let observers = 0;

class FakeIntersectionObserver {
  constructor(private readonly callback: Callback) {
    observers++;
  }
  observe(element: Element) {
    observed.set(element, this.callback);
  }
  unobserve(element: Element) {
    observed.delete(element);
  }
  disconnect() {
    for (const [element, callback] of observed) if (callback === this.callback) observed.delete(element);
  }
  takeRecords() {
    return [];
  }
}

const original = globalThis.IntersectionObserver;
let view: Rendered | null = null;
beforeEach(() => {
  observed.clear();
  observers = 0;
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(() => {
  view?.unmount();
  view = null;
  globalThis.IntersectionObserver = original;
});

async function setNear(element: Element, near: boolean): Promise<void> {
  const callback = observed.get(element);
  if (!callback) throw new Error('lane not observed');
  await act(async () =>
    callback([
      {
        isIntersecting: near,
        target: element,
        boundingClientRect: { height: 345 } as DOMRectReadOnly,
      },
    ]),
  );
}

describe('lanes far from the screen', () => {
  it('render their header only until they come near, then all their cards', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `lane-${String(i).padStart(2, '0')}`);
    const tasks = names.flatMap((name) =>
      Array.from({ length: 4 }, (_, n) => makeTask({ assignee: name, status: n % 2 ? 'todo' : 'ready' })),
    );
    view = await renderApp(makeSnapshot({ tasks, lanes: names.map((name) => makeLane({ name })) }));
    const lane = (name: string) => view!.byTestId(`lane-${name}`);
    const cardsIn = (name: string) => lane(name).querySelectorAll('article.card').length;

    // The first screen (by estimate) renders its cards; the last lanes are placeholders.
    expect(cardsIn('lane-00')).toBe(4);
    expect(lane('lane-29').getAttribute('data-rendered')).toBe('placeholder');
    expect(cardsIn('lane-29')).toBe(0);
    expect(lane('lane-29').textContent).toContain('4 tasks');
    expect(lane('lane-29').style.height).not.toBe('');
    // Its header is the light one: name, kind and count, no controls until it comes near.
    expect(view.queryByTestId('lane-pause-lane-29')).toBeNull();
    expect(view.queryByTestId('lane-pause-lane-00')).not.toBeNull();

    await setNear(lane('lane-29'), true);
    expect(cardsIn('lane-29')).toBe(4);
    expect(view.queryByTestId('lane-pause-lane-29')).not.toBeNull();
    expect(view.queryByTestId('cell-lane-29-todo')?.getAttribute('data-count')).toBe('2');

    // Leaving again keeps the measured height, so the scroll position does not jump.
    await setNear(lane('lane-00'), false);
    expect(cardsIn('lane-00')).toBe(0);
    expect(lane('lane-00').style.height).toBe('345px');

    // Every lane can be brought in: all 120 cards are reachable.
    let total = 0;
    for (const name of names) {
      await setNear(lane(name), true);
      total += cardsIn(name);
    }
    expect(total).toBe(120);
  });

  it('are the ones below the first screen: its lanes render their cards, the next ones wait', async () => {
    // A screen of 1,000 px; each lane holds 12 cards, about 680 px by estimate (LaneRow).
    const height = Object.getOwnPropertyDescriptor(window, 'innerHeight');
    Object.defineProperty(window, 'innerHeight', { value: 1000, configurable: true });
    try {
      const names = ['lane-00', 'lane-01', 'lane-02', 'lane-03'];
      const tasks = names.flatMap((name) =>
        Array.from({ length: 12 }, () => makeTask({ assignee: name, status: 'todo' })),
      );
      view = await renderApp(makeSnapshot({ tasks, lanes: names.map((name) => makeLane({ name })) }));
      const lane = (name: string) => view!.byTestId(`lane-${name}`);
      const cardsIn = (name: string) => lane(name).querySelectorAll('article.card').length;
      // The lane that starts on the first screen and the one crossing its bottom edge.
      expect(cardsIn('lane-00')).toBe(12);
      expect(cardsIn('lane-01')).toBe(12);
      // Wholly below it: a placeholder until the observer says it came near.
      expect(lane('lane-02').getAttribute('data-rendered')).toBe('placeholder');
      expect(cardsIn('lane-02')).toBe(0);
      await setNear(lane('lane-02'), true);
      expect(cardsIn('lane-02')).toBe(12);
    } finally {
      if (height) Object.defineProperty(window, 'innerHeight', height);
    }
  });

  it('past the first rows, mount after the first paint, a step at a time, in board order', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `lane-${String(i).padStart(3, '0')}`);
    const tasks = names.map((name) => makeTask({ assignee: name, status: 'todo' }));
    // Frames are painted when the test says so.
    const frames: FrameRequestCallback[] = [];
    const frameSpy = vi.spyOn(window, 'requestAnimationFrame').mockImplementation((callback) => {
      frames.push(callback);
      return frames.length;
    });
    const paint = () =>
      act(async () => {
        for (const callback of frames.splice(0)) callback(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 0));
      });
    view = await renderApp(makeSnapshot({ tasks, lanes: names.map((name) => makeLane({ name })) }));
    const rows = () => [...view!.container.querySelectorAll('section[data-testid^="lane-"]')];
    // The first render mounted the first rows only; the rest wait as one block of their height.
    const first = rows().length;
    expect(first).toBeGreaterThanOrEqual(FIRST_LANE_ROWS);
    expect(first).toBeLessThan(151);
    expect(view.byTestId('lanes-not-mounted').style.height).not.toBe('');
    expect(view.queryByTestId(`card-${tasks[0]!.id}`)).not.toBeNull();
    // Then the rest, a step per task, until every row (and Unassigned) is there and the block gone.
    for (let step = 1; step <= 10 && view.queryByTestId('lanes-not-mounted'); step++) {
      await paint();
      expect(rows().length).toBe(Math.min(151, first + LANE_ROWS_PER_STEP * step));
    }
    frameSpy.mockRestore();
    expect(view.queryByTestId('lanes-not-mounted')).toBeNull();
    expect(rows().map((row) => row.getAttribute('data-testid'))).toEqual([
      ...names.map((name) => `lane-${name}`),
      'lane-unassigned',
    ]);
  });

  it('are watched by one observer for the whole board, not one per lane', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `lane-${String(i).padStart(2, '0')}`);
    const tasks = names.map((name) => makeTask({ assignee: name, status: 'todo' }));
    view = await renderApp(makeSnapshot({ tasks, lanes: names.map((name) => makeLane({ name })) }));
    // Every lane row (and Unassigned) is observed, by a single observer.
    expect(observed.size).toBe(31);
    expect(new Set(observed.values()).size).toBe(1);
    expect(observers).toBe(1);
    // A lane that comes near re-renders as a full row and is observed as before.
    await setNear(view.byTestId('lane-lane-29'), true);
    expect(view.queryByTestId('lane-pause-lane-29')).not.toBeNull();
    expect(observers).toBe(1);
    expect(observed.size).toBe(31);
  });

  it('load the cards of a lane the first snapshot only counted when it comes near', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `lane-${String(i).padStart(2, '0')}`);
    const tasks = names.flatMap((name) =>
      Array.from({ length: 4 }, (_, n) => makeTask({ assignee: name, status: n % 2 ? 'todo' : 'ready' })),
    );
    // As the core sends it: every cell counted, the cards of the first lanes only.
    const loadedLanes = new Set(names.slice(0, 8));
    const api = new FakeBoardApi().on('laneCards', (request) => {
      const asked = new Set(request.lanes);
      const cards = tasks.filter((task) => asked.has(task.assignee));
      return { tasks: cards, cells: countCells(cards) };
    });
    view = await renderApp(
      makeSnapshot({
        tasks: tasks.filter((task) => loadedLanes.has(task.assignee as string)),
        cells: countCells(tasks),
        lanes: names.map((name) => makeLane({ name })),
      }),
      api,
    );
    const lane = (name: string) => view!.byTestId(`lane-${name}`);
    const cardsIn = (name: string) => lane(name).querySelectorAll('article.card').length;
    const asked = () => api.callsOf('laneCards').flatMap((request) => request.lanes);

    // Far and not loaded: its header counts what the core counts, and nothing was fetched yet.
    expect(lane('lane-29').textContent).toContain('4 tasks');
    expect(asked()).not.toContain('lane-29');
    expect(cardsIn('lane-29')).toBe(0);
    expect(Number(view.byTestId('column-count-ready').textContent)).toBe(60);

    await setNear(lane('lane-28'), true);
    await setNear(lane('lane-29'), true);
    await view.settle();
    expect(asked().filter((name) => name === 'lane-28' || name === 'lane-29')).toEqual([
      'lane-28',
      'lane-29',
    ]);
    const calls = api.callsOf('laneCards').length;
    expect(cardsIn('lane-29')).toBe(4);
    expect(view.queryByTestId('cell-lane-29-todo')?.getAttribute('data-count')).toBe('2');
    expect(view.store.getState().cellCursors).not.toHaveProperty('todo:lane-29');

    // Coming near again asks nothing more: the lane is loaded.
    await setNear(lane('lane-29'), false);
    await setNear(lane('lane-29'), true);
    await view.settle();
    expect(api.callsOf('laneCards')).toHaveLength(calls);
    expect(Number(view.byTestId('column-count-ready').textContent)).toBe(60);
  });

  it('ask again for a lane whose answer a new snapshot made stale', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `lane-${String(i).padStart(2, '0')}`);
    const tasks = names.map((name) => makeTask({ assignee: name, status: 'todo' }));
    const snapshot = makeSnapshot({
      tasks: tasks.slice(0, 8),
      cells: countCells(tasks),
      lanes: names.map((name) => makeLane({ name })),
    });
    const held = deferred<{ tasks: typeof tasks; cells: ReturnType<typeof countCells> }>();
    const answer = (lanes: (string | null)[]) => {
      const cards = tasks.filter((task) => lanes.includes(task.assignee));
      return { tasks: cards, cells: countCells(cards) };
    };
    const api = new FakeBoardApi().on('laneCards', (request) =>
      request.lanes.includes('lane-29') ? held.promise : answer(request.lanes),
    );
    view = await renderApp(snapshot, api);
    const lane = (name: string) => view!.byTestId(`lane-${name}`);
    await setNear(lane('lane-29'), true);
    // A resync while the lane's answer is on its way: that answer is of the old snapshot.
    await act(async () => view!.store.getState().resync());
    api.on('laneCards', (request) => answer(request.lanes));
    held.resolve(answer(['lane-29']));
    await view.settle();
    await view.settle();
    const asked = api.callsOf('laneCards').filter((request) => request.lanes.includes('lane-29'));
    expect(asked).toHaveLength(2);
    expect(lane('lane-29').querySelectorAll('article.card')).toHaveLength(1);
  });
});
