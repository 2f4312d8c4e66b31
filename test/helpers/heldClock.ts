/**
 * A clock that stands still until released, then is the wall clock. A supervisor given it cannot
 * see a worker's max runtime run out before the release: a test releases it once the worker (and
 * its grandchild) reported ready, so on a loaded machine a slow start of two Node processes cannot
 * use up the runtime before there is anything to kill. After the release the runtime runs out at
 * the supervisor's next look (within one max runtime), by the real timer path.
 */
/**
 * How long such a test waits for the grandchild's report (its test gets a timeout above it): two
 * low-priority Node starts took 17 s at load 83 on the 2-core machine. A safety net, not a speed check.
 */
export const GRANDCHILD_REPORT_WAIT_MS = 60_000;
/** The timeout of a test that waits GRANDCHILD_REPORT_WAIT_MS, with room for the timeout after it. */
export const HELD_CLOCK_TEST_TIMEOUT_MS = 90_000;

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
