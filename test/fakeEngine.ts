import type { DispatchResult, DispatcherState, LaneStatus, WorkerStatus } from '../shared/dispatch';
import { emptySkippedCounts } from '../shared/dispatch';
import type { TaskEvent } from '../shared/domain';
import type { Actor } from '../electron/core/commands/taskCommands';
import { openDatabase, type Db } from '../electron/core/store/db/open';
import type { EngineHandle } from '../electron/core/dispatch/engineHandle';
import { eventsAfter, lastEventId } from '../electron/core/store/events';
import type { HomePaths } from '../electron/core/config/home';
import {
  createProfileFromTemplate,
  type ProfileTemplateName,
} from '../electron/core/config/profileTemplates';
import { listTasks } from '../electron/core/store/tasks';

type Notice = Parameters<Parameters<EngineHandle['onNotice']>[0]>[0];

/**
 * An EngineHandle on a real SQLite database without a dispatcher: lanes and the dispatcher switch
 * live in memory, and the change feed follows the event log when `pump()` is called (or on a timer
 * with `startPolling`). Enough for the API, IPC, tray and web-server tests.
 */
export class FakeEngine implements EngineHandle {
  readonly db: Db;
  readonly actor: Actor;
  readonly wakes: number[] = [];
  readonly stopped: string[] = [];
  private enabled = true;
  private readonly paused = new Map<string, boolean>();
  private readonly concurrency = new Map<string, number>();
  private cursor: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly taskListeners = new Set<(events: TaskEvent[]) => void>();
  private readonly workerListeners = new Set<(workers: WorkerStatus[]) => void>();
  private readonly stateListeners = new Set<(state: DispatcherState) => void>();
  private readonly noticeListeners = new Set<(notice: Notice) => void>();
  private readonly tickListeners = new Set<(result: DispatchResult) => void>();
  private readonly laneListeners = new Set<() => void>();

  constructor(
    readonly paths: HomePaths,
    actor: Actor = { name: 'tester' },
  ) {
    this.db = openDatabase(paths.database);
    this.actor = actor;
    this.cursor = lastEventId(this.db);
  }

  dispatcherState(): DispatcherState {
    const ready = listTasks(this.db, { statuses: ['ready'] }).length;
    const running = listTasks(this.db, { statuses: ['running'] }).length;
    return {
      enabled: this.enabled,
      active: this.enabled,
      leaseHolder: null,
      fault: null,
      stuck: false,
      running,
      ready,
      globalMaxConcurrent: 4,
      lastTickAt: null,
      workers: [],
      budgetExhausted: [],
    };
  }

  setDispatcherEnabled(enabled: boolean): void {
    this.enabled = enabled;
    const state = this.dispatcherState();
    for (const listener of this.stateListeners) listener(state);
  }

  laneStatuses(board: string): LaneStatus[] {
    const names = new Set<string>(this.paused.keys());
    // Per lane and status, as the core's lane view counts them (archived tasks are off the board).
    const counts = new Map<string, Record<string, number>>();
    for (const task of listTasks(this.db, { board })) {
      if (!task.assignee || task.status === 'archived') continue;
      names.add(task.assignee);
      const lane = counts.get(task.assignee) ?? {};
      lane[task.status] = (lane[task.status] ?? 0) + 1;
      counts.set(task.assignee, lane);
    }
    return [...names].sort().map((name) => ({
      name,
      kind: 'terminal',
      problem: null,
      declared: false,
      description: null,
      command: null,
      completion: null,
      paused: this.paused.get(name) ?? false,
      maxConcurrent: this.concurrency.get(name) ?? 1,
      running: 0,
      counts: counts.get(name) ?? {},
      queuedBySkipReason: { ...emptySkippedCounts() },
      failures: 0,
      lastError: null,
      workers: [],
      requireApproval: this.agentSettings.get(name)?.requireApproval ?? false,
      budgetUsdPerDay: this.agentSettings.get(name)?.budgetUsdPerDay ?? null,
      spentTodayUsd: 0,
      spent7dUsd: 0,
    }));
  }

  setLanePaused(lane: string, paused: boolean): void {
    this.paused.set(lane, paused);
    for (const listener of this.laneListeners) listener();
  }

  setLaneConcurrency(lane: string, maxConcurrent: number): void {
    this.concurrency.set(lane, maxConcurrent);
    if (!this.paused.has(lane)) this.paused.set(lane, false);
    for (const listener of this.laneListeners) listener();
  }

  readonly agentSettings = new Map<string, { requireApproval?: boolean; budgetUsdPerDay?: number | null }>();

  setLaneAgentSettings(
    lane: string,
    settings: { requireApproval?: boolean; budgetUsdPerDay?: number | null },
  ): void {
    this.agentSettings.set(lane, { ...this.agentSettings.get(lane), ...settings });
    for (const listener of this.laneListeners) listener();
  }

  /** Plays a dispatcher tick's result to the tick listeners, as the real engine does after a tick. */
  emitTick(result: DispatchResult): void {
    for (const listener of this.tickListeners) listener(result);
  }

  onTick(listener: (result: DispatchResult) => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  onLanesChanged(listener: () => void): () => void {
    this.laneListeners.add(listener);
    return () => this.laneListeners.delete(listener);
  }

  createProfile(name: string, template: ProfileTemplateName): string {
    const created = createProfileFromTemplate(this.paths, name, template);
    this.paused.set(created.name, this.paused.get(created.name) ?? false);
    return created.name;
  }

  profilesChanged(): void {
    for (const listener of this.laneListeners) listener();
  }

  async stopWorker(taskId: string): Promise<void> {
    this.stopped.push(taskId);
  }

  dryRun(): ReturnType<EngineHandle['dryRun']> {
    return {
      dryRun: true,
      startedAt: Date.now(),
      durationMs: 0,
      spawned: [],
      skipped: [],
      skippedCounts: emptySkippedCounts(),
      skipChanged: [],
      completed: [],
      crashed: [],
      timedOut: [],
      lost: [],
      spawnFailed: [],
      reclaimed: [],
      promoted: [],
      gaveUp: [],
      rateLimited: [],
      stuck: false,
    };
  }

  problems(): string[] {
    return [];
  }

  wake(): void {
    this.wakes.push(Date.now());
  }

  /** Delivers event-log rows written since the last pump (by anyone) to the listeners. */
  pump(): TaskEvent[] {
    const events = eventsAfter(this.db, this.cursor);
    if (events.length === 0) return events;
    this.cursor = (events.at(-1) as TaskEvent).id;
    for (const listener of this.taskListeners) listener(events);
    return events;
  }

  startPolling(intervalMs = 20): void {
    this.timer ??= setInterval(() => this.pump(), intervalMs);
  }

  emitWorkers(workers: WorkerStatus[]): void {
    for (const listener of this.workerListeners) listener(workers);
  }

  emitNotice(notice: Notice): void {
    for (const listener of this.noticeListeners) listener(notice);
  }

  onTaskEvents(listener: (events: TaskEvent[]) => void): () => void {
    this.taskListeners.add(listener);
    return () => this.taskListeners.delete(listener);
  }

  onWorkers(listener: (workers: WorkerStatus[]) => void): () => void {
    this.workerListeners.add(listener);
    return () => this.workerListeners.delete(listener);
  }

  onDispatcherState(listener: (state: DispatcherState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** No repositories here: change cards never change. */
  onChangeCards(_listener: (taskIds: string[]) => void): () => void {
    return () => undefined;
  }

  async close(_options?: { stopWorkers: boolean }): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.db.close();
  }
}
