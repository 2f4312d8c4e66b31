/**
 * Where web mode's WebSocket is upgraded (docs/architecture.md §8). Apart from shared/webProtocol.ts
 * (which re-exports it) because that module builds zod schemas, and the page's boot script, which
 * opens the socket before the board's code has loaded, must stay without zod.
 */
export const WS_PATH = '/ws';
