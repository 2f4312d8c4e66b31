/**
 * A page that paints no frame (a hidden tab, or a renderer that stopped drawing) still goes on
 * after this long: waiting for the paint is an ordering, never a lock.
 */
const NO_PAINT_TIMEOUT_MS = 1_000;

/**
 * Resolves once the page has painted the frame after the current task: in the task after the next
 * animation frame, which runs once that frame is painted (as Board.tsx's `board-painted` mark).
 * Right away (next task) where nothing paints: no document (tests in Node) or a hidden page, which
 * gets no animation frames; on becoming hidden while it waits; after NO_PAINT_TIMEOUT_MS at most.
 */
export function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    const painted = typeof document !== 'undefined' && typeof requestAnimationFrame === 'function';
    if (!painted || document.visibilityState === 'hidden') {
      setTimeout(resolve, 0);
      return;
    }
    let frame = 0;
    const done = () => {
      cancelAnimationFrame(frame);
      clearTimeout(timeout);
      document.removeEventListener('visibilitychange', done);
      resolve();
    };
    const timeout = setTimeout(done, NO_PAINT_TIMEOUT_MS);
    document.addEventListener('visibilitychange', done);
    frame = requestAnimationFrame(() => setTimeout(done, 0));
  });
}
