import { useEffect, useState } from 'react';
import type { BoardApi } from './api/boardApi';
import { Board } from './board/Board';
import { FirstRun, shouldShowFirstRun } from './firstRun/FirstRun';
import { createBoardStore, type BoardStore } from './store/boardStore';
import { BoardProvider, createBoardContextValue, useBoard, useBoardContext } from './store/context';
import { initialBoard } from './store/storedBoard';
import { afterNextPaint } from './store/afterNextPaint';
import {
  ConfirmDialog,
  CreateTaskDialog,
  Drawer,
  LaneStatusView,
  LazyPart,
  preloadLazyParts,
  SettingsPanel,
} from './lazyParts';
import { ProblemsBanner } from './toolbar/ProblemsBanner';
import { Toasts } from './toolbar/Toasts';
import { Toolbar } from './toolbar/Toolbar';
import './styles/theme.css';
import './styles/app.css';

/** How often lanes are re-read when nothing else asks (profile files edited by hand). */

export interface AppProps {
  api: BoardApi;
  /** Tests pass their own store; the app makes one per window otherwise. */
  store?: BoardStore;
  /** Board to open; defaults to the one used last (or `default`). */
  board?: string;
}

/** The window: toolbar, board or lane view, drawer, dialogs, toasts. main.tsx picks the BoardApi. */
export default function App({ api, store, board }: AppProps) {
  const [context] = useState(() =>
    createBoardContextValue(api, store ?? createBoardStore(api, { persistBoard: true })),
  );

  useEffect(() => {
    // Subscribe before loading: events that race the snapshot are buffered, not lost. Events are
    // queued and applied together once per frame (one store update and render for all of them).
    const unsubscribe = api.subscribe((event) => context.store.getState().queueEvent(event));
    // After a reconnect events may have been missed, and if nothing happens afterwards no seq gap
    // would ever reveal it: take a fresh snapshot straight away.
    const stopResetListener = api.onStreamReset?.(() => void context.store.getState().resync());
    // The desktop app asks to open a card when its notification was clicked (main.ts showBoard).
    const stopOpenTaskListener = api.onOpenTask?.((taskId) => context.store.getState().openTask(taskId));
    void context.store.getState().load(board ?? initialBoard());
    return () => {
      unsubscribe();
      stopResetListener?.();
      stopOpenTaskListener?.();
    };
  }, [api, context, board]);

  return (
    <BoardProvider value={context}>
      <div className="app">
        <Toolbar />
        <main className="app-main">
          <MainView />
        </main>
        <Overlays />
        <Toasts />
        <PreloadAfterFirstPaint />
      </div>
    </BoardProvider>
  );
}

export { App };

function MainView() {
  const { store } = useBoardContext();
  const loadState = useBoard((state) => state.loadState);
  const loadError = useBoard((state) => state.loadError);
  const view = useBoard((state) => state.view);
  const firstRun = useBoard(shouldShowFirstRun);

  if (loadState === 'idle' || loadState === 'loading') {
    return (
      <div className="empty-state" role="status" data-testid="loading">
        Loading the board…
      </div>
    );
  }
  if (loadState === 'error') {
    return (
      <div className="empty-state error" role="alert" data-testid="load-error">
        <p>The board could not be loaded: {loadError}</p>
        <button type="button" className="button" onClick={() => void store.getState().load()}>
          Try again
        </button>
      </div>
    );
  }
  if (firstRun) return <FirstRun />;
  return (
    <>
      <ProblemsBanner />
      {view === 'lanes' ? (
        <LazyPart label="the lanes">
          <LaneStatusView />
        </LazyPart>
      ) : (
        <Board />
      )}
    </>
  );
}

/** The drawer and the dialogs, each mounted (and its chunk loaded, lazyParts.tsx) once it is open. */
function Overlays() {
  const drawer = useBoard((state) => state.openTaskId !== null);
  const creating = useBoard((state) => state.createOpen);
  const settings = useBoard((state) => state.settingsOpen);
  const confirming = useBoard((state) => state.confirm !== null);
  return (
    <>
      {drawer && (
        <LazyPart label="the task">
          <Drawer />
        </LazyPart>
      )}
      {creating && (
        <LazyPart label="the form">
          <CreateTaskDialog />
        </LazyPart>
      )}
      {settings && (
        <LazyPart label="the settings">
          <SettingsPanel />
        </LazyPart>
      )}
      {confirming && (
        <LazyPart label="the question">
          <ConfirmDialog />
        </LazyPart>
      )}
    </>
  );
}

/** Once the board has painted and the page is idle, the lazy parts load before anyone asks. */
function PreloadAfterFirstPaint() {
  const ready = useBoard((state) => state.loadState === 'ready');
  useEffect(() => {
    if (!ready) return;
    let live = true;
    void afterNextPaint().then(() => {
      if (!live) return;
      if (typeof requestIdleCallback === 'function')
        requestIdleCallback(() => void preloadLazyParts(), { timeout: 2_000 });
      else void preloadLazyParts();
    });
    return () => {
      live = false;
    };
  }, [ready]);
  return null;
}
