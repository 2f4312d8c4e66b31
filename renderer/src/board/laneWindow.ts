import { useCallback, useSyncExternalStore } from 'react';

/**
 * Which lane rows are near the visible part of the board (docs/architecture.md §7): one
 * IntersectionObserver for the whole board, not one per lane. A board of 300 lanes opens with most
 * of them far away; an observer, its effect and a computed-style lookup per lane were a large part
 * of its first render (bench/RESULTS.md, targets 7 and 10). Each lane subscribes to its own flag,
 * so a lane coming near re-renders that lane only, never the board (whose render re-renders
 * dnd-kit's context).
 */

/** Lanes further than this from the visible part render only a light header (LaneRow). */
export const NEAR_MARGIN_PX = 800;

export class LaneWindow {
  private observer: IntersectionObserver | null = null;
  private readonly keyOf = new Map<Element, string>();
  private readonly elementOf = new Map<string, Element>();
  /** What the observer last said per lane; a lane it has not reported yet is near if eager. */
  private readonly nearOf = new Map<string, boolean>();
  /** A lane's height when it last left: its placeholder keeps it, so the scroll does not jump. */
  private readonly heights = new Map<string, number>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly supported = typeof IntersectionObserver !== 'undefined';

  /** Whether the lane should render its cards; without IntersectionObserver every lane does. */
  isNear(key: string, eager: boolean): boolean {
    return !this.supported || (this.nearOf.get(key) ?? eager);
  }

  measuredHeight(key: string): number | undefined {
    return this.heights.get(key);
  }

  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** The lane's row element (a ref callback: null when it unmounts). */
  attach(key: string, element: Element | null): void {
    const previous = this.elementOf.get(key);
    if (previous === element) return;
    if (previous) {
      this.observer?.unobserve(previous);
      this.keyOf.delete(previous);
      this.elementOf.delete(key);
    }
    if (!element || !this.supported) return;
    this.observer ??= new IntersectionObserver((entries) => this.report(entries), {
      root: scrollParentOf(element),
      rootMargin: `${NEAR_MARGIN_PX}px 0px`,
    });
    this.keyOf.set(element, key);
    this.elementOf.set(key, element);
    this.observer.observe(element);
  }

  disconnect(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.keyOf.clear();
    this.elementOf.clear();
  }

  private report(entries: readonly IntersectionObserverEntry[]): void {
    const changed = new Set<string>();
    for (const entry of entries) {
      const key = this.keyOf.get(entry.target);
      if (key === undefined) continue;
      // Free measurement: the real height is kept for the placeholder when the lane leaves.
      if (!entry.isIntersecting) this.heights.set(key, entry.boundingClientRect.height);
      if (this.nearOf.get(key) !== entry.isIntersecting) changed.add(key);
      this.nearOf.set(key, entry.isIntersecting);
    }
    for (const key of changed) for (const listener of [...(this.listeners.get(key) ?? [])]) listener();
  }
}

/** The lane's near flag and the ref its row element must carry. */
export function useLaneNear(
  laneWindow: LaneWindow,
  key: string,
  eager: boolean,
): { near: boolean; ref: (element: HTMLElement | null) => void } {
  const subscribe = useCallback(
    (listener: () => void) => laneWindow.subscribe(key, listener),
    [laneWindow, key],
  );
  const near = useSyncExternalStore(subscribe, () => laneWindow.isNear(key, eager));
  const ref = useCallback(
    (element: HTMLElement | null) => laneWindow.attach(key, element),
    [laneWindow, key],
  );
  return { near, ref };
}

/**
 * The element that scrolls the board: the observer's root, so that its margin applies there. Read
 * once per board (it walks computed styles up the tree).
 */
function scrollParentOf(element: Element): Element | null {
  for (let parent = element.parentElement; parent; parent = parent.parentElement) {
    const { overflowY } = getComputedStyle(parent);
    if (overflowY === 'auto' || overflowY === 'scroll') return parent;
  }
  return null;
}
