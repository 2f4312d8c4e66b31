import { useState, type FormEvent } from 'react';
import { TASK_ID_PATTERN } from '../../../shared/domain';
import { useBoard, useBoardContext, useBoardIndex } from '../store/context';
import '../styles/dialogs.css';

type CreatableStatus = 'ready' | 'triage' | 'todo' | 'blocked';

/** New task form: title, body, assignee (with the known lanes offered), priority, parents. */
export function CreateTaskDialog() {
  const open = useBoard((state) => state.createOpen);
  return open ? <CreateTaskForm /> : null;
}

function CreateTaskForm() {
  const { store } = useBoardContext();
  const board = useBoard((state) => state.board);
  const laneNames = useBoard((state) => state.lanes);
  const { lanes } = useBoardIndex();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [assignee, setAssignee] = useState('');
  const [priority, setPriority] = useState('0');
  const [parents, setParents] = useState('');
  const [status, setStatus] = useState<CreatableStatus>('ready');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => store.getState().setCreateOpen(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parentIds = parents.split(/[\s,]+/).filter(Boolean);
    const badParent = parentIds.find((id) => !TASK_ID_PATTERN.test(id));
    if (!title.trim()) return setError('A title is required.');
    if (badParent) return setError(`“${badParent}” is not a task id (t_1a2b3c4d).`);
    const priorityNumber = Number(priority);
    if (!Number.isInteger(priorityNumber)) return setError('Priority must be a whole number.');
    setBusy(true);
    const task = await store.getState().run('createTask', {
      board,
      title: title.trim(),
      body,
      assignee: assignee.trim() ? assignee.trim().toLowerCase() : null,
      priority: priorityNumber,
      status,
      parents: parentIds,
    });
    setBusy(false);
    if (!task) return; // the toast says why
    store.getState().upsertTasks([task]);
    close();
  };

  const suggestions = [
    ...new Set([...Object.keys(laneNames), ...lanes.map((lane) => lane.key).filter(Boolean)]),
  ];
  return (
    <div className="modal-backdrop" onClick={close}>
      <form
        className="modal task-form"
        role="dialog"
        aria-modal="true"
        aria-label="New task"
        data-testid="create-task-form"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => event.key === 'Escape' && close()}
        onSubmit={(event) => void submit(event)}
      >
        <h2>New task</h2>
        <label>
          Title
          <input
            autoFocus
            name="title"
            value={title}
            maxLength={500}
            onChange={(e) => setTitle(e.target.value)}
          />
        </label>
        <label>
          Description (markdown)
          <textarea name="body" rows={6} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
        <div className="form-row">
          <label>
            Lane
            <input
              name="assignee"
              list="lane-suggestions"
              placeholder="unassigned"
              value={assignee}
              onChange={(e) => setAssignee(e.target.value)}
            />
            <datalist id="lane-suggestions">
              {suggestions.map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </label>
          <label>
            Priority
            <input
              name="priority"
              type="number"
              step={1}
              value={priority}
              onChange={(e) => setPriority(e.target.value)}
            />
          </label>
          <label>
            Start in
            <select
              name="status"
              value={status}
              onChange={(e) => setStatus(e.target.value as CreatableStatus)}
            >
              <option value="ready">ready</option>
              <option value="triage">triage</option>
              <option value="todo">todo</option>
              <option value="blocked">blocked</option>
            </select>
          </label>
        </div>
        <label>
          Parents (task ids, comma separated)
          <input
            name="parents"
            placeholder="t_1a2b3c4d, …"
            value={parents}
            onChange={(e) => setParents(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy} data-testid="create-task-submit">
            Create task
          </button>
        </div>
      </form>
    </div>
  );
}
