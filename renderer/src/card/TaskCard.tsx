import { memo, type HTMLAttributes, type Ref } from 'react';
import type { DispatcherState, LaneStatus, WorkerStatus } from '../../../shared/dispatch';
import type { Card } from '../../../shared/domain';
import type { ChangeCard } from '../../../shared/repository';
import { ApproveButton } from './ApproveButton';
import { ChangeChips } from './ChangeChips';
import { MoveMenu } from './MoveMenu';
import { skipBadgeOf } from './skipText';
import { formatDuration, useNow } from './time';
import '../styles/card.css';

/** docs/architecture.md §7 staleness: ready for over an hour, or running without a sign of life for 10 minutes. */
export const STALE_READY_MS = 60 * 60 * 1000;
export const STALE_HEARTBEAT_MS = 10 * 60 * 1000;

export type Staleness = 'fresh' | 'waiting' | 'silent';

/** The last sign of life of a running task: heartbeat, output, or its start. */
export function lastSignOfLife(task: Card, worker: WorkerStatus | undefined): number {
  return Math.max(
    task.lastHeartbeatAt ?? 0,
    worker?.lastOutputAt ?? 0,
    worker?.startedAt ?? 0,
    task.startedAt ?? 0,
  );
}

export function stalenessOf(task: Card, worker: WorkerStatus | undefined, now: number): Staleness {
  if (task.status === 'ready' && now - task.updatedAt > STALE_READY_MS) return 'waiting';
  if (task.status === 'running') {
    const signal = lastSignOfLife(task, worker);
    if (signal > 0 && now - signal > STALE_HEARTBEAT_MS) return 'silent';
  }
  return 'fresh';
}

export interface TaskCardProps {
  task: Card;
  worker?: WorkerStatus;
  /** Only passed when the badge needs it (capacity, broken profile), so lane updates stay local. */
  lane?: LaneStatus;
  dispatcher?: DispatcherState | null;
  /** "done/total" parents. */
  dependencies?: string | null;
  /** The core's hint for a lane nobody declared (selectors.undeclaredLaneHint). */
  laneHint?: string;
  /** docs/architecture.md §9: the task's changes in its worktree, when it has one. */
  changes?: ChangeCard;
  /** Rendered in the DragOverlay: no menu, no handlers. */
  overlay?: boolean;
  dragging?: boolean;
  /** dnd-kit's attributes and listeners for the draggable card. */
  dragProps?: HTMLAttributes<HTMLElement>;
  cardRef?: Ref<HTMLElement>;
  onOpen?: (taskId: string) => void;
}

function WorkerLine({ task, worker }: { task: Card; worker: WorkerStatus | undefined }) {
  const now = useNow(1000);
  const started = worker?.startedAt ?? task.startedAt;
  const signal = lastSignOfLife(task, worker);
  return (
    <div className="card-worker" data-testid={`worker-${task.id}`}>
      <div className="card-worker-stats">
        {worker ? (
          <span title="process id">pid {worker.pid}</span>
        ) : (
          <span>claimed by {task.claimOwner ?? '?'}</span>
        )}
        {started !== null && <span title="elapsed">{formatDuration(now - started)}</span>}
        {signal > 0 && (
          <span title="since the last heartbeat or output">♥ {formatDuration(now - signal)} ago</span>
        )}
        {worker?.stopping && <span className="card-stopping">stopping…</span>}
      </div>
      {worker?.lastOutputLine && (
        <div className="card-output" title={worker.lastOutputLine}>
          {worker.lastOutputLine}
        </div>
      )}
    </div>
  );
}

/** Text with `code` spans shown as code, never as literal backticks (issue 15). */
export function CodeText({ text }: { text: string }) {
  const parts = text.split('`');
  if (parts.length < 3) return <>{text}</>;
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 && index < parts.length - 1 ? <code key={index}>{part}</code> : part,
      )}
    </>
  );
}

