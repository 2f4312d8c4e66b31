import { useState } from 'react';
import type { Card, Task } from '../../../shared/domain';
import { useBoardContext } from '../store/context';

type Pending = 'block' | 'complete' | 'followup' | null;

/**
 * Stop, retry now, block (with a reason), unblock, complete (with a summary), send a follow-up to the
 * agent of a done or blocked task (docs/architecture.md §10), archive.
 */
export function DrawerActions({ task, onChanged }: { task: Card; onChanged: () => void }) {
  const { store } = useBoardContext();
  const [pending, setPending] = useState<Pending>(null);
  const [text, setText] = useState('');
  /** Opens the form of an action that takes a text (block, complete, follow-up), empty. */
  const ask = (action: Pending) => {
    setPending(action);
    setText('');
  };

  const apply = (updated: Task | null) => {
    if (!updated) return false;
    store.getState().upsertTasks([updated]);
    onChanged();
    return true;
  };

  const stop = async () => {
    const ok = await store
      .getState()
      .askConfirm(`Stop the worker of “${task.title}”? The task will be blocked.`, 'Stop');
    if (ok) apply(await store.getState().run('stopTask', { id: task.id }));
  };
  const archive = async () => {
    const ok = await store.getState().askConfirm(`Archive “${task.title}”? It leaves the board.`, 'Archive');
    if (!ok) return;
    const updated = await store.getState().run('archiveTask', { id: task.id });
    if (updated) {
      store.getState().upsertTasks([updated]);
      store.getState().openTask(null);
    }
  };
  const submitPending = async () => {
    if (pending === 'block') {
      if (!text.trim()) return store.getState().pushToast('warning', 'Say why the task is blocked');
      if (apply(await store.getState().run('blockTask', { id: task.id, reason: text.trim() })))
        setPending(null);
    } else if (pending === 'complete') {
      const request = text.trim() ? { id: task.id, summary: text.trim() } : { id: task.id };
      if (apply(await store.getState().run('completeTask', request))) setPending(null);
    } else if (pending === 'followup') {
      if (!text.trim()) return store.getState().pushToast('warning', 'Write the follow-up for the agent');
      if (apply(await store.getState().run('followupTask', { id: task.id, text: text.trim() })))
        setPending(null);
    }
  };

  const canRetry =
    task.status === 'blocked' ||
    (task.status === 'ready' && (task.skipReason === 'backoff' || task.failureCount > 0));
  return (
    <section className="drawer-section drawer-actions" data-testid="drawer-actions">
      <div className="action-row">
        {task.status === 'running' && (
          <button
            type="button"
            className="button danger"
            data-testid="action-stop"
            onClick={() => void stop()}
          >
            Stop
          </button>
        )}
        {task.skipReason === 'awaiting_approval' && (
          <button
            type="button"
            className="button primary"
            data-testid="action-approve"
            onClick={async () => apply(await store.getState().run('approveTask', { id: task.id }))}
          >
            Approve
          </button>
        )}
        {canRetry && (
          <button
            type="button"
            className="button"
            data-testid="action-retry"
            onClick={async () => apply(await store.getState().run('retryTask', { id: task.id }))}
          >
            Retry now
          </button>
        )}
        {task.status === 'blocked' ? (
          <button
            type="button"
            className="button"
            data-testid="action-unblock"
            onClick={async () => apply(await store.getState().run('unblockTask', { id: task.id }))}
          >
            Unblock
          </button>
        ) : (
          task.status !== 'done' && (
            <button type="button" className="button" data-testid="action-block" onClick={() => ask('block')}>
              Block…
            </button>
          )
        )}
        {task.status !== 'done' && (
          <button
            type="button"
            className="button"
            data-testid="action-complete"
            onClick={() => ask('complete')}
          >
            Complete…
          </button>
        )}
        {(task.status === 'done' || task.status === 'blocked') && (
          <button
            type="button"
            className="button"
            data-testid="action-followup"
            title="Send the task back to its agent with more to do: Claude Code and Codex resume their session"
            onClick={() => ask('followup')}
          >
            Send follow-up…
          </button>
        )}
        <button type="button" className="button" data-testid="action-archive" onClick={() => void archive()}>
          Archive
        </button>
      </div>
      {pending && (
        <form
          className="action-form"
          onSubmit={(event) => {
            event.preventDefault();
            void submitPending();
          }}
        >
          <textarea
            autoFocus
            rows={2}
            aria-label={PENDING_TEXT[pending].label}
            data-testid="action-text"
            placeholder={PENDING_TEXT[pending].placeholder}
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
          <div className="action-row">
            <button type="submit" className="button primary" data-testid="action-submit">
              {PENDING_TEXT[pending].submit}
            </button>
            <button type="button" className="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

const PENDING_TEXT: Record<NonNullable<Pending>, { label: string; placeholder: string; submit: string }> = {
  block: { label: 'Reason', placeholder: 'Why is it blocked? (required)', submit: 'Block' },
  complete: { label: 'Summary', placeholder: 'Summary of the result (optional)', submit: 'Mark done' },
  followup: {
    label: 'Follow-up',
    placeholder: 'What should the agent do next? (its session is resumed when it can be)',
    submit: 'Send follow-up',
  },
};
