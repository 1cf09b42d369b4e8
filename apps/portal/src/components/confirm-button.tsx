import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A button for something that cannot be undone: the first press asks, the second does it.
 * Inline rather than `window.confirm`, so it is styled, keyboard-reachable and testable.
 */
export function ConfirmButton({
  children,
  question,
  onConfirm,
  disabled = false,
  className = 'danger',
}: {
  readonly children: ReactNode;
  readonly question: string;
  readonly onConfirm: () => void;
  readonly disabled?: boolean;
  readonly className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className={className} disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        ref={confirm}
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
