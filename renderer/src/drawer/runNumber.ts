import type { Run } from '../../../shared/domain';

/**
 * A run's number as people see it: its place among its task's runs (1 = the first), as
 * `switchyard show` and `tail --run N` number them — not its database id. Null when not among them.
 */
export function runNumberOf(runs: readonly Run[], runId: number): number | null {
  const index = runs.findIndex((run) => run.id === runId);
  return index === -1 ? null : index + 1;
}
