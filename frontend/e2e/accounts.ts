// The accounts the end-to-end specs share: the workflow spec signs OWNER up through the UI (the
// first account, hence the administrator); other specs sign in as OWNER, through the API.
import { expect, type APIRequestContext } from '@playwright/test';

export const OWNER = {
  username: 'e2e-owner',
  email: 'owner@example.com',
  password: 'correct horse battery',
};

/**
 * Signs `request`'s browser context in as OWNER. A spec run on its own (`--no-deps`, on a fresh
 * server) creates OWNER first; in a full run the workflow spec has made it already.
 */
export async function signInAsOwner(request: APIRequestContext): Promise<void> {
  const signIn = await request.post('/api/auth/signin', {
    data: { username: OWNER.username, password: OWNER.password },
  });
  if (signIn.ok()) return;
  const signUp = await request.post('/api/auth/signup', { data: OWNER });
  expect(signUp.status(), await signUp.text()).toBe(201);
}

/** Headers for an unsafe API request: the CSRF cookie echoed, as the app does. */
export async function csrfHeaders(
  cookies: () => Promise<Array<{ name: string; value: string }>>,
): Promise<Record<string, string>> {
  const token = (await cookies()).find((cookie) => cookie.name === 'mcuforge_csrf')?.value;
  return token ? { 'X-CSRF-Token': decodeURIComponent(token) } : {};
}
