import { useEffect, useState } from 'react';

/**
 * Board density (issue 15): comfortable (two-line titles, full chips) or compact (one line per card,
 * tighter lanes). A per-window preference, remembered in localStorage like the last board.
 */
export type Density = 'comfortable' | 'compact';

export const DENSITY_STORAGE_KEY = 'switchyard.density';

export function storedDensity(): Density {
  try {
    return globalThis.localStorage?.getItem(DENSITY_STORAGE_KEY) === 'compact' ? 'compact' : 'comfortable';
  } catch {
    return 'comfortable'; // storage disabled: the default it is
  }
}

/** The density, applied as a class on <body> (cards, lanes and menus all follow it). */
export function useDensity(): [Density, (density: Density) => void] {
  const [density, setDensity] = useState<Density>(storedDensity);
  useEffect(() => {
    document.body.classList.toggle('density-compact', density === 'compact');
    try {
      globalThis.localStorage?.setItem(DENSITY_STORAGE_KEY, density);
    } catch {
      // not remembered, still applied
    }
  }, [density]);
  return [density, setDensity];
}
