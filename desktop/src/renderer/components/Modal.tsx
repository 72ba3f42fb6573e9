import { type ReactNode, useLayoutEffect, useRef } from 'react';

interface ModalProps {
  /** Says what the dialog edits: "Editar producto «Mate»", not "Nuevo". */
  title: string;
  onClose: () => void;
  wide?: boolean;
  children: ReactNode;
  testId?: string;
}

/**
 * A modal dialog (issue 13): opened with showModal so the page behind cannot be reached,
 * Escape closes it, focus moves to its first field (or whatever has autoFocus) and goes
 * back to where it was when it closes.
 */
export function Modal({ title, onClose, wide, children, testId }: ModalProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`modal-${Math.random().toString(36).slice(2)}`).current;
  const latestClose = useRef(onClose);
  latestClose.current = onClose;
  // Opened and focused before the frame is painted: a key pressed right after
  // lands here. Effects wait for the paint under preact/compat, which the renderer runs on.
  useLayoutEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    const first = element?.querySelector<HTMLElement>('[autofocus], input, select, textarea, button');
    first?.focus();
    return () => {
      if (element?.open) element.close();
      previous?.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      className={wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        latestClose.current();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
