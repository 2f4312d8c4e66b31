// @vitest-environment happy-dom
import { act, StrictMode, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, expect, it, vi } from 'vitest';
import { Modal } from './Modal';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | null = null;
afterEach(() => {
  act(() => root?.unmount());
  root = null;
  document.body.innerHTML = '';
});

/** An "Open" button and, while open, a dialog with a field (autoFocus when asked) and two buttons. */
function Harness({ onClose, autoFocus = false }: { onClose: () => void; autoFocus?: boolean }) {
  const [open, setOpen] = useState(false);
  const close = () => {
    onClose();
    setOpen(false);
  };
  return (
    <>
      <button data-testid="opener" onClick={() => setOpen(true)}>
        Open
      </button>
      {open && (
        <Modal label="Example" testId="example" onClose={close}>
          <input data-testid="field" autoFocus={autoFocus} />
          <button disabled>Disabled</button>
          <button data-testid="last">Close</button>
        </Modal>
      )}
    </>
  );
}

async function mount(autoFocus = false) {
  const onClose = vi.fn();
  const container = document.body.appendChild(document.createElement('div'));
  await act(async () => {
    root = createRoot(container);
    // StrictMode runs effects twice, as the app does (renderer/src/main.tsx).
    root.render(
      <StrictMode>
        <Harness onClose={onClose} autoFocus={autoFocus} />
      </StrictMode>,
    );
  });
  const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const opener = byTestId('opener')!;
  opener.focus();
  await act(async () => opener.click());
  const key = async (target: Element, key: string, shiftKey = false) => {
    const event = new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true });
    await act(async () => target.dispatchEvent(event));
    return event.defaultPrevented;
  };
  return { onClose, byTestId, opener, key };
}

it('is a named modal dialog that takes focus on open and gives it back on close', async () => {
  const { byTestId, opener, key, onClose } = await mount();
  const dialog = byTestId('example')!;
  expect(dialog.getAttribute('role')).toBe('dialog');
  expect(dialog.getAttribute('aria-modal')).toBe('true');
  expect(dialog.getAttribute('aria-label')).toBe('Example');
  expect(dialog.className).toBe('modal');
  // Nothing inside asked for focus: the dialog has it, so Escape works before any click.
  expect(document.activeElement).toBe(dialog);
  await key(dialog, 'Escape');
  expect(onClose).toHaveBeenCalledTimes(1);
  expect(byTestId('example')).toBeNull();
  expect(document.activeElement).toBe(opener);
});

it('leaves focus where autoFocus put it', async () => {
  const { byTestId } = await mount(true);
  expect(document.activeElement).toBe(byTestId('field'));
});

it('closes on a click on the backdrop, not on a click inside', async () => {
  const { byTestId, onClose } = await mount();
  await act(async () => byTestId('field')!.click());
  expect(onClose).not.toHaveBeenCalled();
  await act(async () => byTestId('example')!.parentElement!.click());
  expect(onClose).toHaveBeenCalledTimes(1);
});

it('keeps Tab inside: past the last control to the first, Shift+Tab from the first to the last', async () => {
  const { byTestId, key } = await mount(true);
  const field = byTestId('field')!;
  const last = byTestId('last')!;
  last.focus();
  expect(await key(last, 'Tab')).toBe(true);
  expect(document.activeElement).toBe(field);
  expect(await key(field, 'Tab', true)).toBe(true);
  expect(document.activeElement).toBe(last);
  // In between, the browser moves focus as usual.
  field.focus();
  expect(await key(field, 'Tab')).toBe(false);
});
