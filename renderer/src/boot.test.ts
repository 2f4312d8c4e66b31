// @vitest-environment happy-dom
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
  delete window.switchyard;
});

it('makes the lane names’ collator while the board’s code loads: the board’s first sort makes none', async () => {
  // The desktop app's path (a preload bridge): no socket to open here.
  window.switchyard = {} as NonNullable<Window['switchyard']>;
  const Collator = Intl.Collator;
  const made = vi.spyOn(Intl, 'Collator').mockImplementation(function (
    this: unknown,
    ...args: ConstructorParameters<typeof Intl.Collator>
  ) {
    return new Collator(...args);
  } as unknown as typeof Intl.Collator);
  await import('./boot');
  expect(made).toHaveBeenCalledTimes(1);
  expect(made).toHaveBeenCalledWith(undefined, { numeric: true });

  const { buildLaneViews } = await import('./store/laneModel');
  const order = buildLaneViews({}, ['agent-10', 'agent-2', 'Agent-1']).map((lane) => lane.key);
  expect(order.slice(0, 3)).toEqual(['Agent-1', 'agent-2', 'agent-10']);
  expect(made).toHaveBeenCalledTimes(1);
});
