import { WS_PATH } from '../../../shared/webSocketPath';

/**
 * Web mode's socket address with the page's token. No zod and no React here: the page's boot
 * script (`boot.ts`) opens the socket before the board's code has loaded.
 */

const TOKEN_KEY = 'switchyard.token';

/**
 * The token from `?token=` (the URL `switchyard serve` printed), kept in sessionStorage — scoped to
 * this origin and port, unlike a cookie — and then dropped from the address bar and history
 * (issue 18). A reload finds it in sessionStorage; null when neither has it.
 */
export function takeToken(
  location: Pick<Location, 'search' | 'pathname' | 'hash'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  replaceUrl: (url: string) => void,
): string | null {
  const query = new URLSearchParams(location.search);
  const fromQuery = query.get('token');
  if (fromQuery) {
    storage.setItem(TOKEN_KEY, fromQuery);
    query.delete('token');
    const rest = query.toString();
    replaceUrl(`${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    return fromQuery;
  }
  return storage.getItem(TOKEN_KEY);
}

export function defaultSocketUrl(): string {
  const token = takeToken(window.location, window.sessionStorage, (url) =>
    window.history.replaceState(window.history.state, '', url),
  );
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${window.location.host}${WS_PATH}${query}`;
}
