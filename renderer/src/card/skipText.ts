import type { DispatcherState, LaneStatus } from '../../../shared/dispatch';
import { SKIP_REASON_LABELS, type Card } from '../../../shared/domain';
import { formatClock, withReadableTimes } from './time';

/** What a card's skip-reason badge says (docs/architecture.md §3, §4.6), and the longer text shown on hover. */
export interface SkipBadge {
  text: string;
  title: string;
  /** A second line: for a lane nobody declared, that no profile has its name (a typo shows up). */
  hint?: string;
}

export function skipBadgeOf(
  task: Card,
  lane: LaneStatus | undefined,
  dispatcher: DispatcherState | null,
  now = Date.now(),
  /** The lane's "no profile named …" hint when nobody declared it (selectors.undeclaredLaneHint). */
  laneHint?: string,
): SkipBadge | null {
  const reason = task.skipReason;
  if (!reason || task.status !== 'ready') return null;
  let text: string;
  switch (reason) {
    case 'terminal_lane':
      text = 'terminal lane — waiting for `switchyard claim`';
      break;
    case 'profile_broken':
      text = `broken profile: ${lane?.problem ?? withoutLanePrefix(task) ?? 'the profile is invalid'}`;
      break;
    case 'backoff':
      // docs/architecture.md §10: a retry exit code (rate limit) waits like a backoff but is not a failure.
      if (task.lastError?.startsWith('rate limited') && task.nextAttemptAt)
        text = `rate limited, retrying at ${formatClock(task.nextAttemptAt, now)}`;
      else text = task.nextAttemptAt ? `backoff until ${formatClock(task.nextAttemptAt, now)}` : 'backoff';
      break;
    case 'awaiting_approval':
      text = 'awaiting approval';
      break;
    case 'budget_exhausted':
      // The core's detail: "spent $X of $Y today; resets <ISO time>".
      text = budgetText(task.skipDetail, now) ?? SKIP_REASON_LABELS.budget_exhausted;
      break;
    case 'lane_at_capacity':
      text = lane ? `lane at capacity ${lane.workerSlotsInUse}/${lane.maxConcurrent}` : 'lane at capacity';
      break;
    case 'global_at_capacity':
      text = dispatcher
        ? `global limit reached ${dispatcher.workerSlotsInUse}/${dispatcher.globalMaxConcurrent}`
        : SKIP_REASON_LABELS.global_at_capacity;
      break;
    case 'unassigned':
      text = 'unassigned — pick a lane to run it';
      break;
    default:
      text = SKIP_REASON_LABELS[reason];
  }
  // The core's hint says how to fix it (long): the card says the short part, the rest on hover.
  if (reason === 'terminal_lane' && laneHint)
    return { text, title: laneHint, hint: `no profile named "${task.assignee ?? ''}"` };
  return { text, title: task.skipDetail ? withReadableTimes(task.skipDetail) : text };
}

/** The core's detail starts with "profile `NAME`: "; on a card in lane NAME that says nothing new. */
function withoutLanePrefix(task: Card): string | null {
  if (!task.skipDetail) return null;
  const prefix = `profile \`${task.assignee ?? ''}\`: `;
  return task.skipDetail.startsWith(prefix) ? task.skipDetail.slice(prefix.length) : task.skipDetail;
}

/** "budget exhausted: $1.25 of $1.00 today, resets 00:00" from the core's detail. */
function budgetText(detail: string | null, now: number): string | null {
  const match = /^spent (\$[\d.]+) of (\$[\d.]+) today; resets (\S+)$/.exec(detail ?? '');
  if (!match) return null;
  const resetAt = Date.parse(match[3] as string);
  return `budget exhausted: ${match[1]} of ${match[2]} today, resets ${Number.isNaN(resetAt) ? match[3] : formatClock(resetAt, now)}`;
}
