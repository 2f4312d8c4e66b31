import fs from 'node:fs';
import { SKIP_REASON_LABELS, type SkipReason } from '../../shared/constants';
import type { DispatchResult, LaneStatus } from '../../shared/dispatch';
import { appendAll } from '../../shared/arrays';
import { formatUsd } from '../../shared/budget';
import { withTimesWrittenAs } from '../../shared/isoTimes';
import type { Engine } from '../core/dispatch/engine';
import { SwitchyardError, notFound } from '../core/errors';
import { findBoard } from '../core/store/boards';
import { runsOf } from '../core/store/runs';
import { integerOption, requirePositional, stringOption, UsageError } from './args';
import { refuseWorkers, type CliCommand, type CliContext } from './context';
import { formatTime, printJson } from './output';
import { keepRunningOnUnexpectedErrors } from './lastResort';
import { WatchLog } from './watchLog';
import { writeAll } from './stdio';

/**
 * The engine (dispatcher, supervisor, lane watching) is loaded only by the commands that run it, so
 * `switchyard list` and the worker's `complete` start without it (performance issue 6, target 4).
 */
async function engineFor(context: CliContext, dispatch: boolean, spawner = false): Promise<Engine> {
  const { Engine } = await import('../core/dispatch/engine');
  return new Engine({
    home: context.paths.home,
    env: context.env,
    dispatch,
    // docs/architecture.md §5: `dispatch --watch` lives on, so its workers start off its event loop;
    // one tick spawns in process and prints what it started.
    spawner,
    actor: context.actor,
    log: (line) => context.output.err(line),
  });
}

