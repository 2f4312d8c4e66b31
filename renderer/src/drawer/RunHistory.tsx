import type { Run } from '../../../shared/domain';
import { formatDateTime, formatDuration } from '../card/time';
import { RunUsageLine } from './Transcript';

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
              <th>exit</th>
            </tr>
          </thead>
          <tbody>
            {[...runs].reverse().map((run) => (
              <RunRow key={run.id} run={run} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunRow({ run }: { run: Run }) {
  const note = run.error ?? run.summary;
  return (
    <>
      <tr data-testid={`run-${run.id}`} className={`run-${run.outcome ?? 'live'}`}>
        <td>{run.id}</td>
        <td>{run.lane}</td>
        <td>{formatDateTime(run.startedAt)}</td>
        <td>{run.endedAt ? formatDuration(run.endedAt - run.startedAt) : 'running'}</td>
        <td>
          <span className={`outcome outcome-${run.outcome ?? 'live'}`}>{run.outcome ?? 'running'}</span>
        </td>
        <td
          title={run.outcome === 'lost' ? 'no exit status was recorded; not counted as a failure' : undefined}
        >
          {exitText(run)}
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
