import { useEffect, useState, type FormEvent } from 'react';
import type { CallRequest } from '../../../shared/contract';
import type { Card } from '../../../shared/domain';
import { TextField } from '../dialogs/FormFields';
import { useBoard, useBoardContext } from '../store/context';

/**
 * Title, description, lane and priority; lane changes go through moveTask like a drag. `task` is
 * the board's card (the freshest copy); cards have no body, so `body` comes from taskDetail.
 */
export function EditTaskForm({ task, body: savedBody }: { task: Card; body: string }) {
  const { store } = useBoardContext();
  const lanes = useBoard((state) => state.lanes);
  const [title, setTitle] = useState(task.title);
  const [body, setBody] = useState(savedBody);
  const [assignee, setAssignee] = useState(task.assignee ?? '');
  const [priority, setPriority] = useState(String(task.priority));
  const [busy, setBusy] = useState(false);

  // Follow changes made elsewhere (CLI, a worker) unless the field is being edited here.
  useEffect(() => setTitle(task.title), [task.title]);
  useEffect(() => setBody(savedBody), [savedBody]);
  useEffect(() => setAssignee(task.assignee ?? ''), [task.assignee]);
  useEffect(() => setPriority(String(task.priority)), [task.priority]);

  const dirty =
    title !== task.title ||
    body !== savedBody ||
    (assignee.trim().toLowerCase() || null) !== task.assignee ||
    priority !== String(task.priority);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const request: CallRequest<'editTask'> = { id: task.id };
    if (title !== task.title) request.title = title;
    if (body !== savedBody) request.body = body;
    if (priority !== String(task.priority)) {
      const value = Number(priority);
      if (!Number.isInteger(value)) {
        store.getState().pushToast('warning', 'Priority must be a whole number');
        return;
      }
      request.priority = value;
    }
    setBusy(true);
    if (Object.keys(request).length > 1) {
      const updated = await store.getState().run('editTask', request);
      if (updated) store.getState().upsertTasks([updated]);
    }
    const nextAssignee = assignee.trim().toLowerCase() || null;
    if (nextAssignee !== task.assignee) await store.getState().moveTask(task.id, { assignee: nextAssignee });
    setBusy(false);
  };

  return (
    <form className="drawer-section edit-form" onSubmit={(event) => void save(event)} data-testid="edit-form">
      <input
        className="title-input"
        aria-label="Title"
        value={title}
        maxLength={500}
        onChange={(event) => setTitle(event.target.value)}
      />
      <textarea
        aria-label="Description"
        rows={Math.min(14, Math.max(3, body.split('\n').length + 1))}
        placeholder="Description (markdown)"
        value={body}
        onChange={(event) => setBody(event.target.value)}
      />
      <div className="form-row">
        <label>
          Lane
          <input
            list="drawer-lanes"
            placeholder="unassigned"
            value={assignee}
            data-testid="edit-assignee"
            onChange={(event) => setAssignee(event.target.value)}
          />
          <datalist id="drawer-lanes">
            {Object.keys(lanes).map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <TextField label="Priority" type="number" step={1} value={priority} onChange={setPriority} />
        <button type="submit" className="button primary" disabled={!dirty || busy} data-testid="edit-save">
          Save
        </button>
      </div>
    </form>
  );
}
