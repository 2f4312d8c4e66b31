import { DEFAULT_BOARD } from '../../../shared/constants';

/**
 * The board a window opens with: the one chosen last, remembered in localStorage. Its own small
 * module because the page's boot script (`boot.ts`) asks for that board's snapshot before the
 * store's code has loaded.
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
