// Who may sign up on this server (GET /api/auth/signup-policy) and what the pages show for it.
import type { SignUpPolicyPublic } from '../client/types.gen';

export type SignUpMode = 'loading' | 'invited' | 'open' | 'invitation-only';

/** Whether the sign-in page links to the sign-up page: only when it works without a link. */
export function showSignUpLink(policy: SignUpPolicyPublic | undefined): boolean {
  return policy?.signup_without_invitation === true;
}

/**
 * What the sign-up page shows: the form for an invitation link (whatever the policy: the link
 * is the permission), the plain form when the server accepts one without a link, else why not.
 */
export function signUpMode(
  policy: SignUpPolicyPublic | undefined,
  invitationToken: string | null,
): SignUpMode {
  if (invitationToken) return 'invited';
  if (policy === undefined) return 'loading';
  return policy.signup_without_invitation ? 'open' : 'invitation-only';
}

/** Whom to ask for an invitation on a server that requires one. */
export function whoInvites(policy: SignUpPolicyPublic | undefined): string {
  return policy?.policy === 'invite'
    ? 'an administrator or the owner of the project you are to join'
    : 'an administrator';
}

/** Whether a project's owner may invite new accounts into it (administrators always may). */
export function canInviteToProject(
  policy: SignUpPolicyPublic | undefined,
  isAdmin: boolean,
): boolean {
  return isAdmin || policy?.policy === 'invite';
}

/** The full link to hand over, from a path the server returned ("/signup?invitation=…"). */
export function linkFromPath(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}${path}`;
}

/** What the password form says before the change (credentials die together). */
export function passwordChangeWarning(tokenCount: number | undefined): string {
  const tokens =
    tokenCount === undefined
      ? 'revokes your personal access tokens'
      : tokenCount === 0
        ? 'would revoke your personal access tokens (you have none)'
        : `revokes your ${tokenCount} personal access token${tokenCount === 1 ? '' : 's'}`;
  return `Changing your password signs out your other browser sessions and ${tokens}.`;
}
