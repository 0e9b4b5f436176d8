// Set a new password with the single-use link an administrator handed over (?token=). Every
// browser session and personal access token of the account is revoked; then sign in.
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { authResetPassword } from '../client/sdk.gen';
import { ErrorText } from '../components/ErrorText';
import { TextField } from '../components/TextField';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { SIGN_IN_PATH } from '../lib/authRedirect';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function ResetPasswordPage() {
  useDocumentTitle('Set a new password');
  const [searchParams] = useSearchParams();
  const token = searchParams.get('token') ?? '';
  const [password, setPassword] = useState('');
  const reset = useMutation<unknown, Record<string, string>>({
    mutationFn: async () => {
      const { error, response } = await authResetPassword({
        body: { token, new_password: password },
      });
      if (error !== undefined || !response.ok) {
        const fields = apiFieldErrors(error);
        throw fields.new_password ? fields : { form: apiErrorMessage(error) };
      }
      return null;
    },
  });
  const errors = reset.error ?? {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reset.mutate();
  };
  return (
    <main id="main" className="auth-page">
      <section className="panel auth-panel" aria-labelledby="reset-heading">
        <p className="brand">mcuforge</p>
        <h1 id="reset-heading">Set a new password</h1>
        {!token && (
          <ErrorText error="This page needs the whole reset link an administrator gave you." />
        )}
        {reset.isSuccess ? (
          <p className="ok-text" role="status" data-testid="reset-done">
            Password set. Every other session and personal access token of the account was revoked.{' '}
            <Link to={SIGN_IN_PATH}>Sign in</Link>
          </p>
        ) : (
          token && (
            <form onSubmit={submit} noValidate>
              <TextField
                id="reset-password"
                label="New password"
                type="password"
                value={password}
                onChange={setPassword}
                autoComplete="new-password"
                autoFocus
                hint="At least 8 characters. Your sessions and personal access tokens are revoked."
                error={errors.new_password}
              />
              <div className="button-row">
                <button type="submit" className="primary" disabled={reset.isPending}>
                  {reset.isPending ? 'Setting…' : 'Set password'}
                </button>
              </div>
              <ErrorText error={errors.form ?? null} id="reset-form-error" />
            </form>
          )
        )}
      </section>
    </main>
  );
}
