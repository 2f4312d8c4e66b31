import type { LaneStatus } from '../../../shared/dispatch';
import type { SkipReason, Card, TaskStatus } from '../../../shared/domain';
import type { ChangeCard } from '../../../shared/repository';
import { laneKeyOf } from './laneModel';

/** The toolbar's search and filters. Empty fields match everything. */
export interface TaskFilter {
  text: string;
  /** A lane key (UNASSIGNED_LANE for unassigned) or null for all lanes. */
  lane: string | null;
  status: TaskStatus | null;
  skipReason: SkipReason | null;
  /** Blocked, broken profile, failures > 0 or in backoff. */
  needsAttention: boolean;
  /** docs/architecture.md §9: done tasks whose changes wait for a review (the core decides: ChangeCard.needsReview). */
  needsReview: boolean;
}

export const EMPTY_FILTER: TaskFilter = {
  text: '',
  lane: null,
  status: null,
  skipReason: null,
  needsAttention: false,
  needsReview: false,
};

export const isFilterActive = (filter: TaskFilter): boolean =>
  filter.text.trim() !== '' ||
  filter.lane !== null ||
  filter.status !== null ||
  filter.skipReason !== null ||
  filter.needsAttention ||
  filter.needsReview;

export function needsAttention(task: Card, lane: LaneStatus | undefined): boolean {
  return (
    task.status === 'blocked' ||
    task.failureCount > 0 ||
    task.skipReason === 'backoff' ||
    task.skipReason === 'profile_broken' ||
    (lane?.kind === 'profile_broken' && task.status !== 'done')
  );
}

/** Builds the predicate once per filter change, so the hot loop over 10,000 tasks stays cheap. */
export function taskMatcher(
  filter: TaskFilter,
  lanes: Record<string, LaneStatus>,
  changes: Record<string, ChangeCard> = {},
): ((task: Card) => boolean) | null {
  if (!isFilterActive(filter)) return null;
  const words = filter.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return (task) => {
    if (filter.lane !== null && laneKeyOf(task.assignee) !== filter.lane) return false;
    if (filter.status !== null && task.status !== filter.status) return false;
    if (filter.skipReason !== null && task.skipReason !== filter.skipReason) return false;
    if (filter.needsAttention && !needsAttention(task, task.assignee ? lanes[task.assignee] : undefined)) {
      return false;
    }
    if (filter.needsReview && !changes[task.id]?.needsReview) return false;
    if (words.length > 0) {
      // Cards carry no body (contract cardSchema): the board's search covers title, id and lane.
      const haystack = `${task.title}\n${task.id}\n${task.assignee ?? ''}`.toLowerCase();
      if (!words.every((word) => haystack.includes(word))) return false;
    }
    return true;
  };
}

/** How many tasks wait for a review, in all or in one lane (a lane key, as laneKeyOf gives). */
export function needsReviewCount(changes: Record<string, ChangeCard>, lane?: string): number {
  let count = 0;
  for (const card of Object.values(changes)) {
    if (card.needsReview && (lane === undefined || laneKeyOf(card.assignee) === lane)) count++;
  }
  return count;
}
