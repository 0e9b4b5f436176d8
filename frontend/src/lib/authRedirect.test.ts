import { describe, expect, it } from 'vitest';

import { afterSignInPath, shouldRedirectToSignIn, signInPath, withNext } from './authRedirect';

describe('shouldRedirectToSignIn', () => {
  it('redirects a 401 from a project route', () => {
    expect(shouldRedirectToSignIn(401, 'http://x/api/projects/3', '/projects/3')).toBe(true);
  });
  it('ignores other statuses', () => {
    expect(shouldRedirectToSignIn(403, 'http://x/api/projects/3', '/projects/3')).toBe(false);
    expect(shouldRedirectToSignIn(200, 'http://x/api/projects', '/projects')).toBe(false);
  });
  it('leaves wrong passwords to the form that sent them', () => {
    expect(shouldRedirectToSignIn(401, 'http://x/api/auth/signin', '/projects')).toBe(false);
    expect(shouldRedirectToSignIn(401, '/api/users/me/password', '/account')).toBe(false);
  });
  it('does not redirect from the sign-in and sign-up pages themselves', () => {
    expect(shouldRedirectToSignIn(401, 'http://x/api/users/me', '/signin')).toBe(false);
    expect(shouldRedirectToSignIn(401, 'http://x/api/users/me', '/signup')).toBe(false);
    expect(shouldRedirectToSignIn(401, 'http://x/api/users/me', '/reset-password')).toBe(false);
  });
  it('lets anonymous visitors browse the public projects', () => {
    expect(shouldRedirectToSignIn(401, 'http://x/api/users/me', '/public')).toBe(false);
  });
});

describe('signInPath', () => {
  it('remembers the page, its query and hash', () => {
    expect(signInPath({ pathname: '/projects/3/data', search: '?label=up', hash: '#x' })).toBe(
      '/signin?next=%2Fprojects%2F3%2Fdata%3Flabel%3Dup%23x',
    );
  });
  it('needs no next for the default page or an auth page', () => {
    expect(signInPath({ pathname: '/projects' })).toBe('/signin');
    expect(signInPath({ pathname: '/' })).toBe('/signin');
    expect(signInPath({ pathname: '/signin', search: '?next=%2Fx' })).toBe('/signin');
  });
});

describe('afterSignInPath', () => {
  it('returns to a path of the app', () => {
    expect(afterSignInPath('/projects/3/data?label=up')).toBe('/projects/3/data?label=up');
  });
  it.each([null, '', 'https://evil.example/', '//evil.example', '/\\evil.example', 'projects'])(
    'refuses %s and opens the projects',
    (next) => {
      expect(afterSignInPath(next)).toBe('/projects');
    },
  );
  it('never returns to a sign-in page', () => {
    expect(afterSignInPath('/signup')).toBe('/projects');
    expect(afterSignInPath('/signin?next=/x')).toBe('/projects');
  });
});

describe('withNext', () => {
  it('keeps the page to open after signing in, encoded', () => {
    expect(withNext('/signup', '/projects/3?block=2')).toBe(
      '/signup?next=%2Fprojects%2F3%3Fblock%3D2',
    );
  });
  it('is the bare path without one', () => {
    expect(withNext('/signin', null)).toBe('/signin');
  });
});
