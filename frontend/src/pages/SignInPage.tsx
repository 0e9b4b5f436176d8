// Sign in (username or email + password), then back to the page that asked for it. The sign-up
// link shows only where signing up works without an invitation link.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { authReadSignupPolicyOptions } from '../client/@tanstack/react-query.gen';
import { authSignIn } from '../client/sdk.gen';
import { ErrorText } from '../components/ErrorText';
import { TextField } from '../components/TextField';
import { signInErrors, retryAfterSeconds } from '../lib/authErrors';
import { SIGN_UP_PATH, withNext } from '../lib/authRedirect';
import { showSignUpLink } from '../lib/signUpPolicy';
import { useAuthMutation } from '../lib/useAuthMutation';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function SignInPage() {
  useDocumentTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const policy = useQuery(authReadSignupPolicyOptions());
  const { mutation: signIn, next } = useAuthMutation(async () => {
    // Called without throwing so the status (401 wrong password, 429 rate limit) is at hand.
    const { data, error, response } = await authSignIn({ body: { username, password } });
    if (error !== undefined || !response.ok) {
      const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
      throw signInErrors(response.status, error, retryAfter);
    }
    return data;
  });
  const errors = signIn.error;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };

  return (
    <main id="main" className="auth-page">
      <section className="panel auth-panel" aria-labelledby="signin-heading">
        <p className="brand">mcuforge</p>
        <h1 id="signin-heading">Sign in</h1>
        <form onSubmit={submit} noValidate>
          <TextField
            id="signin-username"
            label="Username or email"
            value={username}
            onChange={setUsername}
            autoComplete="username"
            autoFocus
            error={errors?.fields.username}
          />
          <TextField
            id="signin-password"
            label="Password"
            type="password"
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
            error={errors?.fields.password}
          />
          <div className="button-row">
            <button type="submit" className="primary" disabled={signIn.isPending}>
              {signIn.isPending ? 'Signing in…' : 'Sign in'}
            </button>
          </div>
          <ErrorText error={errors?.form ?? null} id="signin-form-error" />
        </form>
        {showSignUpLink(policy.data) ? (
          <p className="muted">
            No account yet? <Link to={withNext(SIGN_UP_PATH, next)}>Sign up</Link>
          </p>
        ) : (
          policy.data && (
            <p className="muted">
              No account yet? Accounts are made by invitation: ask an administrator
              {policy.data.policy === 'invite' ? ' or a project owner' : ''}.
            </p>
          )
        )}
        <p className="muted">
          <Link to="/public">Browse public projects</Link>
        </p>
      </section>
    </main>
  );
}
