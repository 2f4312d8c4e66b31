import type { Browser } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/support/chromium';

/**
 * Chromium for the sections that paint (board, review, the scale curve). Playwright is loaded here,
 * on first use, not when the bench starts: it is ~29 MB of the bench's heap (35 MB in all with it,
 * 6 without), which the app's main process never holds, and V8's memory reducer collects the whole
 * heap in one major collection while a section's 40 workers run (bench/RESULTS.md, "Rows 5 and 12:
 * the main thread's longest own turn"): a heap five times the bench's own made rows 5 and 12 measure
 * a collection of Playwright's objects.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('@playwright/test');
  // The bench's own handlers end Chromium on Ctrl-C or SIGTERM with the rest (stopOnSignal.ts);
  // Playwright's would exit the process first, and the bench's homes would stay.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
