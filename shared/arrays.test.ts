import { describe, expect, it } from 'vitest';
import { appendAll } from './arrays';

describe('appendAll', () => {
  it('appends more items than a spread call can take as arguments', () => {
    const items = Array.from({ length: 1_000_000 }, (_, i) => i);
    // The spread form is what the dispatcher used: it must fail at this size, or this test proves nothing.
    // eslint-disable-next-line no-restricted-syntax -- the overflow this helper exists for
    expect(() => [0].push(...items)).toThrow(RangeError);
    const target = [-1];
    expect(appendAll(target, items)).toBe(target);
    expect(target.length).toBe(1_000_001);
    expect(target[1_000_000]).toBe(999_999);
  });

  it('keeps order and appends from any iterable', () => {
    expect(appendAll(['a'], new Set(['b', 'c']))).toEqual(['a', 'b', 'c']);
  });
});
