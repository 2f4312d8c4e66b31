import type { LaneOverride } from '../store/laneSettings';
import type { DeclaredLane, EffectiveLaneSettings, LaneResolution } from './lanes';

// A module of its own (config/lanes.ts re-exports it) so that the task commands, which need only this
// rule for `claim --next`, do not load the lane resolver with its profiles, settings and PATH search:
// every `switchyard create` and `complete` loads the task commands (performance issue 17, target 4c).

/**
 * A lane's effective pause and limit, the one rule for every reader (the dispatcher's tick, the
 * lane view, the API's answers): the database override set from the board, tray or CLI, else
 * lanes.json, else the profile's own limit (never paused), else not paused with a limit of 1.
 */
export function effectiveLaneSettings(
  override: LaneOverride | undefined,
  declaration:
    | (Pick<DeclaredLane, 'paused' | 'maxConcurrent'> &
        Partial<Pick<DeclaredLane, 'requireApproval' | 'budgetUsdPerDay'>>)
    | undefined,
  resolution: LaneResolution,
): EffectiveLaneSettings {
  const profileLimit = resolution.kind === 'profile' ? resolution.profile.maxConcurrent : 1;
  return {
    paused: override?.paused ?? declaration?.paused ?? false,
    maxConcurrent: override?.maxConcurrent ?? declaration?.maxConcurrent ?? profileLimit,
    requireApproval: declaration?.requireApproval ?? false,
    budgetUsdPerDay: declaration?.budgetUsdPerDay ?? null,
  };
}

/**
 * docs/architecture.md §10: a ready task waits for a person's approval — its own rule or its
 * lane's — until someone gives it. The one rule for the dispatcher's walk and for claims.
 */
export function awaitsApproval(
  task: { approvalRequired: boolean; approvedAt: number | null },
  laneRequiresApproval: boolean,
): boolean {
  return task.approvedAt === null && (laneRequiresApproval || task.approvalRequired);
}
