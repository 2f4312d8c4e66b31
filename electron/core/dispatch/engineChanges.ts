import type { DispatchResult, DispatcherState, WorkerStatus } from '../../../shared/dispatch';
import type { TaskEvent } from '../../../shared/domain';

/**
 * The engine's one change path (docs/architecture.md "How a change travels"): new rows of the
 * event log, whoever wrote them, and the few facts that are not persisted, as one typed stream
 * with one kind of listener and one error policy.
 */

export interface EngineNotice {
  level: 'info' | 'warning' | 'error';
  title: string;
  message: string;
  taskId: string | null;
}

export type EngineChange =
  /** New rows of the event log (this process, the CLI, a worker, another app), in order. */
  | { type: 'events'; events: TaskEvent[] }
  /** This process's workers: output, heartbeat age, exits (not persisted; ≤ 10 updates/s per worker). */
  | { type: 'workers'; workers: WorkerStatus[] }
  /** The dispatcher's state, pushed only when it differs from the last one pushed. */
  | { type: 'dispatcher'; state: DispatcherState }
  /** A tick this process ran (not dry runs). */
  | { type: 'tick'; result: DispatchResult }
  /** Lane facts kept outside the log changed: profile files, lanes.json, a stored pause or limit. */
  | { type: 'lanes' }
  /** Something a person should be told (desktop notification, web toast). */
  | { type: 'notice'; notice: EngineNotice }
  /** The database failed under the engine (issue 18): dispatching stopped. */
  | { type: 'fault'; message: string };

export type EngineListener = (change: EngineChange) => void;

/**
 * A set of listeners with the engine's one error policy: a listener that throws is logged — its
 * first failure with the stack, later ones at most once a minute as a count, so a broken listener
 * cannot flood the log on every output line — and never stops the other listeners nor the code
 * that emitted. Used for the engine's changes and the API's board events.
 */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();
  private readonly failures = new WeakMap<(value: T) => void, { loggedAt: number; unlogged: number }>();

  /** `report` gets what failed, in words, and the error. */
  constructor(
    private readonly report: (what: string, error: unknown) => void,
    private readonly what: string,
  ) {}

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether anyone listens: some values cost a read to build and are skipped when nobody does. */
  get listened(): boolean {
    return this.listeners.size > 0;
  }

  clear(): void {
    this.listeners.clear();
  }

  emit(value: T, describe: (value: T) => string = () => ''): void {
    // A copy: a listener may unsubscribe itself (or another) while being called.
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.failed(listener, error, describe(value));
      }
    }
  }

  private failed(listener: (value: T) => void, error: unknown, about: string): void {
    const now = Date.now();
    const seen = this.failures.get(listener);
    const on = about ? ` on ${about}` : '';
    if (!seen) {
      this.failures.set(listener, { loggedAt: now, unlogged: 0 });
      this.report(`a listener of ${this.what} failed${on}`, error);
      return;
    }
    seen.unlogged += 1;
    if (now - seen.loggedAt < FAILURE_LOG_INTERVAL_MS) return;
    this.report(`a listener of ${this.what} failed ${seen.unlogged} more times, last${on}`, error);
    seen.loggedAt = now;
    seen.unlogged = 0;
  }
}

/** How often at most a listener that keeps failing is logged again. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/** The engine's changes, for its listeners (EngineHandle.subscribe). */
export class EngineChanges extends Listeners<EngineChange> {
  constructor(log: (line: string) => void) {
    super((what, error) => log(`${what}: ${describeError(error)}`), 'engine changes');
  }

  override emit(change: EngineChange): void {
    super.emit(change, (value) => `"${value.type}"`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
