import { useDraggable } from '@dnd-kit/core';
import { memo, useCallback, useMemo } from 'react';
import { TaskCard } from '../card/TaskCard';
import { cardById } from '../store/boardStore';
import { useBoard, useBoardContext } from '../store/context';
import { dependencyProgress, undeclaredLaneHint } from '../store/selectors';

/**
 * One card on the board: picks exactly what the card shows from the store (each selector returns
 * a stable value), and makes it draggable. Only cards that are rendered subscribe.
 */
export const CardSlot = memo(function CardSlot({ taskId }: { taskId: string }) {
  const { store } = useBoardContext();
  const task = useBoard((state) => cardById(state, taskId));
  const worker = useBoard((state) => state.workers[taskId]);
  const changes = useBoard((state) => state.changes[taskId]);
  // Lane and dispatcher only for the badges that quote them, so their updates stay local.
  const lane = useBoard((state) => {
    const current = cardById(state, taskId);
    const needsLane = current?.skipReason === 'lane_at_capacity' || current?.skipReason === 'profile_broken';
    return needsLane && current?.assignee ? state.lanes[current.assignee] : undefined;
  });
  const dispatcher = useBoard((state) =>
    cardById(state, taskId)?.skipReason === 'global_at_capacity' ? state.dispatcher : null,
  );
  // A string, not the lane: a lane's figures change often, its hint almost never.
  const laneHint = useBoard((state) => undeclaredLaneHint(state, cardById(state, taskId)));
  const dependencies = useBoard((state) => dependencyProgress(cardById(state, taskId)));
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: taskId });
  const open = useCallback((id: string) => store.getState().openTask(id), [store]);
  // dnd-kit re-renders every draggable when the drag's target changes; with the same props object
  // the memoized card underneath skips rendering (only the dragged card's props change).
  const dragProps = useMemo(() => ({ ...attributes, ...listeners }), [attributes, listeners]);
  if (!task) return null;
  return (
    <TaskCard
      task={task}
      worker={worker}
      lane={lane}
      dispatcher={dispatcher}
      dependencies={dependencies}
      laneHint={laneHint}
      changes={changes}
      dragging={isDragging}
      dragProps={dragProps}
      cardRef={setNodeRef}
      onOpen={open}
    />
  );
});
