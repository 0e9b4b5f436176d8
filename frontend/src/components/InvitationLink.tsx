// An invitation's link, shown once, with what to do with it: the server sends no e-mail.
import { formatDateTime } from '../lib/format';
import { linkFromPath } from '../lib/signUpPolicy';
import { SecretOnce } from './SecretOnce';

export function InvitationLink({
  invitation,
  onDismiss,
}: {
  invitation: { email: string; path: string; expires_at: string };
  onDismiss: () => void;
}) {
  return (
    <SecretOnce
      id="invitation-link"
      label={`Invitation link for ${invitation.email} (until ${formatDateTime(invitation.expires_at)})`}
      note="There is no e-mail sending: copy this link and send it to the person. It signs up one account, with this address."
      secret={linkFromPath(window.location.origin, invitation.path)}
      onDismiss={onDismiss}
    />
  );
}
