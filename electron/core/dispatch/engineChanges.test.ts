import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineChanges, Listeners } from './engineChanges';

/** The one error policy of the change path (docs/architecture.md "How a change travels"). */
describe('Listeners', () => {
  afterEach(() => void vi.useRealTimers());

  it('calls every listener in order though one throws, and reports that one once, then a count at most once a minute', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const reported: { what: string; error: unknown }[] = [];
    const listeners = new Listeners<number>((what, error) => reported.push({ what, error }), 'numbers');
    const seen: string[] = [];
    listeners.subscribe((value) => seen.push(`first ${value}`));
    listeners.subscribe((value) => {
      throw new Error(`bad ${value}`);
    });
    listeners.subscribe((value) => seen.push(`last ${value}`));

    for (let value = 1; value <= 5; value++) listeners.emit(value, (n) => `number ${n}`);
    expect(seen).toEqual([1, 2, 3, 4, 5].flatMap((n) => [`first ${n}`, `last ${n}`]));
    expect(reported).toHaveLength(1);
    expect(reported[0]?.what).toBe('a listener of numbers failed on number 1');
    expect((reported[0]?.error as Error).message).toBe('bad 1');

    vi.setSystemTime(Date.now() + 61_000);
    listeners.emit(6, (n) => `number ${n}`);
    expect(reported.map((report) => report.what)).toEqual([
      'a listener of numbers failed on number 1',
      'a listener of numbers failed 5 more times, last on number 6',
    ]);
  });

  it('lets a listener unsubscribe while being called, and says whether anyone listens', () => {
    const listeners = new Listeners<string>(() => undefined, 'words');
    expect(listeners.listened).toBe(false);
    const seen: string[] = [];
    const off = listeners.subscribe((word) => {
      seen.push(`once ${word}`);
      off();
    });
    listeners.subscribe((word) => seen.push(`always ${word}`));
    expect(listeners.listened).toBe(true);
    listeners.emit('a');
    listeners.emit('b');
    expect(seen).toEqual(['once a', 'always a', 'always b']);
    listeners.clear();
    expect(listeners.listened).toBe(false);
  });

  it("the engine's changes log the failure with the change's type and the stack", () => {
    const lines: string[] = [];
    const changes = new EngineChanges((line) => lines.push(line));
    changes.subscribe(() => {
      throw new Error('listener bug');
    });
    changes.emit({ type: 'lanes' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^a listener of engine changes failed on "lanes": Error: listener bug\n\s+at /);
  });
});
