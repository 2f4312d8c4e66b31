/**
 * A clock that stands still until released, then is the wall clock. A supervisor given it cannot
 * see a worker's max runtime run out before the release: a test releases it once the worker (and
 * its grandchild) reported ready, so on a loaded machine a slow start of two Node processes cannot
 * use up the runtime before there is anything to kill. After the release the runtime runs out at
 * the supervisor's next look (within one max runtime), by the real timer path.
 */
export interface HeldClock {
  now: () => number;
  release: () => void;
}

export function heldClock(): HeldClock {
  let heldAt: number | null = Date.now();
  return {
    now: () => heldAt ?? Date.now(),
    release: () => {
      heldAt = null;
    },
  };
}