/** The dispatch report: one line per task that did something, terminal lanes marked as fine. */
export function formatDispatchResult(result: DispatchResult): string {
  const lines: string[] = [];
  for (const spawn of result.spawned) {
    lines.push(
      `${result.dryRun ? 'Would spawn' : 'Spawned'}: ${spawn.taskId} (lane ${spawn.lane}${spawn.pid ? `, pid ${spawn.pid}` : ''})`,
    );
  }
  for (const id of result.completed) lines.push(`Completed: ${id}`);
  for (const crash of result.crashed) lines.push(`Crashed: ${crash.taskId} — ${crash.error}`);
  for (const id of result.timedOut) lines.push(`Timed out: ${id}`);
  for (const id of result.lost) lines.push(`Lost (no exit status; back to ready, not a failure): ${id}`);
  for (const failure of result.spawnFailed) lines.push(`Spawn failed: ${failure.taskId} — ${failure.error}`);
  for (const id of result.reclaimed) lines.push(`Reclaimed (claim expired): ${id}`);
  for (const id of result.promoted) lines.push(`Promoted to ready: ${id}`);
  for (const id of result.gaveUp) lines.push(`Gave up: ${id}`);
  for (const skip of result.skipped) {
    const label = skip.reason === 'terminal_lane' ? 'terminal lane, OK' : SKIP_REASON_LABELS[skip.reason];
    const detail = skip.reason === 'terminal_lane' || !skip.detail ? '' : ` — ${skip.detail}`;
    lines.push(`Skipped (${label}): ${skip.taskId}${detail}`);
  }
  const skippedSummary = (Object.entries(result.skippedCounts) as [SkipReason, number][])
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${SKIP_REASON_LABELS[reason]} ${count}`)
    .join(', ');
  lines.push(
    `${result.dryRun ? 'Dry run' : 'Tick'}: spawned ${result.spawned.length}, skipped ${result.skipped.length}` +
      `${skippedSummary ? ` (${skippedSummary})` : ''}, completed ${result.completed.length}, crashed ${result.crashed.length}, ` +
      `timed out ${result.timedOut.length}${result.lost.length > 0 ? `, lost ${result.lost.length}` : ''}, reclaimed ${result.reclaimed.length}, promoted ${result.promoted.length}, ` +
      `gave up ${result.gaveUp.length}${result.stuck ? ', STUCK' : ''}`,
  );
  return lines.join('\n');
}

const dispatchCommand: CliCommand = {
  name: 'dispatch',
  summary: 'run the dispatcher: one tick, a dry run, or --watch to keep going',
  usage: 'dispatch [--dry-run] [--json] [--watch] [--no-wait] [--leave-running]',
  options: {
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    watch: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    'leave-running': { type: 'boolean' },
  },
  flags: {
    'dry-run': 'show what one tick would do, changing nothing',
    json: 'print each tick as one JSON object (with --watch: one JSON object per event, one a line)',
    watch: 'keep dispatching and print one line per event (time, task, lane, what happened) until Ctrl-C',
    'no-wait': 'one tick without waiting for the workers it started (the next dispatcher adopts them)',
    'leave-running': 'with --watch: leave workers running on Ctrl-C instead of stopping them',
  },
  maxPositionals: 0,
  async run(context, { values }) {
    if (values['dry-run'] && values.watch) throw new UsageError('--dry-run and --watch do not go together');
    const print = (result: DispatchResult) =>
      values.json
        ? context.output.out(JSON.stringify(result))
        : context.output.out(formatDispatchResult(result));
    if (values['dry-run']) {
      const engine = await engineFor(context, false);
      try {
        const result = engine.dryRun();
        if (values.json) printJson(context.output, { ...result, problems: engine.problems() });
        else {
          warnProblems(context, engine.problems());
          context.output.out(formatDispatchResult(result));
        }
      } finally {
        await engine.close({ stopWorkers: false });
      }
      return;
    }
    const engine = await engineFor(context, true, values.watch === true);
    if (!values.json) warnProblems(context, engine.problems());
    const refuse = () => {
      const state = engine.dispatcherState();
      return new SwitchyardError(
        'conflict',
        `another dispatcher holds the lease: ${state.leaseHolder ? withTimesWrittenAs(state.leaseHolder, formatTime) : 'unknown'}; not dispatching`,
      );
    };
    if (!values.watch) {
      try {
        const result = engine.runTick();
        if (!result) throw refuse();
        // A repository task's worker starts once its worktree is made, after the tick returned:
        // it is this tick's start all the same, and waited for below like the others.
        const laterTicks: DispatchResult[] = [];
        const stopListening = engine.subscribe((change) => {
          if (change.type === 'tick') laterTicks.push(change.result);
        });
        await engine.startsSettled();
        stopListening();
        for (const later of laterTicks) {
          appendAll(result.spawned, later.spawned);
          appendAll(result.spawnFailed, later.spawnFailed);
        }
        print(result);
        if (!values['no-wait'] && engine.workers().length > 0) {
          // Wait for the workers this tick started (or adopted), so their exits are settled,
          // without starting anything new.
          context.output.err(
            `Waiting for ${engine.workers().length} worker(s) to finish (--no-wait to leave them running)…`,
          );
          let remaining = engine.workers().length;
          while (remaining > 0) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            // Count before settling: an exit that lands during the tick is reaped on the next turn.
            remaining = engine.workers().length;
            const settled = engine.runTick({ spawn: false });
            const ended = settled
              ? settled.completed.length +
                settled.crashed.length +
                settled.timedOut.length +
                settled.lost.length
              : 0;
            if (settled && ended > 0) print(settled);
          }
        }
      } finally {
        // With --no-wait the workers keep running; the next dispatcher adopts them (docs/architecture.md §5).
        await engine.close({ stopWorkers: false });
      }
      return;
    }
    // Listening before the first tick, so its spawns are lines like every later one.
    const watch = new WatchLog(context.db(), values.json === true, (line) => context.output.out(line));
    // A lanes.json or settings.json edited while watching: say what is wrong now.
    let shownProblems = engine.problems().join('\n');
    const showProblems = () => {
      const problems = engine.problems();
      if (problems.join('\n') === shownProblems) return;
      shownProblems = problems.join('\n');
      if (values.json) context.output.out(JSON.stringify({ problems }));
      else if (problems.length === 0) context.output.err('config problems fixed');
      else warnProblems(context, problems);
    };
    let faulted: ((message: string) => void) | undefined;
    engine.subscribe((change) => {
      if (change.type === 'events') watch.print(change.events);
      else if (change.type === 'lanes') showProblems();
      else if (change.type === 'fault') faulted?.(change.message);
    });
    const first = engine.runTick();
    if (!first) {
      // Named before closing: the lease holder is read from the database (issue 18).
      const refusal = engine.databaseFault() ? databaseFaultError(engine) : refuse();
      await engine.close({ stopWorkers: false });
      throw refusal;
    }
    // What did not start and why (terminal lanes, paused …) is no event: the first tick says it once.
    if (!values.json) context.output.err(formatDispatchResult(first).split('\n').pop() as string);
    context.output.err(
      `Dispatching from ${context.paths.home} — Ctrl-C to stop${values['leave-running'] ? ' (workers keep running)' : ' (stops workers)'}`,
    );
    const removeNet = keepRunningOnUnexpectedErrors(context.output, 'dispatch', context.env);
    engine.start();
    const fault = await new Promise<string | null>((resolve) => {
      const stop = () => resolve(null);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // A damaged database: stop at once with one line; workers keep running and writing their logs.
      faulted = (message) => resolve(message);
      const already = engine.databaseFault();
      if (already) resolve(already);
    });
    if (fault) {
      await engine.close({ stopWorkers: false });
      removeNet();
      throw databaseFaultError(engine);
    }
    await engine.close({ stopWorkers: values['leave-running'] !== true });
    removeNet();
    if (values.json) context.output.out(JSON.stringify({ summary: watch.summary() }));
    else context.output.err(watch.summaryLine());
  },
};

function databaseFaultError(engine: Engine): SwitchyardError {
  return new SwitchyardError(
    'database_unavailable',
    `${engine.databaseFault() ?? 'the database failed'}; dispatching stopped, running workers keep going and writing their logs`,
  );
}

/** Config problems (lanes.json, settings.json, profile folders) as warnings on stderr. */
function warnProblems(context: CliContext, problems: readonly string[]): void {
  for (const problem of problems) context.output.err(`warning: ${problem}`);
}

/** `  $1.20 today / $5.00 budget, $3.40 in 7 days  needs approval` — only what the lane has. */
function laneSpendText(lane: LaneStatus): string {
  const parts: string[] = [];
  if (lane.spent7dUsd > 0 || lane.budgetUsdPerDay !== null) {
    const budget = lane.budgetUsdPerDay === null ? '' : ` of ${formatUsd(lane.budgetUsdPerDay)} budget`;
    parts.push(`${formatUsd(lane.spentTodayUsd)} today${budget}, ${formatUsd(lane.spent7dUsd)} in 7 days`);
  }
  if (lane.requireApproval) parts.push('needs approval');
  return parts.length > 0 ? `  ${parts.join('  ')}` : '';
}

/** `lanes set NAME --budget 5 --approval on` (docs/architecture.md §10): written to lanes.json. */
async function setLaneAgentSettings(
  context: CliContext,
  positionals: readonly string[],
  values: Record<string, unknown>,
): Promise<void> {
  if (positionals[0] !== 'set') throw new UsageError(`unknown lanes subcommand "${positionals[0]}"`);
  await refuseWorkers(context, 'change lane settings');
  const lane = requirePositional(positionals, 1, 'lane name');
  const budgetText = typeof values.budget === 'string' ? values.budget.trim() : undefined;
  const approvalText = typeof values.approval === 'string' ? values.approval : undefined;
  if (budgetText === undefined && approvalText === undefined)
    throw new UsageError('lanes set needs --budget USD|none and/or --approval on|off');
  let budgetUsdPerDay: number | null | undefined;
  if (budgetText !== undefined) {
    budgetUsdPerDay = budgetText === 'none' ? null : Number(budgetText);
    if (budgetUsdPerDay !== null && !(Number.isFinite(budgetUsdPerDay) && budgetUsdPerDay > 0))
      throw new UsageError(`--budget takes an amount in US dollars or "none", not "${budgetText}"`);
  }
  if (approvalText !== undefined && approvalText !== 'on' && approvalText !== 'off')
    throw new UsageError('--approval takes on or off');
  const engine = await engineFor(context, false);
  try {
    engine.setLaneAgentSettings(lane.trim().toLowerCase(), {
      budgetUsdPerDay,
      requireApproval: approvalText === undefined ? undefined : approvalText === 'on',
    });
    const status = engine
      .laneStatuses('default')
      .find((candidate) => candidate.name === lane.trim().toLowerCase());
    context.output.out(
      `Lane ${lane.trim().toLowerCase()}: ${status?.requireApproval ? 'needs approval' : 'no approval needed'}, ` +
        `${status?.budgetUsdPerDay === null || status === undefined ? 'no budget' : `budget ${formatUsd(status.budgetUsdPerDay)} a day`}`,
    );
  } finally {
    await engine.close({ stopWorkers: false });
  }
}

const lanesCommand: CliCommand = {
  name: 'lanes',
  workers: 'read',
  summary: 'every lane with its kind, counts, running workers and skip reasons',
  usage: 'lanes [--board SLUG] [--json] | lanes set NAME [--budget USD|none] [--approval on|off]',
  options: {
    board: { type: 'string' },
    json: { type: 'boolean' },
    budget: { type: 'string' },
    approval: { type: 'string' },
  },
  flags: {
    board: 'count the tasks of this board (default: default)',
    json: 'print {board, lanes, problems} as JSON; problems are lanes.json / settings.json / profile folder faults',
    budget: "with `lanes set NAME`: the lane's daily budget in US dollars, or none",
    approval: 'with `lanes set NAME`: on — its tasks wait for approval before they start; off — they do not',
  },
  maxPositionals: 2,
  async run(context, { values, positionals }) {
    if (positionals.length > 0) return setLaneAgentSettings(context, positionals, values);
    const board = stringOption(values, 'board') ?? 'default';
    // A misspelt board would otherwise show every lane with "no tasks".
    if (!findBoard(context.db(), board)) throw notFound(`no board "${board}" (see switchyard boards)`);
    const engine = await engineFor(context, false);
    try {
      const lanes = engine.laneStatuses(board);
      const problems = engine.problems();
      if (values.json) {
        printJson(context.output, { board, lanes, problems });
        return;
      }
      for (const problem of problems) context.output.out(`Problem: ${problem}`);
      if (problems.length > 0) context.output.out('');
      if (lanes.length === 0) {
        context.output.out(
          'No lanes yet. Create a profile (switchyard profiles create NAME --from shell) or assign a task.',
        );
        return;
      }
      for (const lane of lanes) {
        const counts =
          Object.entries(lane.counts)
            .map(([status, n]) => `${status} ${n}`)
            .join(', ') || 'no tasks';
        const queued = Object.entries(lane.queuedBySkipReason)
          .map(([reason, n]) => `${SKIP_REASON_LABELS[reason as SkipReason] ?? reason} ${n}`)
          .join(', ');
        // Terminal lanes are worked by people: there is no worker capacity to show.
        const running =
          lane.kind === 'terminal'
            ? `claimed ${lane.counts.running ?? 0}`
            : `running ${lane.running}/${lane.maxConcurrent}`;
        context.output.out(
          `${lane.name.padEnd(20)} ${lane.kind.padEnd(15)} ${running}${lane.paused ? ' PAUSED' : ''}  ${counts}` +
            `${queued ? `  [skipped: ${queued}]` : ''}${laneSpendText(lane)}` +
            `${lane.problem ? `\n${' '.repeat(21)}${lane.problem}` : ''}` +
            (lane.nextRecurrenceAt
              ? `\n${' '.repeat(21)}next recurring task ${formatTime(lane.nextRecurrenceAt)}`
              : ''),
        );
      }
      const today = lanes.reduce((sum, lane) => sum + lane.spentTodayUsd, 0);
      const week = lanes.reduce((sum, lane) => sum + lane.spent7dUsd, 0);
      context.output.out(`board spend: ${formatUsd(today)} today, ${formatUsd(week)} in 7 days`);
    } finally {
      await engine.close({ stopWorkers: false });
    }
  },
};

const tailCommand: CliCommand = {
  name: 'tail',
  workers: 'read',
  summary: 'print a task’s worker log (-f to follow)',
  usage: 'tail TASK [--run N] [-f|--follow] [--bytes N]',
  options: { run: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, bytes: { type: 'string' } },
  flags: {
    run: 'the task’s Nth run (1 = its first attempt, as numbered by switchyard show); default: the latest',
    follow: 'keep printing new output until the run ends; waits for a run that has not started yet',
    bytes: 'print at most the last N bytes first (default 65536)',
  },
  maxPositionals: 1,
  async run(context, { values, positionals }) {
    // Loaded here, not at start: core/commands brings zod (performance issue 6, target 4).
    const { getTask } = await import('../core/commands/taskCommands');
    const db = context.db();
    const task = getTask(db, requirePositional(positionals, 0, 'task id'));
    const runNumber = integerOption(values, 'run');
    if (runNumber !== undefined && runNumber < 1)
      throw new UsageError('--run takes the task’s run number, 1 for its first run');
    const maxBytes = integerOption(values, 'bytes') ?? 64 * 1024;
    // Runs are numbered per task (1, 2, …) as `show` numbers them, not by their database ids.
    const findRun = () => {
      const runs = runsOf(db, task.id);
      const run = runNumber === undefined ? runs.filter((r) => r.logPath).pop() : runs[runNumber - 1];
      return run && run.logPath ? run : undefined;
    };
    let run = findRun();
    if (!run) {
      const which = runNumber === undefined ? 'no worker log yet' : `no worker log for its run ${runNumber}`;
      if (!values.follow) throw new SwitchyardError('not_found', `${task.id} has ${which}`);
      // -f on a task whose worker has not started: wait for it, as `tail -F` waits for a file.
      context.output.err(`${task.id} has ${which}; waiting for it to start (Ctrl-C to stop)…`);
      while (!run) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        run = findRun();
      }
    }
    const logPath = run.logPath as string;
    const printFrom = (start: number) => {
      let size = 0;
      try {
        size = fs.statSync(logPath).size;
      } catch {
        return start; // Not written yet: the worker opens it as it starts.
      }
      if (size < start) start = 0; // rotated
      const from = Math.max(start, size - maxBytes);
      if (size > from) {
        const fd = fs.openSync(logPath, 'r');
        try {
          const buffer = Buffer.alloc(size - from);
          fs.readSync(fd, buffer, 0, buffer.length, from);
          writeAll(1, buffer);
        } finally {
          fs.closeSync(fd);
        }
      }
      return size;
    };
    let offset = printFrom(0);
    if (!values.follow) return;
    const runId = run.id;
    const number = runsOf(db, task.id).findIndex((candidate) => candidate.id === runId) + 1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      offset = printFrom(offset);
      const current = runsOf(db, task.id).find((candidate) => candidate.id === runId);
      if (current?.endedAt !== null && current?.endedAt !== undefined) {
        printFrom(offset);
        context.output.err(
          `[run ${number} ended: ${current.outcome ?? 'unknown'}${current.exitCode !== null ? `, exit ${current.exitCode}` : ''}]`,
        );
        return;
      }
    }
  },
};

export const engineCommands: CliCommand[] = [dispatchCommand, lanesCommand, tailCommand];
