/**
 * The commands of electron/cli/taskCommands.ts, by name. A name here runs in the task commands' own
 * bundle (dist/cli-tasks.cjs, built from taskCli.ts), every other name in the whole CLI
 * (dist/cli.mjs): bin/switchyard.cjs picks through dist/cli-launch.cjs (launch.ts), which imports only
 * this list (performance issue 17, target 4). main.ts lists the same module under these names, and
 * test/cli-bundle.test.ts checks that the module holds exactly these commands.
 */
export const TASK_COMMAND_NAMES: readonly string[] = [
  'create',
  'list',
  'show',
  'edit',
  'assign',
  'move',
  'link',
  'unlink',
  'comment',
  'claim',
  'heartbeat',
  'complete',
  'block',
  'unblock',
  'approve',
  'followup',
  'archive',
  'boards',
];
