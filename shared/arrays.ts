/**
 * `target.push(...items)` passes every item as an argument, so a few hundred thousand of them
 * overflow the call stack ("Maximum call stack size exceeded"): a tick that changed the skip reason
 * of 200,000 ready tasks failed that way on every tick. This appends one by one instead (lint bans
 * spreading into push/unshift).
 */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}
