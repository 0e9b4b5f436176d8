import { describe, expect, it } from 'vitest';

import type { UserAdminPublic } from '../client/types.gen';
import { activeAdminCount, userActions } from './adminUsers';

function user(id: number, fields: Partial<UserAdminPublic> = {}): UserAdminPublic {
  return {
    id,
    username: `u${id}`,
    email: `u${id}@example.org`,
    is_admin: false,
    is_disabled: false,
    created_at: '2026-12-01T00:00:00Z',
    last_sign_in_at: null,
    ...fields,
  };
}

describe('userActions', () => {
  it('keeps the last active administrator', () => {
    const admin = user(1, { is_admin: true });
    const users = [admin, user(2)];
    expect(userActions(users, admin, 2).toggleAdmin).toContain('last active administrator');
    expect(userActions(users, admin, 2).toggleDisabled).toContain('last active administrator');
    expect(userActions(users, users[1]!, 1)).toEqual({ toggleAdmin: null, toggleDisabled: null });
  });
  it('does not count a disabled administrator', () => {
    const admin = user(1, { is_admin: true });
    const disabledAdmin = user(2, { is_admin: true, is_disabled: true });
    expect(activeAdminCount([admin, disabledAdmin])).toBe(1);
    expect(userActions([admin, disabledAdmin], admin, 2).toggleAdmin).not.toBeNull();
    // Enabling is always possible; so is demoting a disabled administrator.
    expect(userActions([admin, disabledAdmin], disabledAdmin, 1)).toEqual({
      toggleAdmin: null,
      toggleDisabled: null,
    });
  });
  it('lets an administrator step down when another remains, but never disable themselves', () => {
    const me = user(1, { is_admin: true });
    const other = user(2, { is_admin: true });
    const actions = userActions([me, other], me, 1);
    expect(actions.toggleAdmin).toBeNull();
    expect(actions.toggleDisabled).toBe('You cannot disable your own account.');
  });
});
