import { hasPreloadBridge } from './api/preloadBridge';
import { defaultSocketUrl, openSocketAhead } from './api/socketAhead';
import { initialBoard } from './store/storedBoard';

/**
 * The page's first module: small on purpose (performance issue 17, target 7). In a browser (web
 * mode) it opens the socket and asks for the board's snapshot at once, and only then loads the
 * board's code (startApp.tsx: React, the store, the contract's schemas), so the server reads and
 * sends the snapshot while Chromium fetches and compiles that code. Inside the desktop app the
 * preload bridge answers instead, and nothing is sent ahead.
 */
const ahead = hasPreloadBridge()
  ? null
  : openSocketAhead(defaultSocketUrl(), [{ name: 'snapshot', request: { board: initialBoard() } }]);

import('./startApp').then(
  ({ startApp }) => startApp(ahead),
  (error: unknown) => {
    const root = document.getElementById('root');
    if (root) root.textContent = `The board's code could not be loaded (${String(error)}): reload the page.`;
  },
);
