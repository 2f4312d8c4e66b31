import { z } from 'zod';
import { contract } from '../../../shared/contract';
import type { LaneStatus } from '../../../shared/dispatch';
import { assigneeSchema, slugSchema, taskIdSchema } from '../../../shared/domain';
import * as commands from '../commands/taskCommands';
import type { Actor } from '../commands/taskCommands';
import { searchCards } from '../store/boardCards';
import * as boards from '../store/boards';
import { commentsOf } from '../store/comments';
import { waitForWriteLock, type Db } from '../store/db/open';
import type { HomePaths } from '../config/home';
import { SwitchyardError, invalidInput, notFound } from '../errors';
import { describeRefusal } from '../../../shared/refusalText';

/**
 * The tools of `switchyard mcp` (docs/architecture.md §10): the CLI's operations for agents that speak the Model
 * Context Protocol. Inputs are the contract's schemas (shared/contract.ts) or built from the domain's
 * field schemas — no second copy of validation — and every write goes through the same core command,
 * with the same ownership guard, as `switchyard complete` & co.
 */

export interface McpSession {
  db: Db;
  /** From the environment, as for the CLI: a worker (SWITCHYARD_TASK) may touch only its own task. */
  actor: Actor;
  /** Where lanes.json is: `claim_next` reads the lane's pause and approval rule from it, as the CLI does. */
  lanesFile: Pick<HomePaths, 'lanesFile'>;
  /** `switchyard mcp --lane NAME`: the lane `claim_next` pulls from when none is named. */
  lane?: string;
  /** The board tools act on when none is named (SWITCHYARD_BOARD, else default). */
  board: string;
  laneStatuses(board: string): LaneStatus[] | Promise<LaneStatus[]>;
  /** After a write: the host's dispatcher may want to look now (web mode). */
  afterWrite?(): void;
}

export interface McpTool {
  name: string;
  description: string;
  input: z.ZodType;
  /** Reads only: the host's dispatcher need not look afterwards. */
  readOnly: boolean;
  run(session: McpSession, args: never): unknown;
}

/** A worker may leave out the task id: it means its own task, as with the CLI. */
function ownOrGiven(session: McpSession, id: string | undefined): string {
  const taskId = id ?? session.actor.ownTaskId;
  if (!taskId) throw invalidInput('id is required (this session is not a worker of a task)');
  return taskId;
}

function requireBoard(db: Db, slug: string): void {
  if (!boards.findBoard(db, slug)) throw notFound(`no board "${slug}"`);
}

const boardField = slugSchema.optional();
const optionalId = taskIdSchema.optional();

function tool<S extends z.ZodType>(
  name: string,
  description: string,
  input: S,
  run: (session: McpSession, args: z.output<S>) => unknown,
  readOnly = false,
): McpTool {
  return { name, description, input, readOnly, run: run as McpTool['run'] };
}

