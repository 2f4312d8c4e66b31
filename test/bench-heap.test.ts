import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// Rows 5 and 12 measure the main thread's event loop while 40 workers run, and V8's memory reducer
// collects the bench's whole heap once in that window: Playwright (~29 MB of heap the app never
// holds) is loaded only by the sections that paint (bench/chromium.ts; bench/RESULTS.md, "Rows 5
// and 12: the main thread's longest own turn").
const loadedModules = (): string[] => Object.keys(createRequire(import.meta.url).cache);
const playwright = (file: string): boolean =>
  /[\\/]node_modules[\\/](playwright|@playwright)[\\/]/.test(file);

describe("the bench's heap", () => {
  it('holds no Playwright until a section launches Chromium', async () => {
    await import('../bench/board');
    await import('../bench/review');
    await import('../bench/scale');
    expect(loadedModules().filter(playwright)).toEqual([]);
    // The check can see it: loading Playwright puts its files in the same module cache.
    await import('@playwright/test');
    expect(loadedModules().filter(playwright).length).toBeGreaterThan(0);
  });
});
