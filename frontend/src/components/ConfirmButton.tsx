// A destructive action that asks first, inline, with the safe choice focused.
import { useEffect, useRef, useState } from 'react';

interface ConfirmButtonProps {
  /** Text of the first button, e.g. "Delete". */
  label: string;
  /** The question asked before acting, e.g. "Delete project Keywords and its 12 samples?". */
  question: string;
  /** Text of the button that acts, e.g. "Delete project". */
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  /** Accessible name of the first button when its text alone is ambiguous (in a table row). */
  ariaLabel?: string;
  /** In a table row: the question is only read out, so the row does not grow. */
  compact?: boolean;
}

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  busy = false,
  ariaLabel,
  compact = false,
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    // Keyboard users land on "Cancel" when asked and back on the button when the question closes.
    if (asking) cancelRef.current?.focus();
    else if (wasAsking.current) openRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button
        type="button"
        className="danger-quiet"
        ref={openRef}
        aria-label={ariaLabel}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false);
      }}
    >
      <span className={compact ? 'visually-hidden' : 'confirm-question'}>{question}</span>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          onConfirm();
          setAsking(false);
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" ref={cancelRef} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
