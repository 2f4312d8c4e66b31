// @vitest-environment happy-dom
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.resetModules();
  delete window.switchyard;
});

/** Counts the collators made, each still a real one. */
function countCollators(onMade: () => void = () => undefined) {
  const Collator = Intl.Collator;
  return vi.spyOn(Intl, 'Collator').mockImplementation(function (
    this: unknown,
    ...args: ConstructorParameters<typeof Intl.Collator>
  ) {
    onMade();
    return new Collator(...args);
  } as unknown as typeof Intl.Collator);
}

it('makes the lane names’ collator while the board’s code loads: the board’s first sort makes none', async () => {
  // The desktop app's path (a preload bridge): no socket to open here.
  window.switchyard = {} as NonNullable<Window['switchyard']>;
  const made = countCollators();
  await import('./boot');
  expect(made).toHaveBeenCalledTimes(1);
  expect(made).toHaveBeenCalledWith(undefined, { numeric: true });

  const { buildLaneViews } = await import('./store/laneModel');
  const order = buildLaneViews({}, ['agent-10', 'agent-2', 'Agent-1']).map((lane) => lane.key);
  expect(order.slice(0, 3)).toEqual(['Agent-1', 'agent-2', 'agent-10']);
  expect(made).toHaveBeenCalledTimes(1);
});

it('in a browser, makes the collator only once the snapshot is asked, not before the socket’s open handler', async () => {
  const steps: string[] = [];
  class SocketOpening {
    readyState = 0;
    onopen: (() => void) | null = null;
    onmessage = null;
    send(data: string) {
      steps.push(`sent ${(JSON.parse(data) as { name: string }).name}`);
    }
  }
  const sockets: SocketOpening[] = [];
  vi.stubGlobal(
    'WebSocket',
    vi.fn(function () {
      const socket = new SocketOpening();
      sockets.push(socket);
      return socket;
    }),
  );
  countCollators(() => steps.push('collator'));
  await import('./boot');
  expect(sockets.length).toBe(1);
  expect(steps).toEqual([]);
  sockets[0]!.readyState = 1;
  sockets[0]!.onopen?.();
  expect(steps).toEqual(['sent snapshot', 'collator']);
});
