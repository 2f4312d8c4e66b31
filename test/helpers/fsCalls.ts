import fs from 'node:fs';
import { vi } from 'vitest';

type PathCall = 'statSync' | 'lstatSync' | 'readdirSync';

/**
 * The paths `action` handed to the named synchronous fs functions, in call order. The calls still do
 * their work (the spies only listen) and the spies are taken off when `action` ends or throws.
 */
export function fsPathsDuring(calls: readonly PathCall[], action: () => void): string[] {
  const seen: string[] = [];
  const spies = calls.map((name) => {
    const original = fs[name] as (target: fs.PathLike, ...rest: unknown[]) => unknown;
    return vi.spyOn(fs, name).mockImplementation(((target: fs.PathLike, ...rest: unknown[]) => {
      seen.push(String(target));
      return original(target, ...rest);
    }) as never);
  });
  try {
    action();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return seen;
}
