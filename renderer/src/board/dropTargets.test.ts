import type { Active, Over } from '@dnd-kit/core';
import { describe, expect, it } from 'vitest';
import { makeTask } from '../test/fixtures';
import { boardAnnouncements, cellDroppableId } from './dropTargets';

const task = makeTask({ title: 'Plan', assignee: 'alice', status: 'triage' });
const active = { id: task.id } as Active;
const over = (lane: string, status: string) =>
  ({ id: cellDroppableId(lane, status as 'triage'), data: { current: { lane, status } } }) as unknown as Over;

describe('screen-reader announcements', () => {
  it('keeps the pick-up instructions: the card being over its own cell is not announced', () => {
    const announce = boardAnnouncements((id) => (id === task.id ? task : undefined));
    expect(announce.onDragStart({ active })).toContain('Picked up card “Plan”');
    expect(announce.onDragStart({ active })).toContain('from lane alice, column triage');
    expect(announce.onDragOver({ active, over: over('alice', 'triage') })).toBeUndefined();
    expect(announce.onDragOver({ active, over: over('alice', 'todo') })).toBe(
      `card “Plan” (${task.id}) is over lane alice, column todo.`,
    );
    // Back to where it came from is news again; the same cell twice is not.
    expect(announce.onDragOver({ active, over: over('alice', 'triage') })).toContain('column triage');
    expect(announce.onDragOver({ active, over: over('alice', 'triage') })).toBeUndefined();
    expect(announce.onDragEnd({ active, over: over('bob', 'ready') })).toContain(
      'was dropped on lane bob, column ready',
    );
  });
});
