import { lazy, Suspense, type ReactNode } from 'react';

/**
 * The parts of the window the board's first paint never shows — the task drawer, the Lanes view
 * and the dialogs (with their CSS) — as chunks of their own: the first bundle the page compiles and
 * runs before it can paint is ~45 KB smaller (bench/RESULTS.md, row 7, engineer paint). They load
 * on first use, and ahead of it once the board has painted and the page is idle
 * (`preloadLazyParts`), so a click rarely waits for one.
 */

const loaders = {
  drawer: () => import('./drawer/Drawer'),
  lanes: () => import('./lanes/LaneStatusView'),
  createTask: () => import('./toolbar/CreateTaskDialog'),
  settings: () => import('./toolbar/SettingsPanel'),
  confirm: () => import('./toolbar/ConfirmDialog'),
};

export const Drawer = lazy(() => loaders.drawer().then((module) => ({ default: module.Drawer })));
export const LaneStatusView = lazy(() =>
  loaders.lanes().then((module) => ({ default: module.LaneStatusView })),
);
export const CreateTaskDialog = lazy(() =>
  loaders.createTask().then((module) => ({ default: module.CreateTaskDialog })),
);
export const SettingsPanel = lazy(() =>
  loaders.settings().then((module) => ({ default: module.SettingsPanel })),
);
export const ConfirmDialog = lazy(() =>
  loaders.confirm().then((module) => ({ default: module.ConfirmDialog })),
);

/**
 * Fetches and runs every lazy part ahead of its first use (a chunk is fetched once). Settles when
 * all have loaded or failed: a part that failed is fetched again on use, where its error shows.
 */
export function preloadLazyParts(): Promise<void> {
  return Promise.all(Object.values(loaders).map((load) => load().catch(() => undefined))).then(
    () => undefined,
  );
}

/** A part still loading: a quiet line where it will be, never a half-drawn panel. */
export function LazyPart({ children, label }: { children: ReactNode; label: string }) {
  return (
    <Suspense
      fallback={
        <div className="lazy-part-loading muted" role="status">
          Loading {label}…
        </div>
      }
    >
      {children}
    </Suspense>
  );
}
