import { performance } from 'node:perf_hooks';
import type { Engine } from '../electron/core/dispatch/engine';

/**
 * Issue 17, target 10b: the lane figures (running/capacity, queued by skip reason, failures, last
 * error) the api recomputes for every board at most every 200 ms while a board is open and anything
 * changes (api.ts lanesChanged → engine.laneStatuses). Timed as the api calls it, `runs` times after
 * the dispatcher has written its skip reasons, so every ready task of a lane that cannot take it has one.
 */
export function laneFiguresRecompute(engine: Engine, board: string, runs = 20): number[] {
  engine.laneStatuses(board); // statements prepared, pages warm: the api's steady state
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    engine.laneStatuses(board);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** How many ready tasks the lane view counts as queued (the sum of every lane's skip reasons). */
export function queuedInLaneView(engine: Engine, board: string): number {
  let queued = 0;
  for (const lane of engine.laneStatuses(board))
    for (const n of Object.values(lane.queuedBySkipReason)) queued += n;
  return queued;
}

export const LANE_FIGURES_TARGET = '≤ 5 ms at 1M';
