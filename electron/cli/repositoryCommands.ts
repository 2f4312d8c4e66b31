import { MERGE_MODES, type MergeMode } from '../../shared/constants';
import { UsageError, requirePositional, stringOption } from './args';
import { refuseWorkers, type CliCommand, type CliContext } from './context';
import { printJson } from './output';
import { choice, repoOption } from './repositoryOptions';

/**
 * docs/architecture.md §9 on the command line: a board's repository, a task's changes and landing them, and the
 * workspaces folder. Git runs only in these commands, so the others start without it.
 */

const json = { json: { type: 'boolean' } } as const;
const land = () => import('../core/workers/land');

function printResult(
  context: CliContext,
  result: { message: string; command: string | null },
  asJson: boolean,
): void {
  if (asJson) {
    printJson(context.output, result);
    return;
  }
  context.output.out(result.message);
  if (result.command) context.output.out(`  ${result.command}`);
}

function taskArgument(positionals: readonly string[]): string {
  return requirePositional(positionals, 0, 'task id');
}

export const repositoryCommands: CliCommand[] = [
  {
    name: 'diff',
    workers: 'read',
    summary: "a task's changes against its base branch (files, +/-, uncommitted, conflicts)",
    usage: 'diff ID [--stat] [--json]',
    options: { stat: { type: 'boolean' }, ...json },
    flags: {
      stat: 'files and counts only, without the diff',
      json: 'print summary, files and patch as JSON',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { taskChanges } = await import('../core/workers/changes');
      const changes = await taskChanges(context.db(), taskArgument(positionals));
      if (values.json) {
        printJson(context.output, values.stat ? { ...changes, patch: undefined } : changes);
        return;
      }
      const { summary, worktree } = changes;
      const flags = [
        summary.uncommittedFiles > 0 ? `${summary.uncommittedFiles} uncommitted` : '',
        summary.conflicts.length > 0
          ? `conflicts with ${worktree.baseBranch}: ${summary.conflicts.join(', ')}`
          : '',
        summary.merged ? 'merged' : '',
      ].filter(Boolean);
      context.output.out(
        `${worktree.branch} → ${worktree.baseBranch}: ${summary.files} file(s), +${summary.additions} −${summary.deletions}, ` +
          `${summary.ahead} ahead, ${summary.behind} behind${flags.length ? ` (${flags.join('; ')})` : ''}`,
      );
      for (const file of changes.files) {
        const counts = file.binary ? 'binary' : `+${file.additions} −${file.deletions}`;
        const name = file.oldPath ? `${file.oldPath} → ${file.path}` : file.path;
        context.output.out(`  ${file.status.padEnd(8)} ${counts.padEnd(14)} ${name}`);
      }
      if (!values.stat && changes.patch) context.output.out(changes.patch.replace(/\n$/, ''));
    },
  },
  {
    name: 'merge',
    workers: 'task',
    summary: "merge a task's branch into its base branch (refused on conflicts or a dirty checkout)",
    usage: 'merge ID [--mode ff|merge|squash] [--json]',
    options: { mode: { type: 'string' }, ...json },
    flags: { mode: "override the board's merge mode: ff, merge or squash", json: 'print the result as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { mergeTask } = await land();
      const mode = choice<MergeMode>(values, 'mode', MERGE_MODES);
      const result = await mergeTask(context.db(), context.paths, taskArgument(positionals), context.actor, {
        mode,
      });
      printResult(context, result, values.json === true);
    },
  },
  {
    name: 'rebase',
    workers: 'task',
    summary: "rebase a task's branch onto its current base branch",
    usage: 'rebase ID [--json]',
    options: { ...json },
    flags: { json: 'print the result as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { rebaseTask } = await land();
      printResult(
        context,
        await rebaseTask(context.db(), taskArgument(positionals), context.actor),
        values.json === true,
      );
    },
  },
  {
    name: 'commit',
    summary: "commit the uncommitted changes in a task's worktree",
    usage: 'commit ID [--message TEXT] [--json]',
    options: { message: { type: 'string', short: 'm' }, ...json },
    flags: {
      message: 'the commit message (default: the task title and summary)',
      json: 'print the result as JSON',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { commitTaskChanges } = await land();
      const result = await commitTaskChanges(
        context.db(),
        taskArgument(positionals),
        stringOption(values, 'message'),
      );
      printResult(context, result, values.json === true);
    },
  },
  {
    name: 'push',
    summary: "push a task's branch and open a pull request (gh), or print the command",
    usage: 'push ID [--json]',
    options: { ...json },
    flags: { json: 'print the result (and the gh command when gh is missing) as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { pushTask } = await land();
      printResult(context, await pushTask(context.db(), taskArgument(positionals)), values.json === true);
    },
  },
  {
    name: 'discard',
    workers: 'task',
    summary: "throw a task's work away: remove its worktree and branch (asks for --yes)",
    usage: 'discard ID --yes [--json]',
    options: { yes: { type: 'boolean' }, ...json },
    flags: { yes: 'confirm: the worktree and its branch are deleted', json: 'print the result as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const id = taskArgument(positionals);
      if (values.yes !== true)
        throw new UsageError(`discarding deletes the work of ${id}: repeat with --yes`);
      const { discardTask } = await land();
      printResult(
        context,
        await discardTask(context.db(), context.paths, id, context.actor),
        values.json === true,
      );
    },
  },
  {
    name: 'send-back',
    workers: 'task',
    summary: 'return a task to ready with a comment its next run reads',
    usage: 'send-back ID --comment TEXT [--json]',
    options: { comment: { type: 'string' }, ...json },
    flags: {
      comment: 'what should change; the next run reads it in its prompt',
      json: 'print the task as JSON',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const comment = stringOption(values, 'comment');
      if (comment === undefined) throw new UsageError('missing --comment (what should change)');
      const { sendBackTask } = await land();
      const task = sendBackTask(context.db(), taskArgument(positionals), comment, context.actor);
      if (values.json) printJson(context.output, task);
      else context.output.out(`Sent back ${task.id} (ready): ${task.title}`);
    },
  },
  {
    name: 'waive',
    workers: 'task',
    summary: "let a task's children go without merging its changes",
    usage: 'waive ID [--json]',
    options: { ...json },
    flags: { json: 'print the task as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const { waiveReview } = await land();
      const task = waiveReview(context.db(), taskArgument(positionals), context.actor);
      if (values.json) printJson(context.output, task);
      else context.output.out(`Review waived for ${task.id}`);
    },
  },
  {
    name: 'lane-repo',
    summary: "set (or --clear) a lane's own repository, overriding its board's",
    usage: 'lane-repo LANE (--repo PATH [--base BRANCH] | --clear) [--json]',
    options: { repo: { type: 'string' }, base: { type: 'string' }, clear: { type: 'boolean' }, ...json },
    flags: {
      repo: "the lane's own repository (overrides its board's)",
      base: 'its base branch (default: the checked-out branch)',
      clear: "drop the lane's repository",
      json: 'print the setting as JSON',
    },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const lane = requirePositional(positionals, 0, 'lane').toLowerCase();
      const repo = repoOption(values);
      if ((repo === undefined) === (values.clear !== true))
        throw new UsageError('give --repo PATH or --clear');
      const { configureLaneRepository } = await import('../core/workers/repository');
      const setting = await configureLaneRepository(
        context.db(),
        lane,
        repo ?? null,
        stringOption(values, 'base'),
      );
      if (values.json) printJson(context.output, setting);
      else
        context.output.out(
          setting
            ? `Lane ${lane}: ${setting.repo} (${setting.baseBranch})`
            : `Lane ${lane}: no repository of its own`,
        );
    },
  },
  {
    name: 'workspaces',
    workers: 'read',
    summary: 'list task workspaces; prune removes the worktrees of archived, merged or deleted tasks',
    usage: 'workspaces [list|prune] [--json]',
    options: { ...json },
    flags: { json: 'print the listing (or what prune removed and kept) as JSON' },
    maxPositionals: 1,
    async run(context, { values, positionals }) {
      const action = positionals[0] ?? 'list';
      const { listWorkspaces, pruneWorkspaces } = await import('../core/workers/worktrees');
      if (action === 'list') {
        const listing = await listWorkspaces(context.db(), context.paths);
        if (values.json) printJson(context.output, listing);
        else
          for (const entry of listing) {
            const note = entry.unknown
              ? 'not made by Switchyard (left alone)'
              : entry.orphan
                ? `orphan: ${entry.orphan}`
                : entry.status;
            context.output.out(
              `${entry.taskId.padEnd(12)} ${(entry.branch ?? '-').padEnd(40)} ${note ?? ''}  ${entry.path}`,
            );
          }
        return;
      }
      if (action !== 'prune') throw new UsageError(`unknown workspaces action "${action}" (list, prune)`);
      await refuseWorkers(context, 'prune workspaces');
      const { removed, kept } = await pruneWorkspaces(context.db(), context.paths);
      if (values.json) {
        printJson(context.output, { removed, kept });
        return;
      }
      for (const entry of removed) context.output.out(`removed ${entry.path} (${entry.orphan})`);
      for (const { entry, reason } of kept) context.output.out(`kept ${entry.path}: ${reason}`);
      if (removed.length === 0 && kept.length === 0) context.output.out('nothing to prune');
    },
  },
];
