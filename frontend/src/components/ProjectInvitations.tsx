// Invite someone without an account into a project (the owner, under MCUFORGE_SIGNUP=invite;
// administrators always): the link is shown once, to send by hand; pending ones can be revoked.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import {
  authReadSignupPolicyOptions,
  invitationsCreateProjectInvitationMutation,
  invitationsReadProjectInvitationsOptions,
  invitationsRevokeProjectInvitationMutation,
  usersReadMeOptions,
} from '../client/@tanstack/react-query.gen';
import type { InvitationPublic, ProjectRole } from '../client/types.gen';
import { formatDateTime } from '../lib/format';
import { roleTitle } from '../lib/permissions';
import { canInviteToProject } from '../lib/signUpPolicy';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';
import { InvitationForm } from './InvitationForm';

const INVITED_ROLES: ReadonlyArray<ProjectRole> = ['editor', 'viewer'];

export function ProjectInvitations({ projectId }: { projectId: number }) {
  const policy = useQuery(authReadSignupPolicyOptions());
  const me = useQuery(usersReadMeOptions());
  if (!canInviteToProject(policy.data, me.data?.is_admin ?? false)) return null;
  return <InviteForm projectId={projectId} />;
}

function InviteForm({ projectId }: { projectId: number }) {
  const path = { project_id: projectId };
  const pending = useQuery(invitationsReadProjectInvitationsOptions({ path }));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<ProjectRole>('viewer');
  const create = useMutation({
    ...invitationsCreateProjectInvitationMutation(),
    onSuccess: () => setEmail(''),
  });
  return (
    <div className="project-invitations">
      <h3>Invite someone without an account</h3>
      <InvitationForm
        id="project-invitation"
        email={email}
        onEmailChange={setEmail}
        onSubmit={() => create.mutate({ path, body: { email, role } })}
        creation={create}
      >
        <div className="field">
          <label htmlFor="project-invitation-role">Role</label>
          <select
            id="project-invitation-role"
            value={role}
            onChange={(event) => setRole(event.target.value as ProjectRole)}
          >
            {INVITED_ROLES.map((option) => (
              <option key={option} value={option}>
                {roleTitle(option)}
              </option>
            ))}
          </select>
        </div>
      </InvitationForm>
      <ErrorText error={pending.error} />
      {pending.data && pending.data.count > 0 && (
        <table className="data-table compact invitations-table">
          <thead>
            <tr>
              <th scope="col">Invited</th>
              <th scope="col">Role</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pending.data.data.map((invitation) => (
              <PendingRow key={invitation.id} projectId={projectId} invitation={invitation} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function PendingRow({
  projectId,
  invitation,
}: {
  projectId: number;
  invitation: InvitationPublic;
}) {
  const revoke = useMutation(invitationsRevokeProjectInvitationMutation());
  return (
    <tr>
      <th scope="row">{invitation.email}</th>
      <td>{roleTitle(invitation.role ?? 'viewer')}</td>
      <td className="nowrap">{formatDateTime(invitation.expires_at)}</td>
      <td className="actions">
        <ConfirmButton
          label="Revoke"
          ariaLabel={`Revoke the invitation of ${invitation.email}`}
          question={`Revoke the invitation of ${invitation.email}? Its link stops working.`}
          confirmLabel="Revoke invitation"
          compact
          busy={revoke.isPending}
          onConfirm={() =>
            revoke.mutate({ path: { project_id: projectId, invitation_id: invitation.id } })
          }
        />
        <ErrorText error={revoke.error} />
      </td>
    </tr>
  );
}
