import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOARD_COLUMNS, type Card, type TaskStatus } from '../../../shared/domain';
import { makeLane, makeTask } from '../test/fixtures';
import type { BoardState, TaskDelta } from './boardStore';
import { EMPTY_FILTER } from './filter';
import { createIndexSelector, type BoardIndex } from './selectors';

/**
 * The index applied change by change (only the touched cells re-sorted) must equal the index built
 * from scratch, whatever the changes: moves between lanes and columns, edits of the sort keys,
 * new, removed and archived tasks, tasks of lanes known only through their assignee.
 */

const STATUSES: TaskStatus[] = ['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived'];
const ASSIGNEES = ['alpha', 'beta', 'gamma', 'stray', null];
const lanes = Object.fromEntries(['alpha', 'beta', 'gamma'].map((name) => [name, makeLane({ name })]));

const stateOf = (tasks: Record<string, Card>, laneFigures = lanes, taskDelta: TaskDelta | null = null) =>
  ({
    tasks,
    lanes: laneFigures,
    filter: EMPTY_FILTER,
    search: null,
    taskDelta,
  }) as unknown as BoardState;

const idOf = (n: number) => `t_${n.toString(16).padStart(8, '0')}`;

function plain(index: BoardIndex) {
  return {
    lanes: index.lanes.map((lane) => `${lane.key}:${lane.kind}`),
    cells: Object.fromEntries(
      [...index.cells].map(([lane, cells]) => [
        lane,
        Object.fromEntries(BOARD_COLUMNS.map((column) => [column, [...cells[column]]])),
      ]),
    ),
    columnTotals: index.columnTotals,
    taskCount: index.taskCount,
  };
}

const change = fc.record({
  id: fc.integer({ min: 0, max: 40 }),
  remove: fc.boolean(),
  status: fc.constantFrom(...STATUSES),
  assignee: fc.constantFrom(...ASSIGNEES),
  priority: fc.integer({ min: -1, max: 2 }),
});

describe('createIndexSelector, incremental', () => {
  it('equals a full rebuild after any sequence of task changes', () => {
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 6 }), { maxLength: 12 }), (batches) => {
        let tasks: Record<string, Card> = {};
        for (let n = 0; n < 30; n++) {
          const id = idOf(n);
          tasks[id] = makeTask({
            id,
            status: STATUSES[n % 6] as TaskStatus,
            assignee: ASSIGNEES[n % 4] as string,
            priority: n % 3,
            createdAt: 1_000 + n,
          });
        }
        const incremental = createIndexSelector();
        incremental(stateOf(tasks));
        for (const [round, batch] of batches.entries()) {
          const from = tasks;
          tasks = { ...tasks };
          for (const { id, remove, status, assignee, priority } of batch) {
            const key = idOf(id);
            if (remove) delete tasks[key];
            else
              tasks[key] = makeTask({
                ...(tasks[key] ?? { id: key, createdAt: 1_000 + id }),
                status,
                assignee,
                priority,
              });
          }
          // Every other round new lane figures arrive too (same rows): still incremental.
          const figures =
            round % 2 ? Object.fromEntries(Object.entries(lanes).map(([k, v]) => [k, { ...v }])) : lanes;
          // Some rounds name the changed ids as the store does (with repeats), the others do not.
          const delta = round % 3 === 0 ? null : { from, to: tasks, ids: batch.map(({ id }) => idOf(id)) };
          const state = stateOf(tasks, figures, delta);
          expect(plain(incremental(state))).toEqual(plain(createIndexSelector()(state)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the other lanes, and the whole index when nothing on the board changed', () => {
    const a = makeTask({ assignee: 'alpha', status: 'todo' });
    const b = makeTask({ assignee: 'beta', status: 'todo' });
    const select = createIndexSelector();
    const first = select(stateOf({ [a.id]: a, [b.id]: b }));
    const moved = select(stateOf({ [a.id]: { ...a, status: 'triage' }, [b.id]: b }));
    expect(moved.cells.get('beta')).toBe(first.cells.get('beta'));
    expect(moved.cells.get('alpha')?.triage).toEqual([a.id]);
    expect(moved.columnTotals.todo).toBe(1);
    // A new copy of the same card where it already was: same ids everywhere, same index.
    const touched = select(stateOf({ [a.id]: { ...a, status: 'triage', title: 'renamed' }, [b.id]: b }));
    expect(touched).toBe(moved);
  });
});
