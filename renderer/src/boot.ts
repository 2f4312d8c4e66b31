import { openEarlySocket } from './api/earlySocket';
import { hasPreloadBridge } from './api/preloadBridge';

/**
 * The page's first script (its own entry, put ahead of the board's code in index.html by
 * vite.config.ts): in a browser, web mode's socket opens and the snapshot is asked while the
 * board's code still downloads and compiles. The desktop app talks through its preload bridge.
 */
if (!hasPreloadBridge()) openEarlySocket();
