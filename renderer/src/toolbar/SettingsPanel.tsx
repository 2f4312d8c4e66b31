import { describeDispatcher } from '../../../shared/dispatch';
import { useBoard, useBoardContext } from '../store/context';
import { formatDateTime } from '../card/time';
import { RepositorySettings } from './RepositorySettings';
import { Modal } from '../dialogs/Modal';

/** Settings entry: what is wrong (problems from the core) and how the dispatcher is doing. */
export function SettingsPanel() {
  const { store } = useBoardContext();
  const open = useBoard((state) => state.settingsOpen);
  const problems = useBoard((state) => state.problems);
  const dispatcher = useBoard((state) => state.dispatcher);
  const board = useBoard((state) => state.board);
  if (!open) return null;
  const close = () => store.getState().setSettingsOpen(false);
  return (
    <Modal as="aside" className="settings" label="Settings" testId="settings-panel" onClose={close}>
      <h2>Settings</h2>
      <section>
        <h3>Problems</h3>
        {problems.length === 0 ? (
          <p className="muted">No problems found.</p>
        ) : (
          <ul className="problem-list">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </section>
      <RepositorySettings board={board} />
      {dispatcher && (
        <section>
          <h3>Dispatcher</h3>
          <dl className="facts">
            <dt>Dispatching</dt>
            <dd>{describeDispatcher(dispatcher).label}</dd>
            <dt>Stored switch</dt>
            <dd>{dispatcher.enabled ? 'on' : 'off'}</dd>
            <dt>Ticking here</dt>
            <dd>{dispatcher.active ? 'yes' : 'no'}</dd>
            <dt>Lease holder</dt>
            <dd>{dispatcher.leaseHolder ?? '—'}</dd>
            <dt>Global limit</dt>
            <dd>{dispatcher.globalMaxConcurrent} workers</dd>
            <dt>Last tick</dt>
            <dd>{dispatcher.lastTickAt ? formatDateTime(dispatcher.lastTickAt) : '—'}</dd>
            <dt>Board</dt>
            <dd>{board}</dd>
          </dl>
        </section>
      )}
      <p className="muted">
        Lanes, profiles, pause and concurrency live in the <strong>Lanes</strong> view. Profiles are folders
        in <code>profiles/</code> of the Switchyard home (<code>$SWITCHYARD_HOME</code>, else{' '}
        <code>~/.switchyard</code>).
      </p>
      <div className="modal-actions">
        <button
          type="button"
          className="button"
          onClick={() => {
            close();
            store.getState().setView('lanes');
          }}
        >
          Open the Lanes view
        </button>
        <button type="button" className="button primary" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
