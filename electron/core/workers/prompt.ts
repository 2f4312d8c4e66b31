import type { Comment, Run, Task } from '../../../shared/domain';
import { appendAll } from '../../../shared/arrays';
import type { ParentState } from '../store/links';

/**
 * The `{prompt}` a worker receives (docs/architecture.md §5): the task, its parents' results, what went wrong in
 * earlier attempts and recent comments. Every part is capped in UTF-8 bytes, and so is the whole:
 * Linux refuses a single argument over 128 KiB (`spawn E2BIG`), and a character cap lets CJK text
 * reach three times its number (issue 18). What is cut is said where it was cut and at the top.
 */

export interface PromptCaps {
  bodyBytes: number;
  parentResultBytes: number;
  priorErrorBytes: number;
  commentBytes: number;
  maxComments: number;
  maxPriorErrors: number;
  /** The whole prompt, headings and notes included. */
  totalBytes: number;
}

/** `{promptFile}`: the prompt in a file beside the run's log (`logs/<task>/<run>.prompt.md`). */
export function promptFilePathOf(logPath: string): string {
  return `${logPath.endsWith('.log') ? logPath.slice(0, -'.log'.length) : logPath}.prompt.md`;
}

/** Linux's MAX_ARG_STRLEN (32 pages) less its terminating NUL: no argument may be longer. */
export const MAX_ARGUMENT_BYTES = 128 * 1024 - 1;

export const DEFAULT_PROMPT_CAPS: PromptCaps = {
  bodyBytes: 48 * 1024,
  parentResultBytes: 8 * 1024,
  priorErrorBytes: 2 * 1024,
  commentBytes: 4 * 1024,
  maxComments: 10,
  maxPriorErrors: 3,
  // Room under MAX_ARGUMENT_BYTES for the text a profile puts around {prompt} in the same argument.
  totalBytes: 96 * 1024,
};

const encoder = new TextEncoder();
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The longest start of `text` within `limit` UTF-8 bytes, never splitting a character. */
export function utf8Prefix(text: string, limit: number): string {
  if (utf8Bytes(text) <= limit) return text;
  const { read } = encoder.encodeInto(text, new Uint8Array(Math.max(0, limit)));
  return text.slice(0, read);
}

/** A part of the prompt that may be shortened, and what to call it when it is. */
interface Piece {
  label: string;
  text: string;
  limit: number;
}

/**
 * A count with commas between thousands, as en-US writes it. Not `toLocaleString`: its first call
 * in a process loads ICU's number formatting (20–30 ms of CPU), and `CUT_NOTE_BYTES` below made that
 * call at module load, on `switchyard serve`'s start before it listens (performance issue 17, target 7).
 */
const withThousands = (count: number): string => String(count).replace(/\B(?=(\d{3})+$)/g, ',');
const cutNote = (bytes: number): string => `\n[… ${withThousands(bytes)} more bytes cut]`;
/** Bytes a cut note takes at most (the count has at most 7 digits and 2 separators here). */
const CUT_NOTE_BYTES = utf8Bytes(cutNote(9_999_999));

function capPiece(piece: Piece): { text: string; cut: number } {
  const size = utf8Bytes(piece.text);
  if (size <= piece.limit) return { text: piece.text, cut: 0 };
  const kept = utf8Prefix(piece.text, Math.max(0, piece.limit - CUT_NOTE_BYTES));
  const cut = size - utf8Bytes(kept);
  return { text: kept + cutNote(cut), cut };
}

/**
 * Lowers the limits of the pieces evenly (the biggest first) until they fit `budget` together:
 * twelve long parent results share the room instead of the first ones taking it all.
 */
function fitTogether(pieces: Piece[], budget: number): void {
  const sizes = pieces.map((piece) => Math.min(utf8Bytes(piece.text), piece.limit));
  const total = (level: number) => sizes.reduce((sum, size) => sum + Math.min(size, level), 0);
  if (total(Infinity) <= budget) return;
  let low = 0;
  let high = Math.max(0, ...sizes);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (total(mid) <= budget) low = mid;
    else high = mid - 1;
  }
  for (const piece of pieces) piece.limit = Math.min(piece.limit, low);
}

export interface PromptInput {
  task: Task;
  parents: readonly ParentState[];
  priorRuns: readonly Run[];
  comments: readonly Comment[];
  completion: 'exit-code' | 'report';
  /** docs/architecture.md §10: a structured agent (Claude Code, Codex) is told about the board's MCP tools too. */
  output?: 'text' | 'claude-stream-json' | 'codex-json';
  /**
   * docs/architecture.md §10: a follow-up for an agent that cannot resume its session: the prompt then carries the
   * follow-up and what the task's last run reported.
   */
  followup?: string | null;
}

