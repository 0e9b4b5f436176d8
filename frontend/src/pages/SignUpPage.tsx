// Create an account (which signs in at once), then open the page that asked for it.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { authSignUp } from '../client/sdk.gen';
import { ErrorText } from '../components/ErrorText';
import { TextField } from '../components/TextField';
import { signUpErrors } from '../lib/authErrors';
import { SIGN_IN_PATH, withNext } from '../lib/authRedirect';
import { useAuthMutation } from '../lib/useAuthMutation';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function SignUpPage() {
  useDocumentTitle('Sign up');
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { mutation: signUp, next } = useAuthMutation(async () => {
    const { data, error, response } = await authSignUp({ body: { username, email, password } });
    if (error !== undefined || !response.ok) throw signUpErrors(response.status, error);
    return data;
  });
  const errors = signUp.error;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signUp.mutate();
  };

  return (
    <main id="main" className="auth-page">
      <section className="panel auth-panel" aria-labelledby="signup-heading">
        <p className="brand">mcuforge</p>
        <h1 id="signup-heading">Sign up</h1>
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
          <TextField
            id="signup-email"
            label="Email"
            type="email"
            value={email}
            onChange={setEmail}
            autoComplete="email"
            error={errors?.fields.email}
          />
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
        <p className="muted">
          Already have an account? <Link to={withNext(SIGN_IN_PATH, next)}>Sign in</Link>
        </p>
      </section>
    </main>
  );
}
