import type { z } from 'zod';
import type { Board, Task } from '../../../shared/domain';
import type { createTaskInputSchema } from '../../../shared/taskInput';
import { initialStatus } from '../../../shared/transitions';
import { invalidInput, notFound } from '../errors';
import * as boards from '../store/boards';
import { runInWriteTransaction, type Db } from '../store/db/open';
import { appendEvent } from '../store/events';
import * as links from '../store/links';
import { boardRepository } from '../store/repositories';
import { newTaskId } from '../store/taskIds';
import * as tasks from '../store/tasks';
import { guardActor, type Actor } from './actors';

/**
 * A new task from input already checked against createTaskInputSchema (docs/architecture.md §2): what
 * createTask (taskCommands.ts) does after zod's parse, in a module that neither imports zod nor builds
 * a schema, so `switchyard create` can check its input with the check generated from that schema
 * (shared/createTaskInputCheck.generated.ts) and run without zod (performance issue 17, target 4c).
 */

export type CheckedCreateTaskInput = z.output<typeof createTaskInputSchema>;

/** A task by an id already known to be well formed, or not_found. */
export function requireExistingTask(db: Db, id: string): Task {
  const task = tasks.findTask(db, id);
  if (!task) throw notFound(`no task ${id}`);
  return task;
}

export function requireActiveBoard(db: Db, slug: string): Board {
  const board = boards.findBoard(db, slug);
  if (!board) throw notFound(`no board "${slug}" (see \`switchyard boards\`)`);
  if (board.archivedAt !== null) throw invalidInput(`board "${slug}" is archived`);
  return board;
}

export function insertCreatedTask(db: Db, valid: CheckedCreateTaskInput, actor: Actor): Task {
  return runInWriteTransaction(db, () => {
    const now = Date.now();
    requireActiveBoard(db, valid.board);
    guardActor(db, actor, { newTask: true });
    const parents = [...new Set(valid.parents)].map((id) => requireExistingTask(db, id));
    for (const parent of parents) {
      if (parent.board !== valid.board)
        throw invalidInput(`parent ${parent.id} is on board "${parent.board}"`);
    }
    const status = initialStatus(valid.status, { parentsDone: parents.every((p) => p.status === 'done') });
    const id = newTaskId(db);
    tasks.insertTask(db, {
      id,
      board: valid.board,
      title: valid.title,
      body: valid.body,
      assignee: valid.assignee,
      status,
      priority: valid.priority,
      createdBy: actor.name,
      workspace: valid.workspace ?? (boardRepository(db, valid.board) ? 'repo' : 'scratch'),
      maxRuntimeSeconds: valid.maxRuntimeSeconds,
      now,
    });
    for (const parent of parents) links.insertLink(db, parent.id, id, now);
    if (valid.requireApproval) tasks.setApprovalRequired(db, id, true);
    if (status === 'done') tasks.updateTask(db, id, { completedAt: now }, now);
    appendEvent(
      db,
      {
        taskId: id,
        board: valid.board,
        kind: 'created',
        payload: { status, assignee: valid.assignee, by: actor.name },
      },
      now,
    );
    return tasks.findTask(db, id) as Task;
  });
}
