// The invitation form of administrators and of project owners: the address to invite (with the
// server's refusal beside it), any extra fields (a project role), and the link once made.
import type { FormEvent, ReactNode } from 'react';

import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { InvitationLink } from './InvitationLink';
import { TextField } from './TextField';

export function InvitationForm({
  id,
  email,
  onEmailChange,
  onSubmit,
  creation,
  children,
}: {
  id: string;
  email: string;
  onEmailChange: (email: string) => void;
  onSubmit: () => void;
  creation: {
    error: unknown;
    isPending: boolean;
    data?: { email: string; path: string; expires_at: string };
    reset: () => void;
  };
  children?: ReactNode;
}) {
  const fields = apiFieldErrors(creation.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <>
      <form className="form-grid" onSubmit={submit} noValidate>
        <TextField
          id={`${id}-email`}
          label="Email to invite"
          type="email"
          value={email}
          onChange={onEmailChange}
          maxLength={254}
          error={fields.email ?? (creation.error ? apiErrorMessage(creation.error) : null)}
        />
        {children}
        <div className="field field-action">
          <button
            type="submit"
            className="primary"
            disabled={creation.isPending || email.trim() === ''}
          >
            Create invitation
          </button>
        </div>
      </form>
      {creation.data && (
        <InvitationLink invitation={creation.data} onDismiss={() => creation.reset()} />
      )}
    </>
  );
}
