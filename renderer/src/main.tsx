import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';
import type { BoardApi } from './api/boardApi';
import { takeEarlySocket } from './api/earlySocket';
import { createPreloadBridgeApi, hasPreloadBridge } from './api/preloadBridge';
import { createWebSocketApi } from './api/webSocketApi';

/**
 * Inside the desktop app the preload bridge is there; in a browser it is web mode's WebSocket, the
 * one boot.ts opened when it did.
 */
function pickApi(): BoardApi {
  return hasPreloadBridge() ? createPreloadBridgeApi() : createWebSocketApi({ early: takeEarlySocket() });
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App api={pickApi()} />
  </StrictMode>,
);
