// Create an account (which signs in at once), then open the page that asked for it. Without an
// invitation link (?invitation=) the form is offered only where the server accepts it
// (MCUFORGE_SIGNUP=open, or the first account); with one, the account gets the invited address.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import {
  authReadInvitationOptions,
  authReadSignupPolicyOptions,
} from '../client/@tanstack/react-query.gen';
import { authSignUp } from '../client/sdk.gen';
import { ErrorText } from '../components/ErrorText';
import { TextField } from '../components/TextField';
import { signUpErrors } from '../lib/authErrors';
import { SIGN_IN_PATH, withNext } from '../lib/authRedirect';
import { signUpMode, whoInvites } from '../lib/signUpPolicy';
import { useAuthMutation } from '../lib/useAuthMutation';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function SignUpPage() {
  useDocumentTitle('Sign up');
  const [searchParams] = useSearchParams();
  const invitationToken = searchParams.get('invitation');
  const policy = useQuery(authReadSignupPolicyOptions());
  const mode = signUpMode(policy.data, invitationToken);
  const next = searchParams.get('next');

  return (
    <main id="main" className="auth-page">
      <section className="panel auth-panel" aria-labelledby="signup-heading">
        <p className="brand">mcuforge</p>
        <h1 id="signup-heading">Sign up</h1>
        {mode === 'loading' && <ErrorText error={policy.error} />}
        {mode === 'invitation-only' && (
          <p data-testid="signup-invitation-only">
            Accounts on this server are made by invitation. Ask {whoInvites(policy.data)} for an
            invitation link, then open it.
          </p>
        )}
        {mode === 'invited' && invitationToken && <InvitedSignUp token={invitationToken} />}
        {mode === 'open' && <SignUpForm invitationToken={null} />}
        <p className="muted">
          Already have an account? <Link to={withNext(SIGN_IN_PATH, next)}>Sign in</Link>
        </p>
      </section>
    </main>
  );
}

function InvitedSignUp({ token }: { token: string }) {
  const invitation = useQuery({ ...authReadInvitationOptions({ query: { token } }), retry: false });
  if (invitation.error) {
    return (
      <div data-testid="signup-invitation-invalid">
        <ErrorText error={invitation.error} />
        <p className="muted">Ask whoever invited you for a new link.</p>
      </div>
    );
  }
  if (!invitation.data) return <p className="muted">Checking the invitation…</p>;
  const { email, project_name: projectName, role } = invitation.data;
  return (
    <>
      <p data-testid="signup-invitation">
        You are invited as <strong>{email}</strong>
        {projectName ? (
          <>
            {' '}
            to join <strong>{projectName}</strong>
            {role ? ` as ${role}` : ''}
          </>
        ) : null}
        .
      </p>
      <SignUpForm invitationToken={token} />
    </>
  );
}

function SignUpForm({ invitationToken }: { invitationToken: string | null }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { mutation: signUp } = useAuthMutation(async () => {
    // With an invitation the server takes the invited address; none is sent.
    const body = invitationToken
      ? { username, password, invitation_token: invitationToken }
      : { username, email, password };
    const { data, error, response } = await authSignUp({ body });
    if (error !== undefined || !response.ok) throw signUpErrors(response.status, error);
    return data;
  });
  const errors = signUp.error;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signUp.mutate();
  };

  return (
    <form onSubmit={submit} noValidate>
      <TextField
        id="signup-username"
        label="Username"
        value={username}
        onChange={setUsername}
        autoComplete="username"
        autoFocus
        hint="3 to 40 characters."
        error={errors?.fields.username}
      />
      {invitationToken === null && (
        <TextField
          id="signup-email"
          label="Email"
          type="email"
          value={email}
          onChange={setEmail}
          autoComplete="email"
          error={errors?.fields.email}
        />
      )}
      <TextField
        id="signup-password"
        label="Password"
        type="password"
        value={password}
        onChange={setPassword}
        autoComplete="new-password"
        hint="At least 8 characters."
        error={errors?.fields.password}
      />
      <div className="button-row">
        <button type="submit" className="primary" disabled={signUp.isPending}>
          {signUp.isPending ? 'Creating account…' : 'Create account'}
        </button>
      </div>
      <ErrorText error={errors?.form ?? null} id="signup-form-error" />
    </form>
  );
}
