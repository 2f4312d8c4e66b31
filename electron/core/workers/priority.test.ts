import { describe, expect, it } from 'vitest';
import { launchPriority, lowAutogroupNice } from './priority';

describe('worker priority (docs/architecture.md §5 "Worker priority")', () => {
  it('keeps all low workers’ autogroups together within the app’s own weight, each at most nice +10', () => {
    // Kernel weights: nice 0 → 1,024; 10 → 110; 11 → 87; 16 → 29; 19 → 15.
    const tenAtNice10 = (count: number): number[] => Array.from({ length: count }, () => 10);
    expect(lowAutogroupNice(0, [])).toBe(10);
    expect(lowAutogroupNice(0, tenAtNice10(8))).toBe(10);
    expect(lowAutogroupNice(0, tenAtNice10(9))).toBe(16); // 1,024 - 990 = 34 left
    expect(lowAutogroupNice(0, [...tenAtNice10(9), 16])).toBe(19); // 5 left: the floor
    expect(lowAutogroupNice(0, [...tenAtNice10(8), 16, 19])).toBe(11); // one ended: 99 left
    expect(lowAutogroupNice(5, [])).toBe(15);
    expect(lowAutogroupNice(15, [])).toBe(19);
  });

  it('launches low workers through nice, and lowers them after the spawn without it', () => {
    const programs = { nice: '/usr/bin/nice', ownAutogroupNice: 0 };
    expect(launchPriority('low', [10, 10, 10, 10, 10, 10, 10, 10, 10], programs)).toEqual({
      low: true,
      launcher: ['/usr/bin/nice', '-n', '10', '--'],
      lowerAfterSpawn: false,
      autogroupNice: 16,
    });
    expect(launchPriority('low', [], { nice: null, ownAutogroupNice: null })).toEqual({
      low: true,
      launcher: [],
      lowerAfterSpawn: true,
      autogroupNice: null,
    });
    expect(launchPriority('normal', [10], programs)).toEqual({
      low: false,
      launcher: [],
      lowerAfterSpawn: false,
      autogroupNice: null,
    });
  });
});
