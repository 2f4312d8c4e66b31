import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { BoardApi } from '../api/boardApi';
import type { BoardState, BoardStore } from './boardStore';
import { createColumnTotalsSelector, createIndexSelector, type BoardIndex } from './selectors';

/** The store plus its memoized selectors: one set per window, shared by every component. */
export interface BoardContextValue {
  api: BoardApi;
  store: BoardStore;
  selectIndex: (state: BoardState) => BoardIndex;
  selectColumnTotals: ReturnType<typeof createColumnTotalsSelector>;
}

const BoardContext = createContext<BoardContextValue | null>(null);

export function createBoardContextValue(api: BoardApi, store: BoardStore): BoardContextValue {
  const selectIndex = createIndexSelector();
  return { api, store, selectIndex, selectColumnTotals: createColumnTotalsSelector(selectIndex) };
}

export function BoardProvider({ value, children }: { value: BoardContextValue; children: ReactNode }) {
  return <BoardContext.Provider value={value}>{children}</BoardContext.Provider>;
}

export function useBoardContext(): BoardContextValue {
  const value = useContext(BoardContext);
  if (!value) throw new Error('useBoardContext must be used inside <BoardProvider>');
  return value;
}

/** Subscribes to a slice of the board state; the selector must return stable references. */
export function useBoard<T>(selector: (state: BoardState) => T): T {
  return useStore(useBoardContext().store, selector);
}

export function useBoardIndex(): BoardIndex {
  const { store, selectIndex } = useBoardContext();
  return useStore(store, selectIndex);
}

/** Actions never change identity, so reading them does not subscribe to anything. */
export function useBoardActions(): BoardState {
  return useBoardContext().store.getState();
}
