import { describe, expect, it } from 'vitest';

import {
  canInviteToProject,
  linkFromPath,
  passwordChangeWarning,
  showSignUpLink,
  signUpMode,
  whoInvites,
} from './signUpPolicy';

const closed = { policy: 'closed', signup_without_invitation: false } as const;
const firstAccount = { policy: 'closed', signup_without_invitation: true } as const;
const invite = { policy: 'invite', signup_without_invitation: false } as const;
const open = { policy: 'open', signup_without_invitation: true } as const;

describe('showSignUpLink', () => {
  it('links to sign-up only when it works without an invitation', () => {
    expect(showSignUpLink(open)).toBe(true);
    expect(showSignUpLink(firstAccount)).toBe(true);
    expect(showSignUpLink(closed)).toBe(false);
    expect(showSignUpLink(invite)).toBe(false);
  });
  it('hides the link while the policy is unknown', () => {
    expect(showSignUpLink(undefined)).toBe(false);
  });
});

describe('signUpMode', () => {
  it('shows the form for an invitation link whatever the policy', () => {
    expect(signUpMode(closed, 'mfi_x')).toBe('invited');
    expect(signUpMode(undefined, 'mfi_x')).toBe('invited');
  });
  it('shows the plain form when open or for the first account', () => {
    expect(signUpMode(open, null)).toBe('open');
    expect(signUpMode(firstAccount, null)).toBe('open');
  });
  it('explains instead when an invitation is needed', () => {
    expect(signUpMode(closed, null)).toBe('invitation-only');
    expect(signUpMode(invite, '')).toBe('invitation-only');
    expect(signUpMode(undefined, null)).toBe('loading');
  });
});

describe('whoInvites and canInviteToProject', () => {
  it('names project owners only under invite', () => {
    expect(whoInvites(invite)).toContain('owner');
    expect(whoInvites(closed)).toBe('an administrator');
  });
  it('lets owners invite only under invite, administrators always', () => {
    expect(canInviteToProject(invite, false)).toBe(true);
    expect(canInviteToProject(closed, false)).toBe(false);
    expect(canInviteToProject(open, false)).toBe(false);
    expect(canInviteToProject(closed, true)).toBe(true);
    expect(canInviteToProject(undefined, false)).toBe(false);
  });
});

describe('linkFromPath', () => {
  it('puts the origin before the path once', () => {
    expect(linkFromPath('https://ml.example.org/', '/signup?invitation=mfi_a')).toBe(
      'https://ml.example.org/signup?invitation=mfi_a',
    );
  });
});

describe('passwordChangeWarning', () => {
  it('counts the tokens that die', () => {
    expect(passwordChangeWarning(2)).toBe(
      'Changing your password signs out your other browser sessions and revokes your 2 personal access tokens.',
    );
    expect(passwordChangeWarning(1)).toContain('your 1 personal access token.');
    expect(passwordChangeWarning(0)).toContain('you have none');
    expect(passwordChangeWarning(undefined)).toContain('revokes your personal access tokens');
  });
});
