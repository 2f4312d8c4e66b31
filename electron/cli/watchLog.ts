import type { TaskEvent } from '../../shared/domain';
import type { Db } from '../core/store/db/open';
import { findTask } from '../core/store/tasks';
import { describeEvent } from './eventText';

/**
 * `switchyard dispatch --watch`: one line per event — time, task, lane, what happened — or one JSON
 * object per line with --json; on Ctrl-C a summary of what was seen.
 */

/** The kinds the summary counts, in the order it names them. */
const SUMMARY_KINDS = [
  'spawned',
  'completed',
  'crashed',
  'timed_out',
  'spawn_failed',
  'gave_up',
  'promoted',
  'reclaimed',
  'claimed',
  'blocked',
] as const;

export interface WatchSummary {
  seconds: number;
  events: number;
  byKind: Record<string, number>;
}

/** 14:25:03 in local time: the watcher is a person looking at their own clock. */
function clock(ms: number): string {
  const date = new Date(ms);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}

export class WatchLog {
  private readonly startedAt = Date.now();
  private readonly counts = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly db: Db,
    private readonly json: boolean,
    private readonly write: (line: string) => void,
  ) {}

  print(events: readonly TaskEvent[]): void {
    for (const event of events) {
      // Skip reasons, card figures and the board list are the lane view's and the board's, not a
      // line per tick here.
      if (
        event.kind === 'skips_changed' ||
        event.kind === 'changes_computed' ||
        event.kind === 'board_changed'
      )
        continue;
      this.total += 1;
      this.counts.set(event.kind, (this.counts.get(event.kind) ?? 0) + 1);
      const lane = this.laneOf(event);
      if (this.json) {
        this.write(
          JSON.stringify({
            time: new Date(event.createdAt).toISOString(),
            taskId: event.taskId,
            lane,
            kind: event.kind,
            text: describeEvent(event),
            runId: event.runId,
            payload: event.payload,
          }),
        );
      } else {
        this.write(
          `${clock(event.createdAt)}  ${(event.taskId ?? '-').padEnd(10)}  ${(lane ?? '-').padEnd(16)}  ${describeEvent(event)}`,
        );
      }
    }
  }

  summary(): WatchSummary {
    return {
      seconds: Math.round((Date.now() - this.startedAt) / 1000),
      events: this.total,
      byKind: Object.fromEntries(this.counts),
    };
  }

  summaryLine(): string {
    const { seconds, events } = this.summary();
    const parts = SUMMARY_KINDS.map((kind) => `${kind.replace('_', ' ')} ${this.counts.get(kind) ?? 0}`);
    const minutes = Math.floor(seconds / 60);
    const duration = minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
    return `Watched ${duration}: ${events} event${events === 1 ? '' : 's'} — ${parts.join(', ')}`;
  }

  /** The lane the event happened in: named by the event (spawned, claimed) or the task's lane now. */
  private laneOf(event: TaskEvent): string | null {
    const named = event.payload.lane;
    if (typeof named === 'string') return named;
    if (!event.taskId) return null;
    return findTask(this.db, event.taskId)?.assignee ?? null;
  }
}
