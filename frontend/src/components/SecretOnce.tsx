// A secret (API key, access token, invitation or reset link) the server shows only once: read-only field and a copy button.
import { useState } from 'react';

interface SecretOnceProps {
  id: string;
  label: string;
  secret: string;
  onDismiss: () => void;
  /** What to do with it, said after "shown only this once" (e.g. "send it to them"). */
  note?: string;
}

export function SecretOnce({ id, label, secret, onDismiss, note }: SecretOnceProps) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // Clipboard access needs a secure context and permission; the field can still be selected.
      setCopied('failed');
    }
  };
  return (
    <div className="secret-once" role="status">
      <label htmlFor={id}>{label}</label>
      <p className="hint" id={`${id}-hint`}>
        Copy it now: it is shown only this once.{note ? ` ${note}` : ''}
      </p>
      <div className="button-row">
        <input
          id={id}
          className="secret-value"
          readOnly
          value={secret}
          aria-describedby={`${id}-hint`}
          onFocus={(event) => event.target.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDismiss}>
          Done
        </button>
      </div>
      {copied === 'yes' && <span className="ok-text">Copied to the clipboard.</span>}
      {copied === 'failed' && (
        <span className="error-text">The browser refused the clipboard; select the text.</span>
      )}
    </div>
  );
}
