import { useEffect, useRef } from 'react';
import { Modal } from '../dialogs/Modal';
import { useBoard, useBoardContext } from '../store/context';

/** The one confirmation dialog (stopping a worker, archiving …), driven by store.askConfirm. */
export function ConfirmDialog() {
  const { store } = useBoardContext();
  const confirm = useBoard((state) => state.confirm);
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirm) ok.current?.focus();
  }, [confirm]);
  if (!confirm) return null;
  return (
    <Modal
      role="alertdialog"
      className="confirm"
      label="Confirm"
      testId="confirm-dialog"
      onClose={() => store.getState().answerConfirm(false)}
    >
      <p>{confirm.message}</p>
      <div className="modal-actions">
        <button type="button" className="button" onClick={() => store.getState().answerConfirm(false)}>
          Cancel
        </button>
        <button
          ref={ok}
          type="button"
          className="button danger"
          data-testid="confirm-ok"
          onClick={() => store.getState().answerConfirm(true)}
        >
          {confirm.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
