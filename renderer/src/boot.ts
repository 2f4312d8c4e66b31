import { laneNameCollator } from '../../shared/laneOrder';
import { openEarlySocket } from './api/earlySocket';
import { hasPreloadBridge } from './api/preloadBridge';

/**
 * The page's first script (its own entry, put ahead of the board's code in index.html by
 * vite.config.ts), which starts what the board's first render will wait for while the board's
 * code still downloads and compiles, a time the page's main thread is mostly idle:
 * - in a browser, web mode's socket opens and the snapshot is asked (the desktop app talks through
 *   its preload bridge);
 * - the lane names' collator is made, which loads the locale's collation data (13–46 ms in a fresh
 *   Chromium page, measured): the first render sorts the lane rows with it (shared/laneOrder.ts).
 *   In a browser only once the snapshot is asked: made in the same task as the socket, it held up
 *   the socket's `open` handler, and so the question, for as long (bench/RESULTS.md, row 7, paint2).
 */
if (hasPreloadBridge()) laneNameCollator();
else openEarlySocket({ afterAsked: laneNameCollator });
