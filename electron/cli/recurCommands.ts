import type { Recurrence } from '../core/commands/recurrences';
import { UsageError, integerOption, requirePositional, stringOption } from './args';
import type { CliCommand } from './context';
import { formatTime, printJson } from './output';

/** `switchyard recur add|list|pause|resume|remove` (issue 16): recurring tasks. */

function recurrenceLine(recurrence: Recurrence): string {
  const state = recurrence.paused ? 'paused' : `next ${formatTime(recurrence.nextRunAt)}`;
  const lane = recurrence.lane ?? '-';
  const skip = recurrence.skipIfOpen ? ' skip-if-open' : '';
  return `${recurrence.id}  ${recurrence.board}/${lane}  "${recurrence.schedule}" ${recurrence.timeZone}${skip}  ${state}  ${recurrence.title}${
    recurrence.lastOutcome ? `  (last: ${recurrence.lastOutcome})` : ''
  }`;
}

const USAGE = [
  'recur add TITLE --schedule "CRON" [--tz ZONE] [--lane NAME] [--board SLUG] [--body TEXT] [--priority N] [--skip-if-open]',
  '       switchyard recur list [--board SLUG] [--lane NAME] [--json]',
  '       switchyard recur pause|resume|remove ID',
].join('\n');

export const recurCommand: CliCommand = {
  name: 'recur',
  summary: 'recurring tasks: a template with a cron schedule makes a task at each occurrence',
  usage: USAGE,
  options: {
    schedule: { type: 'string' },
    tz: { type: 'string' },
    lane: { type: 'string' },
    assignee: { type: 'string' },
    board: { type: 'string' },
    body: { type: 'string' },
    priority: { type: 'string' },
    'skip-if-open': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  flags: {
    schedule: 'recur add: a cron expression (5 fields, e.g. "0 9 * * 1-5" for 9:00 on weekdays)',
    tz: 'recur add: the time zone the schedule is read in (default: this machine’s)',
    lane: 'recur add: the lane each task goes to; recur list: only this lane',
    assignee: 'the same as --lane',
    board: 'recur add: the board the tasks go to; recur list: only this board',
    body: 'recur add: the description each task gets',
    priority: 'recur add: the priority each task gets',
    'skip-if-open': 'recur add: make no new task while the last one is still open',
    json: 'print the recurrence(s) as JSON',
  },
  maxPositionals: 2,
  async run(context, { values, positionals }) {
    const recurrences = await import('../core/commands/recurrences');
    const action = requirePositional(positionals, 0, 'action (add, list, pause, resume or remove)');
    const print = (recurrence: Recurrence, verb: string) =>
      values.json
        ? printJson(context.output, recurrence)
        : context.output.out(`${verb} ${recurrenceLine(recurrence)}`);
    const db = context.db();
    switch (action) {
      case 'add': {
        const schedule = stringOption(values, 'schedule');
        if (schedule === undefined)
          throw new UsageError('recur add needs --schedule "CRON" (e.g. "0 9 * * 1")');
        const recurrence = recurrences.addRecurrence(db, {
          title: requirePositional(positionals, 1, 'title'),
          schedule,
          // Explicit: the zone is stored with the schedule, so "9 o'clock" never drifts with the machine.
          timeZone: stringOption(values, 'tz') ?? recurrences.localTimeZone(),
          lane: stringOption(values, 'lane') ?? stringOption(values, 'assignee') ?? null,
          board: stringOption(values, 'board') ?? context.env.SWITCHYARD_BOARD ?? 'default',
          body: stringOption(values, 'body') ?? '',
          priority: integerOption(values, 'priority') ?? 0,
          skipIfOpen: values['skip-if-open'] === true,
        });
        print(recurrence, 'Added');
        return;
      }
      case 'list': {
        if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
        const list = recurrences.listRecurrences(db, {
          board: stringOption(values, 'board'),
          lane: stringOption(values, 'lane'),
        });
        if (values.json) printJson(context.output, list);
        else context.output.out(list.length === 0 ? 'No recurrences.' : list.map(recurrenceLine).join('\n'));
        return;
      }
      case 'pause':
      case 'resume':
        print(
          recurrences.setRecurrencePaused(
            db,
            requirePositional(positionals, 1, 'recurrence id'),
            action === 'pause',
          ),
          action === 'pause' ? 'Paused' : 'Resumed',
        );
        return;
      case 'remove':
        print(
          recurrences.removeRecurrence(db, requirePositional(positionals, 1, 'recurrence id')),
          'Removed',
        );
        return;
      default:
        throw new UsageError(`unknown action "${action}" (add, list, pause, resume or remove)`);
    }
  },
};
