// Where an unauthenticated browser is sent (sign-in, remembering the page) and back again after.

export const SIGN_IN_PATH = '/signin';
export const SIGN_UP_PATH = '/signup';
export const RESET_PASSWORD_PATH = '/reset-password';
export const PUBLIC_PROJECTS_PATH = '/public';
const AUTH_PAGES: ReadonlyArray<string> = [SIGN_IN_PATH, SIGN_UP_PATH, RESET_PASSWORD_PATH];
// Pages anyone may look at: a 401 there is shown in place (with a sign-in link), not redirected.
const ANONYMOUS_PAGES: ReadonlyArray<string> = [...AUTH_PAGES, PUBLIC_PROJECTS_PATH];
const DEFAULT_AFTER_SIGN_IN = '/projects';

// A 401 from these means "wrong password" (or "not signed in yet"), not "session expired".
const NO_REDIRECT_API_PATHS: ReadonlyArray<string> = [
  '/api/auth/signin',
  '/api/auth/signup',
  '/api/auth/signout',
  '/api/users/me/password',
];

export function isAuthPage(pathname: string): boolean {
  return AUTH_PAGES.includes(pathname);
}

/** Whether a response should send the browser to the sign-in page. */
export function shouldRedirectToSignIn(status: number, requestUrl: string, pagePath: string) {
  if (status !== 401 || ANONYMOUS_PAGES.includes(pagePath)) return false;
  const apiPath = new URL(requestUrl, 'http://placeholder').pathname;
  return !NO_REDIRECT_API_PATHS.includes(apiPath);
}

/** "/signin?next=%2Fprojects%2F3%2Fdata" for the page the user was on. */
export function signInPath(location: { pathname: string; search?: string; hash?: string }) {
  const here = `${location.pathname}${location.search ?? ''}${location.hash ?? ''}`;
  if (isAuthPage(location.pathname) || here === '/' || here === DEFAULT_AFTER_SIGN_IN) {
    return SIGN_IN_PATH;
  }
  return `${SIGN_IN_PATH}?next=${encodeURIComponent(here)}`;
}

/**
 * The page to open after signing in: `next` when it is a path of this app, else the projects.
 * A `next` pointing elsewhere ("//evil.example", "https://…") would make the sign-in page an open
 * redirect, so it is ignored.
 */
export function afterSignInPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  const pathname = next.split(/[?#]/)[0] ?? '';
  return isAuthPage(pathname) ? DEFAULT_AFTER_SIGN_IN : next;
}

/** `path` (the other auth page) keeping the page to open afterwards in ?next=. */
export function withNext(path: string, next: string | null): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}
