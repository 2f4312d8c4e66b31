import type { TaskStatus } from './domain';
import { appendAll } from './arrays';

/**
 * The status state machine (docs/architecture.md §2). Pure: callers pass in what they know about the task's
 * parents, and get back either the move's consequences or the reason it is refused.
 */

export interface MoveContext {
  /** True when every parent of the task is done (or it has none). */
  parentsDone: boolean;
}

export type MoveVerdict = { allowed: true; stopsWorker: boolean } | { allowed: false; reason: string };

/** Manual moves (drag, CLI `move`, API). `running` is reachable only by a claim. */
const MANUAL_MOVES: Record<TaskStatus, readonly TaskStatus[]> = {
  triage: ['todo', 'ready', 'blocked', 'done', 'archived'],
  todo: ['triage', 'ready', 'blocked', 'done', 'archived'],
  ready: ['triage', 'todo', 'blocked', 'done', 'archived'],
  running: ['triage', 'todo', 'ready', 'blocked', 'done', 'archived'],
  blocked: ['triage', 'todo', 'ready', 'done', 'archived'],
  done: ['triage', 'todo', 'ready', 'archived'],
  archived: ['triage', 'todo', 'ready'],
};

export function checkMove(from: TaskStatus, to: TaskStatus, context: MoveContext): MoveVerdict {
  if (from === to) return { allowed: false, reason: `the task is already ${to}` };
  if (to === 'running') {
    return {
      allowed: false,
      reason: 'only a claim puts a task in running (dispatcher or `switchyard claim`)',
    };
  }
  if (!MANUAL_MOVES[from].includes(to)) {
    return { allowed: false, reason: `a ${from} task cannot move to ${to}` };
  }
  if (to === 'ready' && !context.parentsDone) {
    return {
      allowed: false,
      reason: 'the task waits for unfinished parents; it becomes ready when they are done',
    };
  }
  return { allowed: true, stopsWorker: from === 'running' };
}

/** Where a new task starts: a task with an unfinished parent waits in todo. */
export function initialStatus(requested: TaskStatus | undefined, context: MoveContext): TaskStatus {
  const wanted = requested ?? 'ready';
  if (wanted === 'running') throw new Error('a task cannot be created running; it must be claimed');
  if (!context.parentsDone && (wanted === 'ready' || wanted === 'todo')) return 'todo';
  return wanted;
}

/**
 * A todo task held by dependencies is promoted once all its parents are done. A todo task
 * without parents was parked there by someone and stays put.
 */
export function shouldPromote(status: TaskStatus, parentStatuses: readonly TaskStatus[]): boolean {
  return status === 'todo' && parentStatuses.length > 0 && parentStatuses.every((s) => s === 'done');
}

/** A ready task whose new parent is unfinished goes back to waiting in todo. */
export function statusAfterLink(childStatus: TaskStatus, parentStatus: TaskStatus): TaskStatus {
  return childStatus === 'ready' && parentStatus !== 'done' ? 'todo' : childStatus;
}

export type LinkVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Links form a DAG. `childrenOf` walks existing edges; adding parent → child closes a cycle when
 * the parent is already reachable from the child.
 */
export function checkLink(
  parentId: string,
  childId: string,
  childrenOf: (taskId: string) => readonly string[],
): LinkVerdict {
  if (parentId === childId) return { allowed: false, reason: 'a task cannot depend on itself' };
  const seen = new Set<string>();
  const stack = [childId];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    if (current === parentId) {
      return { allowed: false, reason: `linking ${parentId} → ${childId} would create a cycle` };
    }
    if (seen.has(current)) continue;
    seen.add(current);
    appendAll(stack, childrenOf(current));
  }
  return { allowed: true };
}
