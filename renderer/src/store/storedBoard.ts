import { DEFAULT_BOARD } from '../../../shared/constants';

/**
 * The board this window showed last (localStorage), opened again at the next start. A module of its
 * own, without the store: the page's first module asks for that board's snapshot before the rest
 * of the board's code has loaded (main.tsx).
 */

const BOARD_STORAGE_KEY = 'switchyard.board';

function readStoredBoard(): string | null {
  try {
    return globalThis.localStorage?.getItem(BOARD_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage can be disabled; the default board is a fine fallback
  }
}

export function storeBoard(board: string): void {
  try {
    globalThis.localStorage?.setItem(BOARD_STORAGE_KEY, board);
  } catch {
    // not fatal: the board choice just is not remembered
  }
}

export function initialBoard(): string {
  return readStoredBoard() ?? DEFAULT_BOARD;
}
