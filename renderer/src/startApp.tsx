import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';
import type { BoardApi } from './api/boardApi';
import { createPreloadBridgeApi } from './api/preloadBridge';
import type { SocketAhead } from './api/socketAhead';
import { createWebSocketApi } from './api/webSocketApi';

/**
 * The board's code, loaded by main.tsx. Inside the desktop app the preload bridge is there (no
 * socket ahead); in a browser it is web mode's WebSocket, taking over the socket main.tsx opened.
 */
export function startApp(ahead: SocketAhead | null): void {
  const api: BoardApi = ahead ? createWebSocketApi({ ahead }) : createPreloadBridgeApi();
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <App api={api} />
    </StrictMode>,
  );
}
