import fs from 'node:fs';
import { appendAll } from '../../shared/arrays';
import { withTimesWrittenAs } from '../../shared/isoTimes';
import { BODY_MAX_BYTES, TASK_STATUSES, type TaskStatus } from '../../shared/constants';
import type { CreateTaskInput } from '../../shared/taskInput';
import type { CheckedCreateTaskInput } from '../core/commands/createTask';
import { invalidInput } from '../core/errors';
import { inputFileProblem, statInputFile } from '../core/inputFiles';
import * as boardsRepo from '../core/store/boards';
import { eachTaskJson, listTasks } from '../core/store/tasks';
import { boardRepositoryPatch, repositoryOptions } from './repositoryOptions';
import { eventsOf } from '../core/store/events';
import { UsageError, integerOption, listOption, requirePositional, stringOption } from './args';
import { refuseWorkers, type CliCommand, type CliContext } from './context';
import { describeEvent, formatWhen } from './eventText';
import { formatDurationMs, formatTime, printJson, printJsonArray, taskLine, taskTable } from './output';

const json = { json: { type: 'boolean' } } as const;

/** Every status a person may move a task to: `running` is reached only by a claim (docs/architecture.md §2). */
const MOVABLE_STATUSES = TASK_STATUSES.filter((status) => status !== 'running');

/**
 * The task operations validate their input with zod (core/commands/taskCommands.ts). Only the commands
 * that change or show a task load them: `list` starts without zod and its schemas (performance issue 6,
 * target 4). Their schemas are built as that module loads, after zod is told this process parses once.
 */
const taskOperations = async () => {
  (await import('./oneShotParsing')).parseWithoutCompiling();
  return import('../core/commands/taskCommands');
};

/**
 * `create`'s input as zod parses it against createTaskInputSchema. The check generated from that schema
 * (scripts/inputChecks.ts) answers without zod being set up or any schema built, ~15 ms of a create
 * (performance issue 17, target 4c); only input it refuses loads zod, which refuses it with its own
 * one-line message (or, were the two ever to disagree, accepts it: zod is the rule).
 */
export async function checkedCreateInput(input: CreateTaskInput): Promise<CheckedCreateTaskInput> {
  const { checkCreateTaskInput } = await import('../../shared/createTaskInputCheck.generated');
  return checkCreateTaskInput(input) ?? (await taskOperations()).parseCreateTaskInput(input);
}

async function readBodyFile(context: CliContext, file: string): Promise<string> {
  if (file === '-') {
    const text = await context.readStdin();
    if (Buffer.byteLength(text) > BODY_MAX_BYTES)
      throw invalidInput(`body is larger than ${BODY_MAX_BYTES / 1024} KiB`);
    return text;
  }
  // Refuse before reading: a huge file should not be pulled into memory just to be rejected.
  if (statInputFile(file).size > BODY_MAX_BYTES)
    throw invalidInput(`body file ${file} is larger than ${BODY_MAX_BYTES / 1024} KiB`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw inputFileProblem(file, error);
  }
}

async function bodyFrom(context: CliContext, values: Record<string, unknown>): Promise<string | undefined> {
  const inline = typeof values.body === 'string' ? values.body : undefined;
  const file = typeof values['body-file'] === 'string' ? values['body-file'] : undefined;
  if (inline !== undefined && file !== undefined) throw new UsageError('use --body or --body-file, not both');
  return file !== undefined ? readBodyFile(context, file) : inline;
}

