import { useState } from 'react';
import type { BoardState } from '../store/boardStore';
import { useBoardContext } from '../store/context';
import '../styles/dialogs.css';

/**
 * Whether the board has any task, remembered per tasks object: this selector runs on every store
 * update, and even a for-in that stops at the first key enumerates all keys of a 10,000-task
 * record first (bench "board": the hottest selector while 200 status events/s arrive).
 */
let lastTasks: BoardState['tasks'] | null = null;
let lastHasTasks = false;
function hasTasks(tasks: BoardState['tasks']): boolean {
  if (tasks !== lastTasks) {
    lastTasks = tasks;
    lastHasTasks = false;
    for (const _id in tasks) {
      lastHasTasks = true;
      break;
    }
  }
  return lastHasTasks;
}

/** First run: an empty board and no profile at all (docs/architecture.md §3 explains lanes and profiles). */
export function shouldShowFirstRun(state: BoardState): boolean {
  if (state.firstRunDismissed || state.loadState !== 'ready') return false;
  // Lanes first: a handful of them, and any profile settles it without looking at the tasks.
  if (Object.values(state.lanes).some((lane) => lane.kind === 'profile' || lane.kind === 'profile_broken')) {
    return false;
  }
  return !hasTasks(state.tasks);
}

export function FirstRun() {
  const { store } = useBoardContext();
  const [name, setName] = useState('shell');
  const [busy, setBusy] = useState(false);

  const createExample = async () => {
    setBusy(true);
    const lane = await store
      .getState()
      .run('createProfile', { name: name.trim().toLowerCase(), template: 'shell' });
    setBusy(false);
    if (!lane) return;
    store.getState().upsertLane(lane);
    store
      .getState()
      .pushToast('info', `Profile “${lane.name}” created. Give it a task: assign a card to ${lane.name}.`);
    store.getState().dismissFirstRun();
    store.getState().setCreateOpen(true);
  };

  return (
    <div className="first-run" data-testid="first-run">
      <h1>Welcome to Switchyard</h1>
      <p>
        Switchyard keeps your coding agents busy. Every card is a task; every row of the board is a{' '}
        <strong>lane</strong>— the assignee that does the work.
      </p>
      <ul>
        <li>
          A <strong>profile</strong> lane has a folder <code>profiles/&lt;name&gt;/profile.json</code> that
          says how to start an agent. The dispatcher starts it for ready tasks, up to the lane&apos;s limit.
        </li>
        <li>
          A <strong>terminal</strong> lane is any other name: nothing is started; a person or an outside agent
          pulls work with <code>switchyard claim</code>.
        </li>
        <li>
          Tasks without a lane stay <strong>unassigned</strong> and never start.
        </li>
      </ul>
      <form
        className="first-run-form"
        onSubmit={(event) => {
          event.preventDefault();
          void createExample();
        }}
      >
        <label>
          Profile name
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            data-testid="first-run-name"
          />
        </label>
        <button type="submit" className="button primary" disabled={busy} data-testid="first-run-create">
          Create an example shell profile
        </button>
        <button type="button" className="button" onClick={() => store.getState().dismissFirstRun()}>
          Show the empty board
        </button>
      </form>
    </div>
  );
}
