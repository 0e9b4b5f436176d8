// Who is signed in, with the way to the account page, the Users page (administrators) and to
// sign out (in the navigation).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, useNavigate } from 'react-router';

import { authSignOutMutation, usersReadMeOptions } from '../client/@tanstack/react-query.gen';
import { SIGN_IN_PATH } from '../lib/authRedirect';
import { ErrorText } from './ErrorText';

export function AccountMenu() {
  const me = useQuery(usersReadMeOptions());
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    ...authSignOutMutation(),
    onSuccess: async () => {
      queryClient.clear();
      await navigate(SIGN_IN_PATH, { replace: true });
    },
  });
  if (!me.data) {
    return me.isError ? (
      <div className="account-menu">
        <Link to={SIGN_IN_PATH}>Sign in</Link>
      </div>
    ) : null;
  }
  return (
    <section className="account-menu" aria-label="Account">
      <p className="account-name">
        Signed in as <strong data-testid="account-username">{me.data.username}</strong>
        {me.data.is_admin && <span className="badge">admin</span>}
      </p>
      <ul>
        <li>
          <NavLink to="/account">Account and tokens</NavLink>
        </li>
        {me.data.is_admin && (
          <li>
            <NavLink to="/admin/users">Users</NavLink>
          </li>
        )}
        <li>
          <button
            type="button"
            className="link-button"
            disabled={signOut.isPending}
            onClick={() => signOut.mutate({})}
          >
            {signOut.isPending ? 'Signing out…' : 'Sign out'}
          </button>
        </li>
      </ul>
      <ErrorText error={signOut.error} />
    </section>
  );
}
