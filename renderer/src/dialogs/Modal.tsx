import {
  createElement,
  useEffect,
  useRef,
  type FocusEvent,
  type FormEvent,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
} from 'react';
import '../styles/dialogs.css';

/** What Tab may land on inside a dialog (disabled controls and tabindex="-1" are skipped). */
const TABBABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

export interface ModalProps {
  /** The accessible name: screen readers announce it and the e2e tests find the dialog by it. */
  label: string;
  testId: string;
  onClose: () => void;
  /** Classes beside `modal` (task-form, settings, profile-editor …). */
  className?: string;
  /** The dialog element itself: a `form` when the whole dialog is one form. */
  as?: 'div' | 'form' | 'aside';
  /** `alertdialog` for a question that interrupts (the confirmation). */
  role?: 'dialog' | 'alertdialog';
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  children: ReactNode;
}

/**
 * The one modal dialog: a backdrop that closes it on click, Escape closes it, Tab and Shift+Tab
 * stay inside it (focus dropped to the page comes back to it), and it is named for assistive technology (`aria-modal`, `aria-label`). On open it
 * takes focus unless a control inside already has it (autoFocus), so Escape works at once; on
 * close focus goes back to what had it before (the button that opened it).
 */
export function Modal({
  label,
  testId,
  onClose,
  className,
  as = 'div',
  role = 'dialog',
  onSubmit,
  children,
}: ModalProps) {
  const dialog = useRef<HTMLElement>(null);
  // Read during the first render, before autoFocus moves focus into the dialog.
  const opener = useRef(document.activeElement);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.contains(document.activeElement)) element.focus();
    return () => {
      // StrictMode runs this cleanup with the dialog still on the page: only a real close restores
      // focus, and only when nothing else took it (the dialog's removal leaves it on <body>).
      if (element?.isConnected) return;
      const focused = document.activeElement;
      if ((focused === null || focused === document.body) && opener.current instanceof HTMLElement)
        opener.current.focus();
    };
  }, []);

  // A control that gets disabled while focused (a submit button while its call runs) drops the
  // focus to the page, where Escape and Tab no longer reach the dialog: take it back. Only when
  // it went nowhere: not when another window or element took it.
  const onBlur = (event: FocusEvent<HTMLElement>) => {
    if (event.relatedTarget !== null) return;
    setTimeout(() => {
      const element = dialog.current;
      if (element?.isConnected && document.activeElement === document.body) element.focus();
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape') return onClose();
    if (event.key !== 'Tab' || !dialog.current) return;
    const tabbable = [...dialog.current.querySelectorAll<HTMLElement>(TABBABLE)];
    const first = tabbable[0];
    const last = tabbable[tabbable.length - 1];
    if (!first || !last) return event.preventDefault();
    const focused = document.activeElement;
    if (event.shiftKey && (focused === first || focused === dialog.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && focused === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      {createElement(
        as,
        {
          ref: dialog,
          className: className ? `modal ${className}` : 'modal',
          role,
          'aria-modal': true,
          'aria-label': label,
          'data-testid': testId,
          tabIndex: -1,
          onClick: (event: MouseEvent) => event.stopPropagation(),
          onKeyDown,
          onBlur,
          onSubmit,
        },
        children,
      )}
    </div>
  );
}
