import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Recurrence } from '../../../shared/recurrence';
import { useBoard, useBoardContext } from '../store/context';
import { FormActions, FormError, TextField } from '../dialogs/FormFields';
import { Modal } from '../dialogs/Modal';

/**
 * Recurring tasks of the board (issue 16): each template with its schedule, time zone, lane, next
 * run and last outcome; pause, resume and remove; and a form to add one. The core makes the tasks.
 */
export function RecurrencesDialog({ onClose }: { onClose: () => void }) {
  const { store } = useBoardContext();
  const board = useBoard((state) => state.board);
  const [items, setItems] = useState<Recurrence[] | null>(null);
  const [title, setTitle] = useState('');
  const [lane, setLane] = useState('');
  const [schedule, setSchedule] = useState('0 9 * * 1-5');
  const [timeZone, setTimeZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [skipIfOpen, setSkipIfOpen] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    const list = await store.getState().run('listRecurrences', { board });
    if (list) setItems(list);
    // The lane view shows each lane's next recurring task.
    const lanes = await store.getState().run('laneStatuses', { board });
    if (lanes) store.getState().replaceLanes(lanes);
  }, [store, board]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!title.trim()) return setError('A title is required.');
    if (!schedule.trim()) return setError('A schedule is required (cron, e.g. 0 9 * * 1-5).');
    setError(null);
    setBusy(true);
    const added = await store.getState().run('addRecurrence', {
      board,
      title: title.trim(),
      lane: lane.trim() ? lane.trim().toLowerCase() : null,
      schedule: schedule.trim(),
      timeZone: timeZone.trim(),
      skipIfOpen,
    });
    setBusy(false);
    if (!added) return; // the toast says why
    setTitle('');
    await refresh();
  };

  const act = async (work: Promise<unknown>) => {
    await work;
    await refresh();
  };

  return (
    <Modal
      className="task-form recurrences-dialog"
      label="Recurring tasks"
      testId="recurrences-dialog"
      onClose={onClose}
    >
      <h2>Recurring tasks</h2>
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">None yet on this board.</p>
      ) : (
        <ul className="recurrence-list">
          {items.map((item) => (
            <li key={item.id} data-testid={`recurrence-${item.id}`}>
              <div>
                <strong>{item.title}</strong> <span className="muted">{item.lane ?? 'unassigned'}</span>
              </div>
              <div className="muted">
                <code>{item.schedule}</code> {item.timeZone}
                {item.skipIfOpen && ' · skips while the last one is open'} ·{' '}
                {item.paused
                  ? 'paused'
                  : `next ${item.nextRunAt ? new Date(item.nextRunAt).toLocaleString() : '—'}`}
                {item.lastOutcome && ` · last: ${item.lastOutcome}`}
              </div>
              <div className="modal-actions">
                <button
                  type="button"
                  className="small-button"
                  data-testid={`recurrence-pause-${item.id}`}
                  onClick={() =>
                    void act(
                      store.getState().run('setRecurrencePaused', { id: item.id, paused: !item.paused }),
                    )
                  }
                >
                  {item.paused ? 'Resume' : 'Pause'}
                </button>
                <button
                  type="button"
                  className="small-button"
                  data-testid={`recurrence-remove-${item.id}`}
                  onClick={() => void act(store.getState().run('removeRecurrence', { id: item.id }))}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(event) => void submit(event)} data-testid="recurrence-form">
        <h3>Add</h3>
        <TextField label="Title" name="title" maxLength={500} value={title} onChange={setTitle} />
        <div className="form-row">
          <TextField label="Lane" name="lane" placeholder="unassigned" value={lane} onChange={setLane} />
          <TextField label="Schedule (cron)" name="schedule" value={schedule} onChange={setSchedule} />
          <TextField label="Time zone" name="timeZone" value={timeZone} onChange={setTimeZone} />
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            name="skipIfOpen"
            checked={skipIfOpen}
            onChange={(e) => setSkipIfOpen(e.target.checked)}
          />{' '}
          Skip an occurrence while the task it made last is still open
        </label>
        <FormError message={error} />
        <FormActions
          cancelLabel="Close"
          onCancel={onClose}
          submitLabel="Add recurring task"
          submitTestId="recurrence-add"
          busy={busy}
        />
      </form>
    </Modal>
  );
}