function positionalOrUsage(positionals: readonly string[], index: number, what: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

/** Workers may leave out the task id: it defaults to their own (SWITCHYARD_TASK). */
function taskIdArgument(context: CliContext, positionals: readonly string[]): string {
  const given = positionals[0];
  if (given) return given;
  if (context.actor.ownTaskId) return context.actor.ownTaskId;
  throw new UsageError('missing task id');
}

function parseStatuses(raw: string[]): TaskStatus[] {
  for (const status of raw) {
    if (!(TASK_STATUSES as readonly string[]).includes(status)) {
      throw invalidInput(`unknown status "${status}" (one of ${TASK_STATUSES.join(', ')})`);
    }
  }
  return raw as TaskStatus[];
}

function printTask(
  context: CliContext,
  task: Parameters<typeof taskLine>[0],
  asJson: boolean,
  verb: string,
): void {
  if (asJson) printJson(context.output, task);
  else
    context.output.out(
      `${verb} ${task.id} (${task.status}${task.assignee ? `, ${task.assignee}` : ''}): ${task.title}`,
    );
}

export const taskCommands: CliCommand[] = [
  {
    name: 'create',
    workers: 'task',
    summary: 'create a task',
    usage:
      'create TITLE [--body TEXT | --body-file FILE|-] [--assignee NAME] [--priority N] [--parent ID]... ' +
      '[--status triage|todo|ready|blocked|done] [--workspace scratch|repo|dir:PATH|worktree:PATH] [--max-runtime SECONDS] [--board SLUG] [--require-approval] [--json]',
    options: {
      body: { type: 'string' },
      'body-file': { type: 'string' },
      assignee: { type: 'string' },
      priority: { type: 'string' },
      parent: { type: 'string', multiple: true },
      status: { type: 'string' },
      workspace: { type: 'string' },
      'max-runtime': { type: 'string' },
      board: { type: 'string' },
      'require-approval': { type: 'boolean' },
      ...json,
    },
    flags: {
      body: 'the task’s description (markdown, up to 64 KiB)',
      'body-file': 'read the description from FILE, or from standard input with -',
      assignee: 'the lane: a profile (started by the dispatcher) or a terminal lane (see switchyard lanes)',
      priority: 'a whole number; higher is picked first (default 0)',
      parent: 'a task this one waits for (repeat for several); it stays todo until they are done',
      status: 'start in this column instead of ready (or todo while a parent is unfinished)',
      workspace: 'where its worker runs: a scratch folder (default), an existing folder, or a git worktree',
      'max-runtime': 'stop the worker after this many seconds (counts as a failure)',
      'require-approval': 'the dispatcher starts it only after someone approves it (switchyard approve)',
      board: 'the board to put it on (default: $SWITCHYARD_BOARD, else default)',
      json: 'print the created task as JSON (e.g. to take its id: | jq -r .id)',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const status = stringOption(values, 'status');
      // Arguments first, so a usage error does not create a database as a side effect.
      const title = positionalOrUsage(positionals, 0, 'title');
      // Only a missing title is a usage error; an empty or blank one is bad input (exit 1).
      if (title.trim() === '')
        throw invalidInput(
          'the title is empty; give the task one, e.g. switchyard create "Fix the login page"',
        );
      const input: CreateTaskInput = {
        title,
        body: (await bodyFrom(context, values)) ?? '',
        assignee: stringOption(values, 'assignee') ?? null,
        priority: integerOption(values, 'priority') ?? 0,
        parents: listOption(values, 'parent'),
        // createTask refuses `running` with its own message.
        status: status === undefined ? undefined : (parseStatuses([status])[0] as CreateTaskInput['status']),
        workspace: stringOption(values, 'workspace'),
        maxRuntimeSeconds: integerOption(values, 'max-runtime') ?? null,
        board: stringOption(values, 'board') ?? context.env.SWITCHYARD_BOARD ?? 'default',
        requireApproval: values['require-approval'] === true,
      };
      if (input.assignee) await warnOfUnknownLane(context, input.assignee);
      const valid = await checkedCreateInput(input);
      const { insertCreatedTask } = await import('../core/commands/createTask');
      const task = insertCreatedTask(context.db(), valid, context.actor);
      printTask(context, task, values.json === true, 'Created');
    },
  },
  {
    name: 'list',
    workers: 'read',
    readsManyRows: true,
    summary: 'list tasks',
    usage:
      'list [--status S[,S]] [--assignee NAME | --unassigned] [--board SLUG | --all-boards] [--search TEXT] [--archived] [--limit N] [--json]',
    options: {
      status: { type: 'string', multiple: true },
      assignee: { type: 'string' },
      unassigned: { type: 'boolean' },
      board: { type: 'string' },
      'all-boards': { type: 'boolean' },
      search: { type: 'string' },
      archived: { type: 'boolean' },
      limit: { type: 'string' },
      ...json,
    },
    flags: {
      status: 'only these statuses (comma-separated or repeated)',
      assignee: 'only this lane',
      unassigned: 'only tasks without a lane',
      board: 'the board to list (default: default)',
      'all-boards': 'tasks of every board',
      search: 'only tasks whose title or body contains TEXT',
      archived: 'include archived tasks',
      limit: 'at most N tasks',
      json: 'print the tasks as a JSON array: indented on a terminal, otherwise one task a line',
    },
    maxPositionals: 0,
    run(context, { values }) {
      const assigneeRaw = stringOption(values, 'assignee');
      if (assigneeRaw !== undefined && values.unassigned)
        throw new UsageError('use --assignee or --unassigned, not both');
      const board = values['all-boards'] ? undefined : (stringOption(values, 'board') ?? 'default');
      const db = context.db();
      if (board !== undefined && !boardsRepo.findBoard(db, board)) throw invalidInput(`no board "${board}"`);
      const filter = {
        board,
        statuses: parseStatuses(listOption(values, 'status')),
        assignee: values.unassigned ? null : assigneeRaw?.trim().toLowerCase(),
        includeArchived: values.archived === true,
        text: stringOption(values, 'search'),
        limit: integerOption(values, 'limit'),
      };
      if (values.json) printJsonArray(context.output, eachTaskJson(db, filter, context.output.jsonLayout()));
      else context.output.out(taskTable(listTasks(db, filter)));
    },
  },
  {
    name: 'show',
    workers: 'read',
    summary: 'show a task with its links, comments, runs and events',
    usage: 'show ID [--json]',
    options: { ...json },
    flags: { json: 'print task, parents, children, runs, comments and events as JSON (times in epoch ms)' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { showTask } = await taskOperations();
      const db = context.db();
      const detail = showTask(db, requirePositional(positionals, 0, 'task id'));
      const events = eventsOf(db, detail.task.id, 50);
      if (values.json) {
        printJson(context.output, { ...detail, events });
        return;
      }
      const { task } = detail;
      const now = Date.now();
      const lines = [
        `${task.id}  ${task.title}`,
        `status ${task.status}   priority ${task.priority}   lane ${task.assignee ?? '-'}   board ${task.board}`,
        `created ${formatWhen(task.createdAt, now)} by ${task.createdBy ?? '-'}`,
      ];
      if (task.startedAt !== null) lines.push(`started ${formatWhen(task.startedAt, now)}`);
      if (task.completedAt !== null) lines.push(`completed ${formatWhen(task.completedAt, now)}`);
      lines.push(`workspace ${task.workspace}   failures ${task.failureCount}`);
      if (task.nextAttemptAt) lines.push(`next attempt ${formatWhen(task.nextAttemptAt, now)}`);
      if (task.claimOwner)
        lines.push(
          `claimed by ${task.claimOwner}${task.claimExpiresAt ? `, claim expires ${formatWhen(task.claimExpiresAt, now)}` : ''}`,
        );
      if (task.skipReason)
        lines.push(
          `skipped: ${task.skipReason}${task.skipDetail ? ` — ${withTimesWrittenAs(task.skipDetail, formatTime)}` : ''}`,
        );
      if (task.blockReason) lines.push(`blocked: ${task.blockReason}`);
      if (task.lastError) lines.push(`last error: ${task.lastError}`);
      if (task.result) lines.push(`result: ${task.result}`);
      if (task.body) lines.push('', task.body);
      if (detail.parents.length) {
        lines.push('', 'parents:');
        appendAll(
          lines,
          detail.parents.map((p) => `  ${p.id} ${p.status} ${p.title}`),
        );
      }
      if (detail.children.length) lines.push('', `children: ${detail.children.join(', ')}`);
      if (detail.runs.length) {
        // Numbered per task (1 = the first attempt), as `tail --run N` takes them.
        lines.push('', 'runs:');
        appendAll(
          lines,
          detail.runs.map(
            (r, index) =>
              `  ${index + 1}. ${r.lane}  started ${formatWhen(r.startedAt, now)}  ${r.outcome ?? (r.endedAt === null ? 'running' : 'ended')}` +
              `${r.pid !== null ? `  pid ${r.pid}` : ''}${r.exitCode !== null ? `  exit ${r.exitCode}` : ''}` +
              `${r.endedAt !== null ? `  took ${formatDurationMs(r.endedAt - r.startedAt)}` : ''}${r.error ? ` — ${r.error}` : ''}`,
          ),
        );
      }
      if (detail.comments.length) {
        lines.push('', 'comments:');
        appendAll(
          lines,
          detail.comments.map((c) => `  ${c.author} ${formatWhen(c.createdAt, now)}: ${c.body}`),
        );
      }
      lines.push('', 'events:');
      appendAll(
        lines,
        events.map((e) => `  ${formatTime(e.createdAt)}  ${describeEvent(e)}`),
      );
      context.output.out(lines.join('\n'));
    },
  },
  {
    name: 'edit',
    workers: 'task',
    summary: 'change a task’s title, body, priority, workspace or max runtime',
    usage:
      'edit ID [--title T] [--body TEXT | --body-file FILE|-] [--priority N] [--workspace SPEC] [--max-runtime SECONDS] [--json]',
    options: {
      title: { type: 'string' },
      body: { type: 'string' },
      'body-file': { type: 'string' },
      priority: { type: 'string' },
      workspace: { type: 'string' },
      'max-runtime': { type: 'string' },
      ...json,
    },
    flags: {
      title: 'the new title',
      body: 'the new description',
      'body-file': 'read the new description from FILE, or from standard input with -',
      priority: 'the new priority (higher is picked first)',
      workspace: 'scratch, dir:PATH or worktree:PATH',
      'max-runtime': 'stop the worker after this many seconds',
      json: 'print the edited task as JSON',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { editTask } = await taskOperations();
      const task = editTask(
        context.db(),
        requirePositional(positionals, 0, 'task id'),
        {
          title: stringOption(values, 'title'),
          body: await bodyFrom(context, values),
          priority: integerOption(values, 'priority'),
          workspace: stringOption(values, 'workspace'),
          maxRuntimeSeconds: integerOption(values, 'max-runtime'),
        },
        context.actor,
      );
      printTask(context, task, values.json === true, 'Edited');
    },
  },
  {
    name: 'assign',
    workers: 'task',
    summary: 'give a task to a lane (or --none)',
    usage: 'assign ID NAME | assign ID --none [--json]',
    options: { none: { type: 'boolean' }, ...json },
    flags: { none: 'take the task out of its lane (unassigned)', json: 'print the task as JSON' },
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const { assignTask } = await taskOperations();
      const id = requirePositional(positionals, 0, 'task id');
      const name = values.none ? null : requirePositional(positionals, 1, 'assignee (or --none)');
      if (name !== null) await warnOfUnknownLane(context, name);
      const task = assignTask(context.db(), id, name, context.actor);
      printTask(context, task, values.json === true, 'Assigned');
    },
  },
  {
    name: 'move',
    workers: 'task',
    summary: 'move a task to another status',
    usage: `move ID STATUS [--json]`,
    details: `STATUS is one of ${MOVABLE_STATUSES.join(', ')}; nobody moves a task into running (only a claim does). Moving a running task stops its worker first.`,
    options: { ...json },
    flags: { json: 'print the moved task as JSON' },
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const { moveTask } = await taskOperations();
      const id = requirePositional(positionals, 0, 'task id');
      const status = requirePositional(positionals, 1, 'status');
      // The same wording as `list --status weird`, before the core's schema message.
      if (!(TASK_STATUSES as readonly string[]).includes(status))
        throw invalidInput(`unknown status "${status}" (one of ${MOVABLE_STATUSES.join(', ')})`);
      const { task, stoppedWorker } = moveTask(context.db(), id, status, context.actor);
      printTask(context, task, values.json === true, stoppedWorker ? 'Stopped and moved' : 'Moved');
    },
  },
  ...(['link', 'unlink'] as const).map((verb): CliCommand => ({
    name: verb,
    workers: 'task',
    summary: verb === 'link' ? 'make CHILD depend on PARENT' : 'remove a dependency',
    usage: `${verb} PARENT CHILD [--json]`,
    options: { ...json },
    flags: { json: 'print the child task as JSON' },
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const { linkTasks, unlinkTasks } = await taskOperations();
      const parent = requirePositional(positionals, 0, 'parent task id');
      const child = requirePositional(positionals, 1, 'child task id');
      const operation = verb === 'link' ? linkTasks : unlinkTasks;
      const task = operation(context.db(), parent, child, context.actor);
      printTask(
        context,
        task,
        values.json === true,
        verb === 'link' ? `Linked ${parent} →` : `Unlinked ${parent} →`,
      );
    },
  })),
  {
    name: 'comment',
    workers: 'task',
    summary: 'add a comment to a task',
    usage: 'comment ID TEXT | comment ID --body-file FILE|-',
    options: { 'body-file': { type: 'string' }, ...json },
    flags: {
      'body-file': 'read the comment from FILE, or from standard input with -',
      json: 'print {taskId, commentId} as JSON',
    },
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const { addComment } = await taskOperations();
      const id = requirePositional(positionals, 0, 'task id');
      const file = stringOption(values, 'body-file');
      const text =
        file !== undefined
          ? await readBodyFile(context, file)
          : requirePositional(positionals, 1, 'comment text');
      const commentId = addComment(context.db(), id, text, context.actor);
      if (values.json) printJson(context.output, { taskId: id, commentId });
      else context.output.out(`Commented on ${id}`);
    },
  },
  {
    name: 'claim',
    workers: 'task',
    summary: 'pull a ready task to work on it from a terminal',
    usage: 'claim ID | claim --next --lane NAME [--board SLUG] [--ttl SECONDS] [--json]',
    options: {
      next: { type: 'boolean' },
      lane: { type: 'string' },
      board: { type: 'string' },
      ttl: { type: 'string' },
      ...json,
    },
    flags: {
      next: 'take the next ready task of --lane (by priority, then age); refused while the lane is paused',
      lane: 'the lane to take the next task from',
      board: 'only tasks of this board',
      ttl: 'the claim expires after SECONDS without a heartbeat (default 900)',
      json: 'print the claimed task as JSON',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { claimTask, currentFollowup } = await taskOperations();
      const taskId = positionals[0];
      if (taskId && values.next) throw new UsageError('use a task id or --next, not both');
      if (!taskId && !values.next) throw new UsageError('claim needs a task id or --next --lane NAME');
      const lane = stringOption(values, 'lane');
      if (values.next && !lane) throw new UsageError('--next needs --lane NAME');
      const ttl = integerOption(values, 'ttl');
      if (ttl !== undefined && ttl <= 0) throw new UsageError('--ttl must be positive');
      const task = claimTask(
        context.db(),
        {
          taskId,
          lane,
          board: stringOption(values, 'board'),
          ttlMs: ttl === undefined ? undefined : ttl * 1000,
          lanesFile: context.paths,
        },
        context.actor,
      );
      // docs/architecture.md §10: a task sent back with a follow-up says so to whoever claims it.
      const followup = currentFollowup(context.db(), task);
      if (values.json === true && followup !== null) printJson(context.output, { ...task, followup });
      else printTask(context, task, values.json === true, 'Claimed');
      if (values.json !== true && followup !== null) context.output.out(`Follow-up: ${followup}`);
    },
  },
  {
    name: 'heartbeat',
    workers: 'task',
    summary: 'say a claimed task is still being worked on (renews the claim)',
    usage: 'heartbeat [ID] [--note TEXT] [--json]',
    options: { note: { type: 'string' }, ...json },
    flags: { note: 'a progress note, shown on the card', json: 'print the task as JSON' },
    details: 'Inside a worker the task id defaults to its own task ($SWITCHYARD_TASK).',
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { heartbeat } = await taskOperations();
      const task = heartbeat(
        context.db(),
        taskIdArgument(context, positionals),
        stringOption(values, 'note'),
        context.actor,
      );
      printTask(context, task, values.json === true, 'Heartbeat for');
    },
  },
  {
    name: 'complete',
    workers: 'task',
    summary: 'mark a task done',
    usage: 'complete [ID] [--summary TEXT] [--json]',
    options: { summary: { type: 'string' }, ...json },
    flags: { summary: 'what was done; children can read it', json: 'print the task as JSON' },
    details: 'Inside a worker the task id defaults to its own task ($SWITCHYARD_TASK).',
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { completeTask } = await taskOperations();
      const task = completeTask(
        context.db(),
        taskIdArgument(context, positionals),
        stringOption(values, 'summary'),
        context.actor,
      );
      printTask(context, task, values.json === true, 'Completed');
    },
  },
  {
    name: 'block',
    workers: 'task',
    summary: 'mark a task blocked, with the reason',
    usage: 'block [ID] --reason TEXT [--json]',
    options: { reason: { type: 'string' }, ...json },
    flags: { reason: 'why it cannot go on (required), shown on the card', json: 'print the task as JSON' },
    details: 'Inside a worker the task id defaults to its own task ($SWITCHYARD_TASK).',
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { blockTask } = await taskOperations();
      const reason = stringOption(values, 'reason');
      if (reason === undefined) throw new UsageError('block needs --reason TEXT');
      const task = blockTask(context.db(), taskIdArgument(context, positionals), reason, context.actor);
      printTask(context, task, values.json === true, 'Blocked');
    },
  },
  {
    name: 'unblock',
    workers: 'task',
    summary: 'put a blocked task back in the queue',
    usage: 'unblock ID [--json]',
    options: { ...json },
    flags: { json: 'print the task as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { unblockTask } = await taskOperations();
      const task = unblockTask(context.db(), requirePositional(positionals, 0, 'task id'), context.actor);
      printTask(context, task, values.json === true, 'Unblocked');
    },
  },
  {
    name: 'approve',
    workers: 'task',
    summary: 'let a task that waits for approval start',
    usage: 'approve ID [--json]',
    options: { ...json },
    flags: { json: 'print the task as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { approveTask } = await taskOperations();
      const task = approveTask(context.db(), requirePositional(positionals, 0, 'task id'), context.actor);
      printTask(context, task, values.json === true, 'Approved');
    },
  },
  {
    name: 'followup',
    workers: 'task',
    summary: "send a done or blocked task back to its agent with a follow-up (resumes the agent's session)",
    usage: 'followup ID TEXT [--json]',
    options: { ...json },
    flags: { json: 'print the task as JSON' },
    details:
      'The task is ready again; its next run resumes the Claude Code or Codex session of its last run ' +
      'with TEXT (same workspace), or starts afresh with TEXT in the prompt for other profiles.',
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const { followupTask } = await taskOperations();
      const task = followupTask(
        context.db(),
        requirePositional(positionals, 0, 'task id'),
        requirePositional(positionals, 1, 'follow-up text'),
        context.actor,
      );
      printTask(context, task, values.json === true, 'Sent a follow-up to');
    },
  },
  {
    name: 'archive',
    workers: 'task',
    summary: 'archive a task (hidden from the board)',
    usage: 'archive ID [--json]',
    options: { ...json },
    flags: { json: 'print the task as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { archiveTask } = await taskOperations();
      const task = archiveTask(context.db(), requirePositional(positionals, 0, 'task id'), context.actor);
      printTask(context, task, values.json === true, 'Archived');
    },
  },
  {
    name: 'boards',
    workers: 'read',
    summary: 'list, create, edit or archive boards (a board may work on a git repository)',
    usage:
      'boards [list] [--all] [--json] | boards create SLUG [--name NAME] [--repo PATH [--base BRANCH]] ' +
      '[--merge ff|merge|squash] [--after-merge keep|remove] | boards edit SLUG [--repo PATH | --no-repo] ' +
      '[--base BRANCH] [--merge MODE] [--after-merge keep|remove] | boards archive SLUG',
    options: { name: { type: 'string' }, all: { type: 'boolean' }, ...repositoryOptions, ...json },
    flags: {
      name: 'a display name for boards create (default: the slug)',
      all: 'boards list: include archived boards',
      repo: 'create/edit: the git repository (work tree) its tasks work in, each in a worktree of its own',
      base: 'create/edit: the branch tasks start from and merge into (default: the checked-out branch)',
      merge: 'create/edit: how merge lands a task: ff, merge (a merge commit, default) or squash',
      'after-merge': 'create/edit: remove (default) or keep a task worktree after its merge',
      'no-repo': 'edit: stop using a repository (new tasks get scratch folders)',
      json: 'print the boards (or the board) as JSON',
    },
    maxPositionals: 2,
    async run(context, { values, positionals }) {
      const action = positionals[0] ?? 'list';
      const db = context.db();
      const { boardRepository } = await import('../core/store/repositories');
      if (action === 'list') {
        const boards = boardsRepo.listBoards(db, values.all === true);
        if (values.json)
          printJson(
            context.output,
            boards.map((b) => ({ ...b, repository: boardRepository(db, b.slug) })),
          );
        else
          context.output.out(
            boards
              .map((b) => {
                const repo = boardRepository(db, b.slug);
                const where = repo ? ` — ${repo.repo} (${repo.baseBranch}, ${repo.mergeMode})` : '';
                return `${b.slug.padEnd(24)} ${b.name}${b.archivedAt ? ' (archived)' : ''}${where}`;
              })
              .join('\n'),
          );
        return;
      }
      await refuseWorkers(context, `${action} boards`);
      const slug = requirePositional(positionals, 1, 'board slug');
      const { archiveBoard, createBoard } = await taskOperations();
      if (action === 'create' || action === 'edit') {
        const patch = await boardRepositoryPatch(values);
        const { checkRepository, configureBoardRepository } = await import('../core/workers/repository');
        const wantsRepo = patch.repo !== undefined && patch.repo !== null;
        if (action === 'create') {
          // docs/architecture.md §9 bad input: the repository is checked before the board exists (nothing created).
          if (wantsRepo) await checkRepository(patch.repo as string, patch.base);
          else if (patch.base || patch.mergeMode || patch.afterMerge)
            throw new UsageError('--base, --merge and --after-merge need --repo PATH');
        }
        const board =
          action === 'create'
            ? createBoard(db, slug, stringOption(values, 'name'))
            : boardsRepo.findBoard(db, slug);
        if (!board) throw invalidInput(`no board "${slug}"`);
        const touchesRepo = Object.values(patch).some((value) => value !== undefined);
        const repository = touchesRepo
          ? await configureBoardRepository(db, slug, patch)
          : boardRepository(db, slug);
        if (values.json) printJson(context.output, { ...board, repository });
        else
          context.output.out(
            `${action === 'create' ? 'Created' : 'Updated'} board ${board.slug}` +
              (repository
                ? ` on ${repository.repo} (base ${repository.baseBranch}, ${repository.mergeMode}, worktrees after merge: ${repository.afterMerge})`
                : ''),
          );
        return;
      }
      if (action !== 'archive')
        throw new UsageError(`unknown boards action "${action}" (list, create, edit, archive)`);
      const board = archiveBoard(db, slug);
      if (values.json) printJson(context.output, board);
      else context.output.out(`Archived board ${board.slug}`);
    },
  },
];

/** The unknown-lane warning, loaded only by the commands that name a lane (it reads profiles and lanes.json). */
async function warnOfUnknownLane(context: CliContext, assignee: string): Promise<void> {
  const { warnOfUnknownLane: warn } = await import('./laneCheck');
  await warn(context, assignee);
}
