// The signed-in user's account: who they are, a new password, personal access tokens.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import {
  usersCreateTokenMutation,
  usersReadMeOptions,
  usersReadTokensOptions,
  usersRevokeTokenMutation,
} from '../client/@tanstack/react-query.gen';
import { usersChangePassword } from '../client/sdk.gen';
import type { TokenPublic } from '../client/types.gen';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorText } from '../components/ErrorText';
import { SecretOnce } from '../components/SecretOnce';
import { TextField } from '../components/TextField';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { formatDateTime } from '../lib/format';
import { passwordChangeWarning } from '../lib/signUpPolicy';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function AccountPage() {
  useDocumentTitle('Account');
  const me = useQuery(usersReadMeOptions());
  return (
    <>
      <header className="page-header">
        <h1>Account</h1>
        {me.data && (
          <p className="muted">
            {me.data.username} · {me.data.email}
            {me.data.is_admin ? ' · administrator' : ''} · since{' '}
            {formatDateTime(me.data.created_at)}
          </p>
        )}
      </header>
      <ErrorText error={me.error} />
      <ChangePasswordForm />
      <AccessTokens />
    </>
  );
}

function ChangePasswordForm() {
  // The same query as the token list below: the warning counts what the change revokes.
  const tokens = useQuery(usersReadTokensOptions());
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  // Called without throwing so a wrong current password (401) is told apart from other errors.
  const change = useMutation<unknown, Record<string, string>>({
    mutationFn: async () => {
      const { error, response } = await usersChangePassword({
        body: { current_password: currentPassword, new_password: newPassword },
      });
      if (response.status === 401) throw { current_password: 'The current password is wrong.' };
      if (error !== undefined || !response.ok) {
        const fields = apiFieldErrors(error);
        throw Object.keys(fields).length > 0 ? fields : { form: apiErrorMessage(error) };
      }
      return null;
    },
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
    },
  });
  const errors = change.error ?? {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  return (
    <section className="panel" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <p className="muted" data-testid="password-change-warning">
        {passwordChangeWarning(tokens.data?.count)}
      </p>
      <form className="form-grid" onSubmit={submit} noValidate>
        <TextField
          id="password-current"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={setCurrentPassword}
          error={errors.current_password}
        />
        <TextField
          id="password-new"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters."
          value={newPassword}
          onChange={setNewPassword}
          error={errors.new_password}
        />
        <div className="field field-action">
          <button type="submit" className="primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
      <ErrorText error={errors.form ?? null} />
      {change.isSuccess && (
        <p className="ok-text" role="status">
          Password changed. Your other sessions were signed out and your personal access tokens
          revoked.
        </p>
      )}
    </section>
  );
}

function AccessTokens() {
  const tokens = useQuery(usersReadTokensOptions());
  const [name, setName] = useState('');
  const create = useMutation({ ...usersCreateTokenMutation(), onSuccess: () => setName('') });
  const fieldErrors = apiFieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ body: { name } });
  };
  return (
    <section className="panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Personal access tokens</h2>
      <p className="muted">
        For scripts and the CLI: send as <code>Authorization: Bearer &lt;token&gt;</code>. A token
        acts as you in every project you belong to.
      </p>
      <form className="form-grid" onSubmit={submit} noValidate>
        <TextField
          id="token-name"
          label="Token name"
          value={name}
          onChange={setName}
          maxLength={100}
          error={
            fieldErrors.name ??
            (create.error && !fieldErrors.name ? apiErrorMessage(create.error) : null)
          }
        />
        <div className="field field-action">
          <button type="submit" className="primary" disabled={create.isPending}>
            Create token
          </button>
        </div>
      </form>
      {create.data && (
        <SecretOnce
          id="token-secret"
          label={`New token “${create.data.name}”`}
          secret={create.data.token}
          onDismiss={() => create.reset()}
        />
      )}
      <ErrorText error={tokens.error} />
      {tokens.data && tokens.data.count === 0 && <p className="muted">No tokens.</p>}
      {tokens.data && tokens.data.count > 0 && <TokenTable tokens={tokens.data.data} />}
    </section>
  );
}

function TokenTable({ tokens }: { tokens: TokenPublic[] }) {
  return (
    <table className="data-table compact">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Starts with</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <TokenRow key={token.id} token={token} />
        ))}
      </tbody>
    </table>
  );
}

function TokenRow({ token }: { token: TokenPublic }) {
  const revoke = useMutation(usersRevokeTokenMutation());
  return (
    <tr>
      <td>{token.name}</td>
      <td>
        <code>{token.prefix}…</code>
      </td>
      <td className="nowrap">{formatDateTime(token.created_at)}</td>
      <td className="nowrap">
        {token.last_used_at ? formatDateTime(token.last_used_at) : 'never'}
      </td>
      <td className="actions">
        <ConfirmButton
          label="Revoke"
          ariaLabel={`Revoke token ${token.name}`}
          question={`Revoke “${token.name}”? Scripts using it stop working.`}
          confirmLabel="Revoke token"
          compact
          busy={revoke.isPending}
          onConfirm={() => revoke.mutate({ path: { token_id: token.id } })}
        />
        <ErrorText error={revoke.error} />
      </td>
    </tr>
  );
}
