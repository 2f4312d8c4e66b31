import { useEffect, useState } from 'react';
import type { LaneStatus } from '../../../shared/dispatch';
import { SKIP_REASON_LABELS, type SkipReason } from '../../../shared/domain';
import { formatDuration, useNow } from '../card/time';
import { useBoard, useBoardContext, useBoardIndex } from '../store/context';
import { LANE_KIND_LABELS, laneKeyOf, laneTestId } from '../store/laneModel';
import { EMPTY_FILTER, needsReviewCount } from '../store/filter';
import { formatUsd } from '../../../shared/budget';
import { compareLaneRows } from '../../../shared/laneOrder';
import { LaneSpend } from './LaneSpend';
import { RecurrencesDialog } from './RecurrencesDialog';
import { NewProfileDialog, ProfileEditor } from './ProfileEditor';
import '../styles/lanes.css';

/** Per-lane status (docs/architecture.md §7): kind, profile validity and command, workers, queue, failures, settings. */
export function LaneStatusView() {
  const { store } = useBoardContext();
  const board = useBoard((state) => state.board);
  const lanes = useBoard((state) => state.lanes);
  const { lanes: boardLanes } = useBoardIndex();

  // Fresh figures when the view opens; events keep them current afterwards.
  useEffect(() => {
    let live = true;
    void store
      .getState()
      .run('laneStatuses', { board })
      .then((statuses) => {
        if (live && statuses) store.getState().replaceLanes(statuses);
      });
    return () => {
      live = false;
    };
  }, [store, board]);

  const names = [...new Set([...Object.keys(lanes), ...boardLanes.map((lane) => lane.key).filter(Boolean)])];
  const rows = names
    .map((name) => lanes[name] ?? null)
    .filter((lane): lane is LaneStatus => lane !== null)
    .sort(compareLaneRows);
  const undeclared = names.filter((name) => !lanes[name]);
  const [recurringOpen, setRecurringOpen] = useState(false);
  const [newProfileOpen, setNewProfileOpen] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);

  return (
    <div className="lane-view" data-testid="lane-view">
      <header className="lane-view-header">
        <h2>Lanes</h2>
        <span className="muted">
          {rows.length} {rows.length === 1 ? 'lane' : 'lanes'} · profile lanes are started by the dispatcher;
          terminal lanes wait for <code>switchyard claim</code>
        </span>
        <span className="lane-view-spend" data-testid="board-spend">
          spend {formatUsd(rows.reduce((sum, lane) => sum + lane.spentTodayUsd, 0))} today ·{' '}
          {formatUsd(rows.reduce((sum, lane) => sum + lane.spent7dUsd, 0))} in 7 days
        </span>
        <button
          type="button"
          className="small-button"
          data-testid="open-recurrences"
          onClick={() => setRecurringOpen(true)}
        >
          Recurring tasks…
        </button>
        <button
          type="button"
          className="small-button"
          data-testid="new-profile"
          onClick={() => setNewProfileOpen(true)}
        >
          New profile…
        </button>
      </header>
      {recurringOpen && <RecurrencesDialog onClose={() => setRecurringOpen(false)} />}
      {newProfileOpen && (
        <NewProfileDialog
          onClose={() => setNewProfileOpen(false)}
          onCreated={(name) => {
            setNewProfileOpen(false);
            setEditing(name);
          }}
        />
      )}
      {editing !== null && (
        <ProfileEditor key={editing} name={editing} onClose={() => setEditing(null)} onOpen={setEditing} />
      )}
      {rows.length === 0 && undeclared.length === 0 && (
        <p className="empty-state">No lanes yet. Assign a task to a name, or create a profile.</p>
      )}
      <div className="lane-table" role="table" aria-label="Lanes">
        {rows.length + undeclared.length > 0 && (
          <div className="lane-status-row lane-status-head" role="row">
            <span role="columnheader">Lane</span>
            <span role="columnheader">Command · problem</span>
            <span role="columnheader">Workers</span>
            <span role="columnheader">Ready queue</span>
            <span role="columnheader">Failures</span>
            <span role="columnheader">Spend · budget</span>
            <span role="columnheader">Pause · concurrency</span>
          </div>
        )}
        {rows.map((lane) => (
          <LaneStatusRow key={lane.name} lane={lane} onEditProfile={() => setEditing(lane.name)} />
        ))}
        {undeclared.map((name) => (
          <div key={name} className="lane-status-row" data-testid={`lane-status-${laneTestId(name)}`}>
            <div className="lane-status-name">
              {name} <span className="kind-badge kind-terminal">terminal</span>
            </div>
            <div className="muted">
              no profile of that name exists; tasks wait for <code>switchyard claim</code>
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

/** A queue chip's words: a terminal lane's ready tasks are not stuck, they wait for a claim. */
export function queueChipLabel(reason: string): string {
  if (reason === 'terminal_lane') return 'waiting for claim';
  return SKIP_REASON_LABELS[reason as SkipReason] ?? reason;
}

function LaneStatusRow({ lane, onEditProfile }: { lane: LaneStatus; onEditProfile: () => void }) {
  const { store } = useBoardContext();
  const now = useNow(1000);
  const [concurrency, setConcurrency] = useState(String(lane.maxConcurrent));
  useEffect(() => setConcurrency(String(lane.maxConcurrent)), [lane.maxConcurrent]);

  const update = async (promise: Promise<LaneStatus | null>) => {
    const updated = await promise;
    if (updated) store.getState().upsertLane(updated);
  };
  const saveConcurrency = () => {
    const value = Number(concurrency);
    if (!Number.isInteger(value) || value < 1 || value > 64) {
      store.getState().pushToast('warning', 'Concurrency must be a whole number from 1 to 64');
      setConcurrency(String(lane.maxConcurrent));
      return;
    }
    if (value !== lane.maxConcurrent) {
      void update(store.getState().run('setLaneConcurrency', { lane: lane.name, maxConcurrent: value }));
    }
  };
  const queued = Object.entries(lane.queuedBySkipReason).filter(([, count]) => count > 0);
  const reviews = useBoard((state) => needsReviewCount(state.changes, laneKeyOf(lane.name)));

  return (
    <div
      className={`lane-status-row kind-${lane.kind}${lane.paused ? ' lane-status-paused' : ''}`}
      role="row"
      data-testid={`lane-status-${laneTestId(lane.name)}`}
    >
      <div className="lane-status-name">
        {lane.name} <span className={`kind-badge kind-${lane.kind}`}>{LANE_KIND_LABELS[lane.kind]}</span>
        {lane.declared && <span className="muted"> declared</span>}
        {lane.paused && <span className="lane-paused-chip">paused</span>}
        {lane.description && (
          <div className="lane-description" data-testid="lane-description">
            {lane.description}
          </div>
        )}
      </div>
      <div className="lane-status-command">
        {lane.command ? <code>{lane.command.join(' ')}</code> : <span className="muted">no command</span>}
        {lane.completion && <span className="muted"> · completion: {lane.completion}</span>}
        {lane.problem && (
          <div className={lane.kind === 'profile_broken' ? 'problem' : 'muted'} data-testid="lane-problem">
            {lane.problem}
          </div>
        )}
        {lane.kind !== 'terminal' && (
          <div>
            <button
              type="button"
              className="link-button"
              data-testid={`edit-profile-${laneTestId(lane.name)}`}
              onClick={onEditProfile}
            >
              Edit profile…
            </button>
          </div>
        )}
      </div>
      <div className="lane-status-workers">
        {lane.kind === 'profile' ? (
          <>
            <strong>
              {lane.workerSlotsInUse}/{lane.maxConcurrent}
            </strong>{' '}
            workers running
          </>
        ) : lane.kind === 'terminal' ? (
          <span className={lane.running > 0 ? '' : 'muted'}>{lane.running} claimed</span>
        ) : (
          <span className="muted">never started until the profile is fixed</span>
        )}
        {lane.workers.map((worker) => (
          <div key={worker.runId} className="worker-row">
            <button
              type="button"
              className="link-button"
              onClick={() => store.getState().openTask(worker.taskId)}
            >
              {worker.taskId}
            </button>{' '}
            pid {worker.pid} · up {formatDuration(now - worker.startedAt)}
            {worker.stopping && ' · stopping'}
          </div>
        ))}
      </div>
      <div className="lane-status-queue">
        {queued.length === 0 ? (
          <span className="muted">queue empty</span>
        ) : (
          queued.map(([reason, count]) => (
            <span key={reason} className="queue-chip" title={reason}>
              {count} {queueChipLabel(reason)}
            </span>
          ))
        )}
        {reviews > 0 && (
          <button
            type="button"
            className="queue-chip review-chip"
            data-testid="lane-needs-review"
            title="Done tasks whose changes wait for a merge: show them on the board"
            onClick={() => {
              const state = store.getState();
              state.setFilter({ ...EMPTY_FILTER, needsReview: true, lane: laneKeyOf(lane.name) });
              state.setView('board');
            }}
          >
            {reviews} need{reviews === 1 ? 's' : ''} review
          </button>
        )}
      </div>
      <div className="lane-status-failures">
        {lane.failures > 0 ? (
          <span className="card-failures">✕{lane.failures} failures</span>
        ) : (
          <span className="muted">no failures</span>
        )}
        {lane.lastError && (
          <div className="problem" title={lane.lastError}>
            {lane.lastError}
          </div>
        )}
        {lane.nextRecurrenceAt ? (
          <div
            className="muted"
            data-testid={`lane-next-recurrence-${laneTestId(lane.name)}`}
            title="The next task a recurrence (switchyard recur) makes in this lane"
          >
            next recurring task {new Date(lane.nextRecurrenceAt).toLocaleString()}
          </div>
        ) : null}
      </div>
      <LaneSpend lane={lane} onUpdated={(updated) => store.getState().upsertLane(updated)} />
      <div className="lane-status-settings">
        <button
          type="button"
          className={`small-button${lane.paused ? ' active' : ''}`}
          aria-pressed={lane.paused}
          data-testid={`lane-status-pause-${laneTestId(lane.name)}`}
          onClick={() =>
            void update(store.getState().run('setLanePaused', { lane: lane.name, paused: !lane.paused }))
          }
        >
          {lane.paused ? 'Resume' : 'Pause'}
        </button>
        {/* Terminal lanes run no workers: there is no concurrency to set (issue 15). Pausing one
            stops claim --next from handing out its tasks. */}
        {lane.kind === 'terminal' ? (
          <span className="muted" title="A paused terminal lane hands out nothing to claim --next">
            {lane.paused ? 'claim --next refused' : 'claimed by people'}
          </span>
        ) : (
          <label className="concurrency">
            max
            <input
              type="number"
              min={1}
              max={64}
              value={concurrency}
              aria-label={`Concurrency of ${lane.name}`}
              data-testid={`lane-concurrency-${laneTestId(lane.name)}`}
              onChange={(event) => setConcurrency(event.target.value)}
              onBlur={saveConcurrency}
              onKeyDown={(event) => event.key === 'Enter' && saveConcurrency()}
            />
          </label>
        )}
      </div>
    </div>
  );
}
