// The administrator's Users page: every account (disable, enable, make or unmake administrator,
// a password reset link), an account made directly, invitations (the link shown once) and the
// pending ones. The server sends no e-mail: the administrator copies each link and sends it.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import {
  adminInvitationsCreateInvitationMutation,
  adminInvitationsReadInvitationsOptions,
  adminInvitationsRevokeInvitationMutation,
  adminUsersCreatePasswordResetMutation,
  adminUsersCreateUserMutation,
  adminUsersReadUsersOptions,
  adminUsersUpdateUserMutation,
  usersReadMeOptions,
} from '../client/@tanstack/react-query.gen';
import type { InvitationPublic, UserAdminPublic } from '../client/types.gen';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorText } from '../components/ErrorText';
import { SecretOnce } from '../components/SecretOnce';
import { InvitationForm } from '../components/InvitationForm';
import { TextField } from '../components/TextField';
import { userActions } from '../lib/adminUsers';
import { apiFieldErrors } from '../lib/apiError';
import { formatDateTime } from '../lib/format';
import { linkFromPath } from '../lib/signUpPolicy';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export const ADMIN_USERS_PATH = '/admin/users';

export function AdminUsersPage() {
  useDocumentTitle('Users');
  const users = useQuery(adminUsersReadUsersOptions());
  const me = useQuery(usersReadMeOptions());
  return (
    <>
      <header className="page-header">
        <h1>Users</h1>
        <p className="muted">
          Accounts of this server. Disabling an account signs it out everywhere and revokes its
          personal access tokens; the API keys it made stay with their projects.
        </p>
      </header>
      <ErrorText error={users.error} />
      {users.data && (
        <section className="panel" aria-labelledby="users-heading">
          <h2 id="users-heading">Accounts</h2>
          <table className="data-table compact users-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Email</th>
                <th scope="col">Administrator</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.data.map((user) => (
                <UserRow key={user.id} user={user} users={users.data.data} meId={me.data?.id} />
              ))}
            </tbody>
          </table>
        </section>
      )}
      <CreateUserForm />
      <Invitations />
    </>
  );
}

function UserRow({
  user,
  users,
  meId,
}: {
  user: UserAdminPublic;
  users: UserAdminPublic[];
  meId: number | undefined;
}) {
  const update = useMutation(adminUsersUpdateUserMutation());
  const reset = useMutation(adminUsersCreatePasswordResetMutation());
  const allowed = userActions(users, user, meId);
  const path = { user_id: user.id };
  return (
    <tr>
      <th scope="row">{user.username}</th>
      <td>{user.email}</td>
      <td>{user.is_admin ? 'yes' : 'no'}</td>
      <td>{user.is_disabled ? 'disabled' : 'active'}</td>
      <td className="nowrap">{formatDateTime(user.created_at)}</td>
      <td className="nowrap">
        {user.last_sign_in_at ? formatDateTime(user.last_sign_in_at) : 'never'}
      </td>
      <td className="actions">
        <button
          type="button"
          disabled={update.isPending || allowed.toggleAdmin !== null}
          title={allowed.toggleAdmin ?? undefined}
          aria-label={`${user.is_admin ? 'Remove administrator' : 'Make administrator'}: ${user.username}`}
          onClick={() => update.mutate({ path, body: { is_admin: !user.is_admin } })}
        >
          {user.is_admin ? 'Remove admin' : 'Make admin'}
        </button>
        {user.is_disabled ? (
          <button
            type="button"
            disabled={update.isPending}
            aria-label={`Enable ${user.username}`}
            onClick={() => update.mutate({ path, body: { is_disabled: false } })}
          >
            Enable
          </button>
        ) : allowed.toggleDisabled === null ? (
          <ConfirmButton
            label="Disable"
            ariaLabel={`Disable ${user.username}`}
            question={`Disable ${user.username}? They are signed out everywhere and their personal access tokens are revoked.`}
            confirmLabel="Disable account"
            compact
            busy={update.isPending}
            onConfirm={() => update.mutate({ path, body: { is_disabled: true } })}
          />
        ) : (
          <button type="button" disabled title={allowed.toggleDisabled}>
            Disable
          </button>
        )}
        <button
          type="button"
          disabled={reset.isPending}
          aria-label={`Password reset link for ${user.username}`}
          onClick={() => reset.mutate({ path })}
        >
          Reset link
        </button>
        <ErrorText error={update.error ?? reset.error} />
        {reset.data && (
          <SecretOnce
            id={`reset-link-${user.id}`}
            label={`Password reset link for ${user.username} (until ${formatDateTime(reset.data.expires_at)})`}
            note="There is no e-mail: copy this link and send it to them. It works once; opening it lets them set a new password, which signs them out everywhere."
            secret={linkFromPath(window.location.origin, reset.data.path)}
            onDismiss={() => reset.reset()}
          />
        )}
      </td>
    </tr>
  );
}

