// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterNextPaint } from './afterNextPaint';

/** Animation frames the test runs itself, so "painted" is when the test says so. */
function stubFrames() {
  const frames = new Map<number, FrameRequestCallback>();
  let next = 1;
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
    frames.set(next, callback);
    return next++;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => frames.delete(id));
  return {
    paint() {
      const due = [...frames.values()];
      frames.clear();
      for (const callback of due) callback(0);
    },
    pending: () => frames.size,
  };
}

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function watch(promise: Promise<void>) {
  const seen = { resolved: false };
  void promise.then(() => (seen.resolved = true));
  return seen;
}

describe('afterNextPaint', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setVisibility('visible');
  });

  it('waits for the next frame to be painted, then resolves in the task after it', async () => {
    const frames = stubFrames();
    const seen = watch(afterNextPaint());
    await tick();
    await tick();
    expect(seen.resolved).toBe(false);
    frames.paint();
    expect(seen.resolved).toBe(false); // not inside the frame: in the task after it
    await tick();
    await tick();
    expect(seen.resolved).toBe(true);
  });

  it('does not wait on a hidden page, which paints no frame', async () => {
    const frames = stubFrames();
    setVisibility('hidden');
    const seen = watch(afterNextPaint());
    await tick();
    await tick();
    expect(seen.resolved).toBe(true);
    expect(frames.pending()).toBe(0);
  });

  it('stops waiting when the page is hidden meanwhile', async () => {
    const frames = stubFrames();
    const seen = watch(afterNextPaint());
    await tick();
    setVisibility('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    await tick();
    expect(seen.resolved).toBe(true);
    expect(frames.pending()).toBe(0);
  });

  it('goes on after a second when no frame comes', async () => {
    stubFrames();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const seen = watch(afterNextPaint());
      await vi.advanceTimersByTimeAsync(999);
      expect(seen.resolved).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(seen.resolved).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
