import { describe, expect, it } from 'vitest';
import { takeToken } from './socketUrl';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

describe('takeToken (issue 18: the token leaves the address bar, never goes into a cookie)', () => {
  it('keeps the token from the URL, drops it from the address bar, and finds it again on reload', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const first = takeToken({ search: '?token=abc&board=x', pathname: '/', hash: '#t' }, storage, (url) =>
      replaced.push(url),
    );
    expect(first).toBe('abc');
    expect(replaced).toEqual(['/?board=x#t']);
    const reload = takeToken({ search: '?board=x', pathname: '/', hash: '' }, storage, (url) =>
      replaced.push(url),
    );
    expect(reload).toBe('abc');
    expect(replaced).toHaveLength(1);
  });

  it('null without a token anywhere', () => {
    expect(takeToken({ search: '', pathname: '/', hash: '' }, memoryStorage(), () => undefined)).toBeNull();
  });
});
