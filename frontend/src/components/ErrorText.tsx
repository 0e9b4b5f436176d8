// An API error shown next to the control that caused it, announced to screen readers.
import { apiErrorMessage } from '../lib/apiError';

interface ErrorTextProps {
  /** The error the generated client threw, or a sentence; nothing is shown for null. */
  error: unknown;
  id?: string;
}

export function ErrorText({ error, id }: ErrorTextProps) {
  if (error == null || error === '') return null;
  return (
    <p className="error-text" role="alert" id={id}>
      {typeof error === 'string' ? error : apiErrorMessage(error)}
    </p>
  );
}
