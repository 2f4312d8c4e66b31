import { useDraggable } from '@dnd-kit/core';
import { memo, useCallback, useMemo } from 'react';
import { TaskCard, type TaskCardProps } from '../card/TaskCard';
import { cardById } from '../store/boardStore';
import { useBoard, useBoardContext } from '../store/context';
import { dependencyProgress, undeclaredLaneHint } from '../store/selectors';

/**
 * One card on the board: picks exactly what the card shows from the store (each selector returns
 * a stable value). Only cards that are rendered subscribe. It takes no part in the drag itself
 * (`DraggableCard` does), so a drag's pick-up, each cell it crosses and its drop run none of these
 * selectors.
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
  const open = useCallback((id: string) => store.getState().openTask(id), [store]);
  if (!task) return null;
  return (
    <DraggableCard
      task={task}
      worker={worker}
      lane={lane}
      dispatcher={dispatcher}
      dependencies={dependencies}
      laneHint={laneHint}
      changes={changes}
      onOpen={open}
    />
  );
});

type DraggableCardProps = Omit<TaskCardProps, 'overlay' | 'dragging' | 'dragProps' | 'cardRef'>;

/**
 * The card as a dnd-kit draggable. dnd-kit re-renders every draggable whenever the drag changes
 * (picked up, measured, over another cell, dropped), so this reads nothing but the drag: the card's
 * own selectors stay in `CardSlot`, and with the same props the memoized card underneath skips
 * rendering (only the dragged card's props change).
 */
const DraggableCard = memo(function DraggableCard(props: DraggableCardProps) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: props.task.id });
  const dragProps = useMemo(() => ({ ...attributes, ...listeners }), [attributes, listeners]);
  return <TaskCard {...props} dragging={isDragging} dragProps={dragProps} cardRef={setNodeRef} />;
});
