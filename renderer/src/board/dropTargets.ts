import type { Announcements, KeyboardCoordinateGetter } from '@dnd-kit/core';
import { KeyboardCode } from '@dnd-kit/core';
import type { Card } from '../../../shared/domain';
import type { MovePatch } from '../store/boardStore';
import { assigneeOfLane, laneKeyOf, laneLabel, type BoardColumn } from '../store/laneModel';

/** Every lane×status cell is a droppable; its data says where a card dropped there goes. */
export interface CellTarget {
  lane: string;
  status: BoardColumn;
}

export const cellDroppableId = (lane: string, status: BoardColumn) => `cell:${lane}:${status}`;

export function isCellTarget(data: unknown): data is CellTarget {
  return typeof data === 'object' && data !== null && 'lane' in data && 'status' in data;
}

/** One moveTask call carrying status and/or assignee (the contract applies both or neither). */
export function patchForDrop(task: Card, target: CellTarget): MovePatch | null {
  const patch: MovePatch = {};
  if (target.status !== task.status) patch.status = target.status;
  if (target.lane !== laneKeyOf(task.assignee)) patch.assignee = assigneeOfLane(target.lane);
  return patch.status === undefined && patch.assignee === undefined ? null : patch;
}

const placeOf = (target: CellTarget) => `lane ${laneLabel(target.lane)}, column ${target.status}`;

/** Screen-reader announcements naming the card and the target lane and column. */
export function boardAnnouncements(taskOf: (id: string) => Card | undefined): Announcements {
  const name = (id: string | number) => {
    const task = taskOf(String(id));
    return task ? `card “${task.title}” (${task.id})` : `card ${id}`;
  };
  // The cell last announced: the card starts over its own cell, and saying so at once would
  // replace the "picked up" instructions before a screen reader has read them.
  let lastOver: string | number | null = null;
  return {
    onDragStart: ({ active }) => {
      const task = taskOf(String(active.id));
      lastOver = task ? cellDroppableId(laneKeyOf(task.assignee), task.status as BoardColumn) : null;
      const from = task
        ? ` from ${placeOf({ lane: laneKeyOf(task.assignee), status: task.status as BoardColumn })}`
        : '';
      return `Picked up ${name(active.id)}${from}. Use the arrow keys to choose a cell, space to drop, escape to cancel.`;
    },
    onDragOver: ({ active, over }) => {
      const overId = over?.id ?? null;
      if (overId === lastOver) return undefined;
      lastOver = overId;
      return over && isCellTarget(over.data.current)
        ? `${name(active.id)} is over ${placeOf(over.data.current)}.`
        : `${name(active.id)} is not over a cell.`;
    },
    onDragEnd: ({ active, over }) =>
      over && isCellTarget(over.data.current)
        ? `${name(active.id)} was dropped on ${placeOf(over.data.current)}.`
        : `${name(active.id)} was dropped outside the board; it stays where it was.`,
    onDragCancel: ({ active }) => `Moving ${name(active.id)} was cancelled; it stays where it was.`,
  };
}

export const screenReaderInstructions = {
  draggable:
    'To move a card, press space, then use the arrow keys to pick a lane and column, and space again to drop it. Escape cancels. Enter opens the card.',
};

/**
 * Arrow keys jump from cell to cell (the default moves 25 px at a time): pick the nearest droppable
 * whose centre lies in the pressed direction, and centre the dragged card on it.
 */
export const cellKeyboardCoordinates: KeyboardCoordinateGetter = (event, { context }) => {
  const { collisionRect, droppableRects, droppableContainers } = context;
  if (!collisionRect) return undefined;
  const direction = {
    [KeyboardCode.Right]: [1, 0],
    [KeyboardCode.Left]: [-1, 0],
    [KeyboardCode.Down]: [0, 1],
    [KeyboardCode.Up]: [0, -1],
  }[event.code];
  if (!direction) return undefined;
  event.preventDefault();
  const [dx, dy] = direction as [number, number];
  const cx = collisionRect.left + collisionRect.width / 2;
  const cy = collisionRect.top + collisionRect.height / 2;
  let best: { x: number; y: number; score: number } | null = null;
  for (const container of droppableContainers.getEnabled()) {
    const rect = droppableRects.get(container.id);
    if (!rect) continue;
    const tx = rect.left + rect.width / 2;
    const ty = Math.min(rect.top + rect.height / 2, rect.top + 40);
    const along = (tx - cx) * dx + (ty - cy) * dy;
    if (along <= 4) continue;
    const across = Math.abs((tx - cx) * dy) + Math.abs((ty - cy) * dx);
    const score = along + across * 3;
    if (!best || score < best.score) best = { x: tx, y: ty, score };
  }
  if (!best) return undefined;
  return { x: best.x - collisionRect.width / 2, y: best.y - collisionRect.height / 2 };
};