function StaleMarker({ task, worker }: { task: Card; worker: WorkerStatus | undefined }) {
  const now = useNow(30_000);
  const staleness = stalenessOf(task, worker, now);
  if (staleness === 'fresh') return null;
  const text =
    staleness === 'waiting'
      ? `ready for ${formatDuration(now - task.updatedAt)}`
      : `silent for ${formatDuration(now - lastSignOfLife(task, worker))}`;
  return (
    <span className={`card-stale card-stale-${staleness}`} data-testid={`stale-${task.id}`} title={text}>
      {text}
    </span>
  );
}

function TaskCardView({
  task,
  worker,
  lane,
  dispatcher = null,
  dependencies,
  laneHint,
  changes,
  overlay = false,
  dragging = false,
  dragProps,
  cardRef,
  onOpen,
}: TaskCardProps) {
  const badge = skipBadgeOf(task, lane, dispatcher, Date.now(), laneHint);
  const classes = ['card', `card-${task.status}`];
  if (overlay) classes.push('card-overlay');
  if (dragging) classes.push('card-dragging');
  if (badge) classes.push(`card-skip-${task.skipReason}`);
  if (changes?.needsReview) classes.push('card-needs-review');
  const { onKeyDown, ...restDragProps } = dragProps ?? {};
  return (
    <article
      ref={cardRef}
      className={classes.join(' ')}
      data-testid={overlay ? `overlay-${task.id}` : `card-${task.id}`}
      data-task-id={task.id}
      data-status={task.status}
      data-skip-reason={task.skipReason ?? undefined}
      aria-label={`${task.title} (${task.id}, ${task.status})`}
      {...restDragProps}
      onKeyDown={(event) => {
        onKeyDown?.(event);
        if (!event.defaultPrevented && event.key === 'Enter' && event.target === event.currentTarget) {
          onOpen?.(task.id);
        }
      }}
      onClick={() => onOpen?.(task.id)}
    >
      {/* Title first (issue 15): what the card is about leads; id, priority and chips follow. */}
      <div className="card-head">
        <div className="card-title">{task.title}</div>
        {!overlay && <MoveMenu task={task} changes={changes} />}
      </div>
      <footer className="card-meta">
        {task.priority !== 0 && (
          <span className={`card-priority ${task.priority > 0 ? 'high' : 'low'}`} title="priority">
            P{task.priority}
          </span>
        )}
        <span className="card-id">{task.id}</span>
        {task.failureCount > 0 && (
          <span
            className="card-failures"
            title={`failed ${task.failureCount}×${task.lastError ? `: ${task.lastError}` : ''}`}
            data-testid={`failures-${task.id}`}
          >
            ✕{task.failureCount}
          </span>
        )}
        {dependencies && (
          <span className="card-deps" title="parents done / parents" data-testid={`deps-${task.id}`}>
            deps {dependencies}
          </span>
        )}
        <StaleMarker task={task} worker={worker} />
      </footer>
      {overlay && task.assignee && <div className="card-assignee">@{task.assignee}</div>}
      {badge && (
        <div className="card-skip" title={badge.title} data-testid={`skip-${task.id}`}>
          <CodeText text={badge.text} />
          {badge.hint && (
            <div className="card-skip-hint" data-testid={`lane-hint-${task.id}`}>
              {badge.hint}
            </div>
          )}
        </div>
      )}
      {badge && task.skipReason === 'awaiting_approval' && !overlay && <ApproveButton task={task} />}
      {changes && <ChangeChips taskId={task.id} card={changes} />}
      {task.status === 'running' && <WorkerLine task={task} worker={worker} />}
      {task.status === 'blocked' && task.blockReason && (
        <div className="card-block-reason" title={task.blockReason}>
          {task.blockReason}
        </div>
      )}
    </article>
  );
}

/** Memoized on the task object's identity (and the few other inputs), so 10,000 cards stay cheap. */
export const TaskCard = memo(TaskCardView);
