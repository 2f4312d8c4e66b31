import { useState } from 'react';
import type { TaskDetail } from '../../../shared/contract';
import { TASK_ID_PATTERN, type Card } from '../../../shared/domain';
import { useBoardContext } from '../store/context';

/** Parents (with their state and result) and children; link and unlink by task id. */
export function Dependencies({
  task,
  detail,
  onChanged,
}: {
  task: Card;
  detail: TaskDetail | null;
  onChanged: () => void;
}) {
  const { store } = useBoardContext();
  const [otherId, setOtherId] = useState('');
  const parents = detail?.parents ?? [];
  const children = detail?.children ?? [];

  const link = async (role: 'parent' | 'child') => {
    const id = otherId.trim();
    if (!TASK_ID_PATTERN.test(id)) {
      store.getState().pushToast('warning', `“${id}” is not a task id (t_1a2b3c4d)`);
      return;
    }
    const request =
      role === 'parent' ? { parentId: id, childId: task.id } : { parentId: task.id, childId: id };
    const updated = await store.getState().run('linkTasks', request);
    if (!updated) return;
    store.getState().upsertTasks([updated]);
    setOtherId('');
    onChanged();
  };
  const unlink = async (parentId: string, childId: string) => {
    const updated = await store.getState().run('unlinkTasks', { parentId, childId });
    if (!updated) return;
    store.getState().upsertTasks([updated]);
    onChanged();
  };

  return (
    <section className="drawer-section" data-testid="drawer-dependencies">
      <h3>
        Dependencies{' '}
        {parents.length > 0 && (
          <span className="muted">
            ({parents.filter((parent) => parent.status === 'done').length}/{parents.length} parents done)
          </span>
        )}
      </h3>
      {parents.length === 0 && children.length === 0 && <p className="muted">None.</p>}
      <ul className="dep-list">
        {parents.map((parent) => (
          <li key={parent.id}>
            <span className="muted">parent</span>{' '}
            <button
              type="button"
              className="link-button"
              onClick={() => store.getState().openTask(parent.id)}
            >
              {parent.id}
            </button>{' '}
            {parent.title} <span className={`status-pill status-${parent.status}`}>{parent.status}</span>
            <button
              type="button"
              className="icon-button"
              aria-label={`Unlink parent ${parent.id}`}
              onClick={() => void unlink(parent.id, task.id)}
            >
              ×
            </button>
            {parent.result && <div className="dep-result">{parent.result}</div>}
          </li>
        ))}
        {children.map((childId) => (
          <li key={childId}>
            <span className="muted">child</span>{' '}
            <button type="button" className="link-button" onClick={() => store.getState().openTask(childId)}>
              {childId}
            </button>{' '}
            {store.getState().tasks[childId]?.title ?? ''}
            <button
              type="button"
              className="icon-button"
              aria-label={`Unlink child ${childId}`}
              onClick={() => void unlink(task.id, childId)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="action-row">
        <input
          aria-label="Task id to link"
          placeholder="t_1a2b3c4d"
          value={otherId}
          data-testid="link-id"
          onChange={(event) => setOtherId(event.target.value)}
        />
        <button
          type="button"
          className="small-button"
          data-testid="add-parent"
          onClick={() => void link('parent')}
        >
          Add parent
        </button>
        <button type="button" className="small-button" onClick={() => void link('child')}>
          Add child
        </button>
      </div>
    </section>
  );
}
