import { useEffect } from 'react';
import { useBoard, useBoardContext } from '../store/context';
import type { Toast } from '../store/boardStore';

const TOAST_MS = { info: 5_000, warning: 8_000, error: 12_000 } as const;
const UNDO_MS = 10_000;

/** Errors and notices, bottom right; each fades after a while or on a click. */
export function Toasts() {
  const toasts = useBoard((state) => state.toasts);
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  const { store } = useBoardContext();
  useEffect(() => {
    // A toast with Undo stays long enough to reach the button.
    const ms = toast.undo ? UNDO_MS : TOAST_MS[toast.level];
    const timer = setTimeout(() => store.getState().dismissToast(toast.id), ms);
    return () => clearTimeout(timer);
  }, [store, toast]);
  return (
    <div
      className={`toast toast-${toast.level}`}
      role={toast.level === 'error' ? 'alert' : 'status'}
      data-testid="toast"
    >
      <span className="toast-message">{toast.message}</span>
      {toast.undo && (
        <button
          type="button"
          className="link-button toast-undo"
          data-testid="toast-undo"
          onClick={() => {
            toast.undo?.();
            store.getState().dismissToast(toast.id);
          }}
        >
          Undo
        </button>
      )}
      {toast.taskId && (
        <button
          type="button"
          className="link-button"
          onClick={() => {
            store.getState().openTask(toast.taskId);
            store.getState().dismissToast(toast.id);
          }}
        >
          Open
        </button>
      )}
      <button
        type="button"
        className="icon-button"
        aria-label="Dismiss"
        onClick={() => store.getState().dismissToast(toast.id)}
      >
        ×
      </button>
    </div>
  );
}
