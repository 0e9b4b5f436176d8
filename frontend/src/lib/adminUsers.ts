// What the administrator's Users page offers for each account, mirroring the server's rules
// (backend/services/admin_users.py): never lose the last active administrator, never disable
// oneself. The server refuses anyway; the page says why before the click.
import type { UserAdminPublic } from '../client/types.gen';

export interface UserActions {
  /** null when allowed, else why not. */
  toggleAdmin: string | null;
  toggleDisabled: string | null;
}

export function activeAdminCount(users: ReadonlyArray<UserAdminPublic>): number {
  return users.filter((u) => u.is_admin && !u.is_disabled).length;
}

export function userActions(
  users: ReadonlyArray<UserAdminPublic>,
  user: UserAdminPublic,
  meId: number | undefined,
): UserActions {
  const lastActiveAdmin = user.is_admin && !user.is_disabled && activeAdminCount(users) <= 1;
  const lastAdminReason =
    'The last active administrator; make another account administrator first.';
  return {
    toggleAdmin: user.is_admin && lastActiveAdmin ? lastAdminReason : null,
    toggleDisabled: user.is_disabled
      ? null
      : user.id === meId
        ? 'You cannot disable your own account.'
        : lastActiveAdmin
          ? lastAdminReason
          : null,
  };
}
