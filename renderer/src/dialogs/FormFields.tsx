import type { InputHTMLAttributes, ReactNode } from 'react';

/**
 * The rows the dialogs' forms share (new task, recurring task, new profile, the drawer's edit form):
 * a labelled text field, the form's error line and its Cancel + submit buttons. Styling comes from
 * `.task-form label`, `.form-row label`, `.form-error` and `.modal-actions`.
 */

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>;

/** A text (or number) input under its label; `onChange` gets the new text. */
export function TextField({
  label,
  value,
  onChange,
  ...input
}: InputProps & { label: ReactNode; value: string; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}

/** Why the form was not sent, announced to screen readers; nothing when there is no message. */
export function FormError({ message, testId }: { message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

/** The dialog's closing row: a plain button that closes and the primary one that submits. */
export function FormActions({
  cancelLabel,
  onCancel,
  submitLabel,
  submitTestId,
  busy = false,
}: {
  cancelLabel: string;
  onCancel: () => void;
  submitLabel: string;
  submitTestId: string;
  /** While the request is under way: the submit button is disabled so it is not sent twice. */
  busy?: boolean;
}) {
  return (
    <div className="modal-actions">
      <button type="button" className="button" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button type="submit" className="button primary" disabled={busy} data-testid={submitTestId}>
        {submitLabel}
      </button>
    </div>
  );
}
