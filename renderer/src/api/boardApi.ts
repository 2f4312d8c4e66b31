import type {
  BoardEvent,
  CallErrorCode,
  CallName,
  CallRequest,
  CallResponse,
} from '../../../shared/contract';

/**
 * The renderer's only way to the core. Three implementations: the Electron preload bridge, the
 * WebSocket client of web mode, and an in-memory fake for tests.
 */
export interface BoardApi {
  /** Runs one contract call; rejects with ApiError when the core refuses it. */
  call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>>;
  /** Follows the event stream; returns the unsubscribe function. */
  subscribe(listener: (event: BoardEvent) => void): () => void;
  /**
   * The event stream restarted and events may have been missed (web mode reconnected): take a new
   * snapshot. Implementations whose stream cannot break leave it out.
   */
  onStreamReset?(listener: () => void): () => void;
  /** The desktop shell asks the board to open a card (a notification was clicked). */
  onOpenTask?(listener: (taskId: string) => void): () => void;
}

/** The line to show for a failure: a refused call's message (ApiError), else whatever was thrown. */
export const errorMessage = (reason: unknown): string =>
  reason instanceof Error ? reason.message : String(reason);

export class ApiError extends Error {
  constructor(
    readonly code: CallErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