function CreateUserForm() {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const create = useMutation({
    ...adminUsersCreateUserMutation(),
    onSuccess: () => {
      setUsername('');
      setEmail('');
      setPassword('');
      setIsAdmin(false);
    },
  });
  const fields = apiFieldErrors(create.error);
  const formError = create.error && Object.keys(fields).length === 0 ? create.error : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ body: { username, email, password, is_admin: isAdmin } });
  };
  return (
    <section className="panel" aria-labelledby="create-user-heading">
      <h2 id="create-user-heading">Create an account</h2>
      <p className="muted">Give the person their username and password yourself.</p>
      <form className="form-grid" onSubmit={submit} noValidate>
        <TextField
          id="new-user-username"
          label="Username"
          value={username}
          onChange={setUsername}
          maxLength={40}
          error={fields.username}
        />
        <TextField
          id="new-user-email"
          label="Email"
          type="email"
          value={email}
          onChange={setEmail}
          maxLength={254}
          error={fields.email}
        />
        <TextField
          id="new-user-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          hint="At least 8 characters."
          error={fields.password}
        />
        <div className="field field-check">
          <input
            id="new-user-admin"
            type="checkbox"
            checked={isAdmin}
            onChange={(event) => setIsAdmin(event.target.checked)}
          />
          <label htmlFor="new-user-admin">Administrator</label>
        </div>
        <div className="field field-action">
          <button type="submit" className="primary" disabled={create.isPending}>
            Create account
          </button>
        </div>
      </form>
      <ErrorText error={formError} />
      {create.isSuccess && (
        <p className="ok-text" role="status">
          Account {create.data.username} created.
        </p>
      )}
    </section>
  );
}

function Invitations() {
  const pending = useQuery(adminInvitationsReadInvitationsOptions());
  const [email, setEmail] = useState('');
  const create = useMutation({
    ...adminInvitationsCreateInvitationMutation(),
    onSuccess: () => setEmail(''),
  });
  return (
    <section className="panel" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <InvitationForm
        id="invitation"
        email={email}
        onEmailChange={setEmail}
        onSubmit={() => create.mutate({ body: { email } })}
        creation={create}
      />
      <ErrorText error={pending.error} />
      {pending.data && pending.data.count === 0 && <p className="muted">No pending invitations.</p>}
      {pending.data && pending.data.count > 0 && (
        <InvitationTable invitations={pending.data.data} />
      )}
    </section>
  );
}

function InvitationTable({ invitations }: { invitations: InvitationPublic[] }) {
  return (
    <table className="data-table compact invitations-table">
      <thead>
        <tr>
          <th scope="col">Email</th>
          <th scope="col">Project</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {invitations.map((invitation) => (
          <InvitationRow key={invitation.id} invitation={invitation} />
        ))}
      </tbody>
    </table>
  );
}

function InvitationRow({ invitation }: { invitation: InvitationPublic }) {
  const revoke = useMutation(adminInvitationsRevokeInvitationMutation());
  return (
    <tr>
      <th scope="row">{invitation.email}</th>
      <td>
        {invitation.project_id ? `#${invitation.project_id} (${invitation.role ?? 'viewer'})` : '—'}
      </td>
      <td className="nowrap">{formatDateTime(invitation.created_at)}</td>
      <td className="nowrap">{formatDateTime(invitation.expires_at)}</td>
      <td className="actions">
        <ConfirmButton
          label="Revoke"
          ariaLabel={`Revoke the invitation of ${invitation.email}`}
          question={`Revoke the invitation of ${invitation.email}? Its link stops working.`}
          confirmLabel="Revoke invitation"
          compact
          busy={revoke.isPending}
          onConfirm={() => revoke.mutate({ path: { invitation_id: invitation.id } })}
        />
        <ErrorText error={revoke.error} />
      </td>
    </tr>
  );
}
