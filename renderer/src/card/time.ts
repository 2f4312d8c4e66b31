import { useSyncExternalStore } from 'react';
import { withTimesWrittenAs } from '../../../shared/isoTimes';

/** Time formatting for cards and the drawer; all times are epoch milliseconds. */

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:02" today, "3 Mar 14:02" on another day. */
export function formatClock(at: number, now = Date.now()): string {
  const date = new Date(at);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.getDate()} ${date.toLocaleString(undefined, { month: 'short' })} ${time}`;
}

export function formatDateTime(at: number): string {
  const date = new Date(at);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `text` from the core with each ISO time in it written as the board writes times. */
export function withReadableTimes(text: string): string {
  return withTimesWrittenAs(text, formatDateTime);
}

/**
 * One shared timer per period, however many cards tick: components read the current time through
 * useSyncExternalStore and re-render only when their period elapses.
 */
interface Clock {
  now: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | null;
  /**
   * The one subscribe function of this clock. useSyncExternalStore subscribes again whenever it is
   * handed a new function: a function made per render unsubscribed every card a tick re-rendered,
   * which stopped the timer, and the first card subscribing again restarted it with a catch-up tick
   * at once, which re-rendered them all again — ~80 board commits a second with nothing happening,
   * in the same thread as a drag's pick-up and drop (bench/RESULTS.md, row 6b, engineer drag).
   */
  subscribe: (listener: () => void) => () => void;
}
const clocks = new Map<number, Clock>();

function clockOf(periodMs: number): Clock {
  let clock = clocks.get(periodMs);
  if (!clock) {
    clock = createClock(periodMs);
    clocks.set(periodMs, clock);
  }
  return clock;
}

function createClock(periodMs: number): Clock {
  const clock: Clock = {
    now: Date.now(),
    listeners: new Set(),
    timer: null,
    subscribe: (listener) => {
      clock.listeners.add(listener);
      if (!clock.timer) {
        const tick = () => {
          clock.now = Date.now();
          for (const notify of clock.listeners) notify();
        };
        clock.timer = setInterval(tick, periodMs);
        // Catch up after an idle spell, outside React's commit (a change during subscribe would
        // force a synchronous re-render of every subscriber).
        setTimeout(tick, 0);
      }
      return () => {
        clock.listeners.delete(listener);
        if (clock.listeners.size === 0 && clock.timer) {
          clearInterval(clock.timer);
          clock.timer = null;
        }
      };
    },
  };
  return clock;
}

export function useNow(periodMs: number): number {
  const clock = clockOf(periodMs);
  return useSyncExternalStore(clock.subscribe, () => clock.now);
}
