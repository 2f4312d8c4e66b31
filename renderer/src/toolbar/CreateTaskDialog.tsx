import { useState, type FormEvent } from 'react';
import type { LaneStatus } from '../../../shared/dispatch';
import { TASK_ID_PATTERN } from '../../../shared/domain';
import { closestName } from '../../../shared/laneNames';
import { useBoard, useBoardContext, useBoardIndex } from '../store/context';
import { FormActions, FormError, TextField } from '../dialogs/FormFields';
import { Modal } from '../dialogs/Modal';

type CreatableStatus = 'ready' | 'triage' | 'todo' | 'blocked';

/** The picker's value for "a lane not in the list" (a slug can never contain a space). */
const NEW_LANE = ' new';

interface LaneGroup {
  label: string;
  names: string[];
}

/**
 * The lanes a new task can go to (issue 15: a free-text field let "Reviewr" pass as a new lane):
 * profiles, declared terminal lanes, then other lanes in use (undeclared terminal, broken).
 */
export function laneGroups(statuses: readonly LaneStatus[], inUse: readonly string[]): LaneGroup[] {
  const byName = new Map(statuses.map((lane) => [lane.name, lane]));
  const names = [...new Set([...byName.keys(), ...inUse])].sort();
  const groups: LaneGroup[] = [
    { label: 'Profiles — started by the dispatcher', names: [] },
    { label: 'Terminal lanes — declared, claimed by people', names: [] },
    { label: 'Other lanes in use', names: [] },
  ];
  for (const name of names) {
    const lane = byName.get(name);
    const group =
      lane?.kind === 'profile'
        ? groups[0]
        : lane?.kind === 'terminal' && lane.declared
          ? groups[1]
          : groups[2];
    group?.names.push(name);
  }
  return groups.filter((group) => group.names.length > 0);
}

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
  const [laneChoice, setLaneChoice] = useState('');
  const [newLane, setNewLane] = useState('');
  const assignee = laneChoice === NEW_LANE ? newLane : laneChoice;
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

  const groups = laneGroups(Object.values(laneNames), lanes.map((lane) => lane.key).filter(Boolean));
  const known = groups.flatMap((group) => group.names);
  const typed = newLane.trim().toLowerCase();
  const existing = laneChoice === NEW_LANE && known.includes(typed);
  const closest = laneChoice === NEW_LANE && typed && !existing ? closestName(typed, known) : null;
  return (
    <Modal
      as="form"
      className="task-form"
      label="New task"
      testId="create-task-form"
      onClose={close}
      onSubmit={(event) => void submit(event)}
    >
      <h2>New task</h2>
      <TextField label="Title" autoFocus name="title" maxLength={500} value={title} onChange={setTitle} />
      <label>
        Description (markdown)
        <textarea name="body" rows={6} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <div className="form-row">
        <label>
          Lane
          <select
            name="assignee"
            data-testid="create-lane"
            value={laneChoice}
            onChange={(e) => setLaneChoice(e.target.value)}
          >
            <option value="">unassigned</option>
            {groups.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.names.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </optgroup>
            ))}
            <option value={NEW_LANE}>New lane…</option>
          </select>
        </label>
        <TextField
          label="Priority"
          name="priority"
          type="number"
          step={1}
          value={priority}
          onChange={setPriority}
        />
        <label>
          Start in
          <select name="status" value={status} onChange={(e) => setStatus(e.target.value as CreatableStatus)}>
            <option value="ready">ready</option>
            <option value="triage">triage</option>
            <option value="todo">todo</option>
            <option value="blocked">blocked</option>
          </select>
        </label>
      </div>
      {laneChoice === NEW_LANE && (
        <div className="new-lane">
          <TextField
            label="New lane name"
            autoFocus
            name="new-lane"
            data-testid="create-new-lane"
            placeholder="e.g. reviewer"
            value={newLane}
            onChange={setNewLane}
          />
          {typed && (
            <p className="form-note" data-testid="new-lane-note">
              {existing ? (
                <>“{typed}” is a lane already.</>
              ) : (
                <>
                  “{typed}” will be a <strong>new terminal lane</strong>: no profile has this name, so nothing
                  starts it; its tasks wait for <code>switchyard claim</code>.
                  {closest && (
                    <>
                      {' '}
                      Did you mean{' '}
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => {
                          setLaneChoice(closest);
                          setNewLane('');
                        }}
                      >
                        {closest}
                      </button>
                      ?
                    </>
                  )}
                </>
              )}
            </p>
          )}
        </div>
      )}
      <TextField
        label="Parents (task ids, comma separated)"
        name="parents"
        placeholder="t_1a2b3c4d, …"
        value={parents}
        onChange={setParents}
      />
      <FormError message={error} />
      <FormActions
        cancelLabel="Cancel"
        onCancel={close}
        submitLabel="Create task"
        submitTestId="create-task-submit"
        busy={busy}
      />
    </Modal>
  );
}
