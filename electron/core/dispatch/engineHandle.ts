import type { DispatchResult, DispatcherState, LaneStatus } from '../../../shared/dispatch';
import type { Actor } from '../commands/taskCommands';
import type { Db } from '../store/db/open';
import type { HomePaths } from '../config/home';
import type { ProfileTemplateName } from '../config/profileTemplates';
import type { EngineListener } from './engineChanges';

/**
 * What the API layer (IPC, web mode) needs from a running engine: the database, the dispatcher's
 * live state and its controls. Implemented by `Engine` in engine.ts (tests too run the real one over a temp home).
 */
export interface EngineHandle {
  readonly db: Db;
  readonly paths: HomePaths;
  /** The person or process the UI acts as (events record it). */
  readonly actor: Actor;
  dispatcherState(): DispatcherState;
  /**
   * Reports an error met while using the database; true when it is a fault (damaged, unreadable)
   * that stopped the engine (issue 18). Optional for fakes.
   */
  databaseFailed?(error: unknown): boolean;
  /** The fault that stopped the engine, or null. */
  databaseFault?(): string | null;
  setDispatcherEnabled(enabled: boolean): void;
  laneStatuses(board: string): LaneStatus[];
  setLanePaused(lane: string, paused: boolean): void;
  setLaneConcurrency(lane: string, maxConcurrent: number): void;
  /**
   * Writes profiles/NAME/ from a ready-made template (refusing to overwrite one) and makes the
   * lane a profile lane at once. Returns the lane's name (lowercase).
   */
  createProfile(name: string, template: ProfileTemplateName): string;
  /** Profile folders were written or removed (the Lanes view's editor): read them now and look for work. */
  profilesChanged(): void;
  /** docs/architecture.md §10: a lane's approval rule and daily budget (kept in lanes.json; null removes the budget). */
  setLaneAgentSettings(
    lane: string,
    settings: { requireApproval?: boolean; budgetUsdPerDay?: number | null },
  ): void;
  /** Stops the worker of a running task (SIGTERM → SIGKILL); resolves when it is gone. */
  stopWorker(taskId: string): Promise<void>;
  dryRun(): DispatchResult;
  /** Config problems to show the user (broken settings.json / lanes.json). */
  problems(): string[];
  /** Ask for a tick now (a task became ready, a lane was resumed …). */
  wake(): void;
  /**
   * Follows the engine's changes: new rows of the event log and what is not persisted (workers,
   * dispatcher state, ticks, lane files, notices, a database fault). The one change path
   * (docs/architecture.md "How a change travels"); a listener that throws never stops the others.
   */
  subscribe(listener: EngineListener): () => void;
}