export const MCP_TOOLS: readonly McpTool[] = [
  tool(
    'list_lanes',
    'Every lane of a board: kind (profile, terminal, broken), counts by status, running workers, skip reasons.',
    z.object({ board: boardField }).strict(),
    async (session, { board }) => {
      const slug = board ?? session.board;
      requireBoard(session.db, slug);
      return session.laneStatuses(slug);
    },
    true,
  ),
  tool(
    'list_tasks',
    'Tasks of a board (without bodies), optionally filtered by words in the title/id/lane, lane, status or skip reason.',
    contract.searchCards.request.extend({ board: boardField }),
    (session, request) => {
      const board = request.board ?? session.board;
      requireBoard(session.db, board);
      return searchCards(session.db, {
        board,
        words: request.text.trim().split(/\s+/).filter(Boolean),
        assignee: request.assignee,
        status: request.status,
        skipReason: request.skipReason,
        needsAttention: false,
        brokenLanes: [],
        limit: request.limit,
      });
    },
    true,
  ),
  tool(
    'show_task',
    'One task with its body, its parents and their results, children, runs and the 20 most recent comments.',
    z.object({ id: optionalId }).strict(),
    (session, { id }) => {
      const detail = commands.showTask(session.db, ownOrGiven(session, id));
      return { ...detail, comments: commentsOf(session.db, detail.task.id, 20) };
    },
    true,
  ),
  tool(
    'create_task',
    'Create a task: title, body (markdown), lane (assignee), priority, parents (it waits in todo until they are done), workspace.',
    contract.createTask.request.extend({ board: boardField }),
    (session, request) =>
      commands.createTask(session.db, { ...request, board: request.board ?? session.board }, session.actor),
  ),
  tool(
    'claim_next',
    'Claim the next ready task of a lane (ready → running); renew the claim with heartbeat. Without a lane: the lane this server was started with (--lane). A task sent back with a follow-up carries it in `followup`: do that next.',
    z
      .object({
        lane: assigneeSchema.optional(),
        board: boardField,
        ttlSeconds: z
          .number()
          .int()
          .min(30)
          .max(24 * 3600)
          .optional(),
      })
      .strict(),
    (session, { lane, board, ttlSeconds }) => {
      const chosen = lane ?? session.lane;
      if (!chosen)
        throw invalidInput('lane is required (start the server with --lane NAME to give a default)');
      const task = commands.claimTask(
        session.db,
        {
          lane: chosen,
          board: board ?? session.board,
          ttlMs: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
          lanesFile: session.lanesFile,
        },
        session.actor,
      );
      // docs/architecture.md §10: a task sent back with a follow-up says so to the agent that claims it.
      const followup = commands.currentFollowup(session.db, task);
      return followup === null ? task : { ...task, followup };
    },
  ),
  tool(
    'heartbeat',
    'Say a claimed task is still being worked on (renews its claim); an optional note.',
    z.object({ id: optionalId, note: z.string().max(2_000).optional() }).strict(),
    (session, { id, note }) => commands.heartbeat(session.db, ownOrGiven(session, id), note, session.actor),
  ),
  tool(
    'complete_task',
    'Mark a task done with a summary of the result (children waiting on it become ready).',
    contract.completeTask.request.partial({ id: true }),
    (session, { id, summary }) =>
      commands.completeTask(session.db, ownOrGiven(session, id), summary, session.actor),
  ),
  tool(
    'block_task',
    'Block a task with the reason (what is needed to go on).',
    contract.blockTask.request.partial({ id: true }),
    (session, { id, reason }) =>
      commands.blockTask(session.db, ownOrGiven(session, id), reason, session.actor),
  ),
  tool(
    'add_comment',
    'Add a comment (markdown) to a task.',
    contract.addComment.request.partial({ id: true }),
    (session, { id, body }) => ({
      commentId: commands.addComment(session.db, ownOrGiven(session, id), body, session.actor),
    }),
  ),
  tool(
    'approve_task',
    "Approve a task that waits for approval (its own rule or its lane's) so the dispatcher may start it.",
    contract.approveTask.request,
    (session, { id }) => commands.approveTask(session.db, id, session.actor),
  ),
  tool(
    'followup_task',
    "Send a follow-up to a done or blocked task's agent: the task is ready again and its next run resumes the agent's own session with the text (Claude Code, Codex), or starts afresh with it in the prompt.",
    contract.followupTask.request.partial({ id: true }),
    (session, { id, text }) =>
      commands.followupTask(session.db, ownOrGiven(session, id), text, session.actor),
  ),
  tool(
    'link_tasks',
    'Make childId depend on parentId (the child waits in todo until the parent is done); cycles are refused.',
    contract.linkTasks.request,
    (session, { parentId, childId }) => commands.linkTasks(session.db, parentId, childId, session.actor),
  ),
];

/** What a tool call answers: a value, or the one-line message the CLI would print (docs/architecture.md §6). */
export type McpToolOutcome = { ok: true; value: unknown } | { ok: false; message: string };

const toolsByName = new Map(MCP_TOOLS.map((entry) => [entry.name, entry]));

export async function callMcpTool(session: McpSession, name: string, args: unknown): Promise<McpToolOutcome> {
  const entry = toolsByName.get(name);
  if (!entry) return { ok: false, message: `unknown tool "${name}"` };
  const parsed = entry.input.safeParse(args ?? {});
  if (!parsed.success) return { ok: false, message: describeRefusal(parsed.error) };
  try {
    // Issue 18: under `serve --mcp` a held write lock must not freeze the server's event loop.
    if (!entry.readOnly) await waitForWriteLock(session.db);
    const value = await entry.run(session, parsed.data as never);
    if (!entry.readOnly) session.afterWrite?.();
    return { ok: true, value };
  } catch (error) {
    if (error instanceof SwitchyardError)
      return { ok: false, message: error.message.replace(/\s*[\r\n]+\s*/g, ' ') };
    throw error;
  }
}

/** JSON Schema of a tool's input, as MCP clients expect it (what a caller may send). */
export function mcpInputJsonSchema(entry: McpTool): Record<string, unknown> {
  const schema = z.toJSONSchema(entry.input, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  return schema;
}