export function buildPrompt(input: PromptInput, caps: PromptCaps = DEFAULT_PROMPT_CAPS): string {
  const { task } = input;
  const finishedParents = input.parents.filter((parent) => parent.result);
  const failures = input.priorRuns.filter((run) => run.error).slice(-Math.max(0, caps.maxPriorErrors));
  const recent = caps.maxComments > 0 ? input.comments.slice(-caps.maxComments) : [];
  const body: Piece | null = task.body.trim()
    ? { label: 'the task body', text: task.body, limit: caps.bodyBytes }
    : null;
  const parentPieces = finishedParents.map((parent) => ({
    label: `the result of ${parent.id}`,
    text: parent.result ?? '',
    limit: caps.parentResultBytes,
  }));
  const failurePieces = failures.map((run) => ({
    label: `the error of attempt #${run.id}`,
    text: run.error ?? '',
    limit: caps.priorErrorBytes,
  }));
  const followup: Piece | null = input.followup
    ? { label: 'the follow-up', text: input.followup, limit: caps.bodyBytes }
    : null;
  const previousResult: Piece | null =
    input.followup && task.result
      ? { label: 'the previous result', text: task.result, limit: caps.parentResultBytes }
      : null;
  const commentPieces = recent.map((comment) => ({
    label: `a comment by ${comment.author}`,
    text: comment.body,
    limit: caps.commentBytes,
  }));
  const reporting =
    (input.completion === 'report'
      ? 'When the work is done run `switchyard complete --summary "<what you did>"`; if you cannot finish, run `switchyard block --reason "<why>"`.'
      : 'Exit with status 0 when the work is done. You may also run `switchyard complete --summary "<what you did>"` or `switchyard block --reason "<why>"`.') +
    (input.output && input.output !== 'text'
      ? ` If the switchyard MCP server is connected (\`switchyard mcp config\`), its tools do the same: show_task, add_comment, heartbeat, complete_task and block_task for ${task.id}, create_task for follow-up work.`
      : '');

  const assemble = (note: string | null): string => {
    const sections: string[] = [
      utf8Prefix(`# ${task.title}`, 2048),
      `Task ${task.id} on board "${task.board}".`,
    ];
    if (note) sections.push(note);
    if (body) sections.push(capPiece(body).text);
    if (previousResult) sections.push('## What the last run reported', capPiece(previousResult).text);
    if (followup) sections.push('## Follow-up (answer this now)', capPiece(followup).text);
    if (finishedParents.length > 0) {
      sections.push('## Results of the tasks this one depends on');
      appendAll(
        sections,
        finishedParents.map(
          (parent, i) =>
            `### ${parent.id}: ${utf8Prefix(parent.title, 512)}\n${capPiece(parentPieces[i] as Piece).text}`,
        ),
      );
    }
    if (failures.length > 0) {
      sections.push('## Earlier attempts failed');
      appendAll(
        sections,
        failures.map(
          (run, i) =>
            `- attempt #${run.id} (${run.outcome ?? 'unknown'}): ${capPiece(failurePieces[i] as Piece).text}`,
        ),
      );
    }
    if (recent.length > 0) {
      sections.push('## Comments');
      appendAll(
        sections,
        recent.map(
          (comment, i) => `- ${utf8Prefix(comment.author, 256)}: ${capPiece(commentPieces[i] as Piece).text}`,
        ),
      );
    }
    sections.push('## Reporting', reporting);
    return sections.join('\n\n');
  };

  const pieces = [
    ...(body ? [body] : []),
    ...(previousResult ? [previousResult] : []),
    ...(followup ? [followup] : []),
    ...parentPieces,
    ...failurePieces,
    ...commentPieces,
  ];
  // What the prompt costs besides the pieces' texts: headings, titles, the note, a cut note each.
  const noteReserve = 600;
  const fixed =
    utf8Bytes(assemble(null)) -
    pieces.reduce((sum, piece) => sum + utf8Bytes(capPiece(piece).text), 0) +
    noteReserve +
    pieces.length * CUT_NOTE_BYTES;
  fitTogether(pieces, Math.max(0, caps.totalBytes - fixed));
  const shortened = pieces.filter((piece) => capPiece(piece).cut > 0);
  if (shortened.length === 0) return assemble(null);
  const named = shortened.slice(0, 8).map((piece) => piece.label);
  const more = shortened.length > named.length ? ` and ${shortened.length - named.length} more` : '';
  const note = utf8Prefix(
    `(Shortened to fit ${Math.round(caps.totalBytes / 1024)} KiB: ${named.join(', ')}${more} ` +
      `${shortened.length === 1 ? 'was' : 'were'} cut where marked. The full text: \`switchyard show ${task.id}\`.)`,
    noteReserve,
  );
  const prompt = assemble(note);
  // The estimate above is generous; this is the guarantee.
  return utf8Bytes(prompt) <= caps.totalBytes ? prompt : utf8Prefix(prompt, caps.totalBytes);
}
