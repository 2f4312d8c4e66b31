import type { Run } from '../../../shared/domain';
import { RunUsageLine } from './Transcript';
import { formatDateTime, formatDuration, useNow } from '../card/time';

/** How long a running run has been going, ticking every second. */
function Elapsed({ since }: { since: number }) {
  const now = useNow(1000);
  return <>{formatDuration(now - since)}</>;
}

/** One row per attempt: lane, pid, start, duration, outcome, exit code, summary or error. */
export function RunHistory({ runs }: { runs: Run[] }) {
  return (
    <section className="drawer-section" data-testid="drawer-runs">
      <h3>
        Runs <span className="muted">({runs.length})</span>
      </h3>
      {runs.length === 0 ? (
        <p className="muted">Never run.</p>
      ) : (
        <table className="run-table">
          <thead>
            <tr>
              <th>#</th>
              <th>lane</th>
              <th>started</th>
              <th>took</th>
              <th>outcome</th>
              <th>exit · pid</th>
            </tr>
          </thead>
          <tbody>
            {/* Newest first, numbered per task as `switchyard show` and `tail --run N` number them. */}
            {runs
              .map((run, index) => ({ run, number: index + 1 }))
              .reverse()
              .map(({ run, number }) => (
                <RunRow key={run.id} run={run} number={number} />
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunRow({ run, number }: { run: Run; number: number }) {
  const note = run.error ?? run.summary;
  const running = run.endedAt === null;
  return (
    <>
      <tr data-testid={`run-${run.id}`} className={`run-${run.outcome ?? 'live'}`}>
        <td title={`run id ${run.id}`}>{number}</td>
        <td>{run.lane}</td>
        <td>{formatDateTime(run.startedAt)}</td>
        <td data-testid={`run-took-${run.id}`}>
          {running ? (
            <Elapsed since={run.startedAt} />
          ) : (
            formatDuration((run.endedAt as number) - run.startedAt)
          )}
        </td>
        <td>
          <span className={`outcome outcome-${run.outcome ?? 'live'}`}>
            {run.outcome ?? (running ? 'running' : 'ended')}
          </span>
        </td>
        <td
          data-testid={`run-exit-${run.id}`}
          title={run.outcome === 'lost' ? 'no exit status was recorded; not counted as a failure' : undefined}
        >
          {running ? (run.pid ? `pid ${run.pid}` : 'claimed') : exitText(run)}
        </td>
      </tr>
      {(run.costUsd !== null || run.tokensIn !== null) && (
        <tr className="run-note">
          <td />
          <td colSpan={5}>
            <RunUsageLine run={run} />
          </td>
        </tr>
      )}
      {run.followup !== null && (
        <tr className="run-note run-followup" data-testid={`run-followup-${run.id}`}>
          <td />
          <td colSpan={5} title={run.followup}>
            ↪ follow-up
            {run.resumedSession
              ? ` (resumed session ${run.resumedSession.slice(0, 8)})`
              : ' (fresh run)'}: {run.followup}
          </td>
        </tr>
      )}
      {note && (
        <tr className="run-note">
          <td />
          <td colSpan={5} title={note}>
            {note}
          </td>
        </tr>
      )}
    </>
  );
}

/** The exit column: code or signal; a lost run's is unknown (its worker left no status: issue 20). */
function exitText(run: Run): string {
  if (run.exitCode !== null) return String(run.exitCode);
  if (run.signal !== null) return run.signal;
  if (run.outcome === 'lost') return 'unknown';
  return run.pid ? `pid ${run.pid}` : '';
}
