import type { Comment, Run, Task } from '../../../shared/domain';
import type { ParentState } from '../store/links';

/**
 * The `{prompt}` a worker receives (SPEC §5): the task, its parents' results, what went wrong in
 * earlier attempts and recent comments — each capped so one huge field cannot crowd out the rest
 * or blow past argv limits (Linux caps a single argument at 128 KiB).
 */

export interface PromptCaps {
  bodyChars: number;
  parentResultChars: number;
  priorErrorChars: number;
  commentChars: number;
  maxComments: number;
  maxPriorErrors: number;
}

export const DEFAULT_PROMPT_CAPS: PromptCaps = {
  bodyChars: 48_000,
  parentResultChars: 4_000,
  priorErrorChars: 1_000,
  commentChars: 2_000,
  maxComments: 10,
  maxPriorErrors: 3,
};

function cap(text: string, limit: number): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit)}\n[… ${text.length - limit} more characters cut]`;
}

export interface PromptInput {
  task: Task;
  parents: readonly ParentState[];
  priorRuns: readonly Run[];
  comments: readonly Comment[];
  completion: 'exit-code' | 'report';
}

export function buildPrompt(input: PromptInput, caps: PromptCaps = DEFAULT_PROMPT_CAPS): string {
  const { task } = input;
  const sections: string[] = [`# ${task.title}`, `Task ${task.id} on board "${task.board}".`];
  if (task.body.trim()) sections.push(cap(task.body, caps.bodyChars));
  const finishedParents = input.parents.filter((parent) => parent.result);
  if (finishedParents.length > 0) {
    sections.push(
      '## Results of the tasks this one depends on',
      ...finishedParents.map(
        (parent) => `### ${parent.id}: ${parent.title}\n${cap(parent.result ?? '', caps.parentResultChars)}`,
      ),
    );
  }
  const failures = input.priorRuns.filter((run) => run.error).slice(-caps.maxPriorErrors);
  if (failures.length > 0) {
    sections.push(
      '## Earlier attempts failed',
      ...failures.map(
        (run) =>
          `- attempt #${run.id} (${run.outcome ?? 'unknown'}): ${cap(run.error ?? '', caps.priorErrorChars)}`,
      ),
    );
  }
  const recent = input.comments.slice(-caps.maxComments);
  if (recent.length > 0) {
    sections.push(
      '## Comments',
      ...recent.map((comment) => `- ${comment.author}: ${cap(comment.body, caps.commentChars)}`),
    );
  }
  sections.push(
    '## Reporting',
    input.completion === 'report'
      ? 'When the work is done run `switchyard complete --summary "<what you did>"`; if you cannot finish, run `switchyard block --reason "<why>"`.'
      : 'Exit with status 0 when the work is done. You may also run `switchyard complete --summary "<what you did>"` or `switchyard block --reason "<why>"`.',
  );
  return sections.join('\n\n');
}
