import type { BoardEvent, CallName, CallRequest, CallResponse } from '../../../shared/contract';
import { ApiError, type BoardApi } from '../api/boardApi';

type Handler<N extends CallName> = (request: CallRequest<N>) => CallResponse<N> | Promise<CallResponse<N>>;
type Handlers = { [N in CallName]?: Handler<N> };

/**
 * A scriptable BoardApi for renderer tests: each call is recorded and answered by a handler the
 * test installs; calls without a handler reject like the core would for an unknown request.
 */
export class FakeBoardApi implements BoardApi {
  readonly calls: { name: CallName; request: unknown }[] = [];
  private readonly handlers: Handlers = {};
  private readonly listeners = new Set<(event: BoardEvent) => void>();
  private readonly resetListeners = new Set<() => void>();

  on<N extends CallName>(name: N, handler: Handler<N>): this {
    (this.handlers as Record<string, unknown>)[name] = handler;
    return this;
  }

  async call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
    this.calls.push({ name, request });
    const handler = this.handlers[name] as Handler<N> | undefined;
    if (!handler) throw new ApiError('internal', `no fake handler for ${name}`);
    return handler(request);
  }

  callsOf<N extends CallName>(name: N): CallRequest<N>[] {
    return this.calls.filter((call) => call.name === name).map((call) => call.request as CallRequest<N>);
  }

  subscribe(listener: (event: BoardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: BoardEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  onStreamReset(listener: () => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  /** What a reconnected WebSocket does: events may have been missed meanwhile. */
  resetStream(): void {
    for (const listener of this.resetListeners) listener();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** A promise with its resolve/reject exposed, to hold a fake call open. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
