// A project's collaborators: list with roles; the owner adds, changes, removes and hands over.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import {
  membersAddMemberMutation,
  membersReadMembersOptions,
  membersRemoveMemberMutation,
  membersTransferOwnershipMutation,
  membersUpdateMemberMutation,
} from '../client/@tanstack/react-query.gen';
import type { MemberPublic, ProjectRole } from '../client/types.gen';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { formatDateTime } from '../lib/format';
import { roleTitle } from '../lib/permissions';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';
import { ProjectInvitations } from './ProjectInvitations';
import { TextField } from './TextField';

// Ownership moves only by transfer, so the role chosen when adding or changing is one of these.
const MEMBER_ROLES: ReadonlyArray<ProjectRole> = ['editor', 'viewer'];

export function MembersPanel({ projectId }: { projectId: number }) {
  const members = useQuery(membersReadMembersOptions({ path: { project_id: projectId } }));
  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading">Collaborators</h2>
      <AddMemberForm projectId={projectId} />
      <ProjectInvitations projectId={projectId} />
      <ErrorText error={members.error} />
      {members.data && (
        <table className="data-table compact members-table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.data.data.map((member) => (
              <MemberRow key={member.user_id} projectId={projectId} member={member} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AddMemberForm({ projectId }: { projectId: number }) {
  const [user, setUser] = useState('');
  const [role, setRole] = useState<ProjectRole>('viewer');
  const add = useMutation({ ...membersAddMemberMutation(), onSuccess: () => setUser('') });
  const fieldErrors = apiFieldErrors(add.error);
  // "no account with this username…" and the like concern the user field too.
  const userError = add.error ? (fieldErrors.user ?? apiErrorMessage(add.error)) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ path: { project_id: projectId }, body: { user, role } });
  };
  return (
    <form className="form-grid" onSubmit={submit} noValidate>
      <TextField
        id="member-user"
        label="Username or email"
        value={user}
        onChange={setUser}
        maxLength={254}
        error={userError}
      />
      <div className="field">
        <label htmlFor="member-role">Role</label>
        <select
          id="member-role"
          value={role}
          onChange={(event) => setRole(event.target.value as ProjectRole)}
        >
          {MEMBER_ROLES.map((option) => (
            <option key={option} value={option}>
              {roleTitle(option)}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-action">
        <button type="submit" className="primary" disabled={add.isPending || user.trim() === ''}>
          Add collaborator
        </button>
      </div>
    </form>
  );
}

function MemberRow({ projectId, member }: { projectId: number; member: MemberPublic }) {
  const path = { project_id: projectId, user_id: member.user_id };
  const update = useMutation(membersUpdateMemberMutation());
  const remove = useMutation(membersRemoveMemberMutation());
  const transfer = useMutation(membersTransferOwnershipMutation());
  const isOwner = member.role === 'owner';
  const selectId = `member-${member.user_id}-role`;
  return (
    <tr>
      <th scope="row">{member.username}</th>
      <td>{member.email}</td>
      <td>
        {isOwner ? (
          'Owner'
        ) : (
          <>
            <label htmlFor={selectId} className="visually-hidden">
              Role of {member.username}
            </label>
            <select
              id={selectId}
              value={member.role}
              disabled={update.isPending}
              onChange={(event) =>
                update.mutate({ path, body: { role: event.target.value as ProjectRole } })
              }
            >
              {MEMBER_ROLES.map((option) => (
                <option key={option} value={option}>
                  {roleTitle(option)}
                </option>
              ))}
            </select>
          </>
        )}
      </td>
      <td className="nowrap">{formatDateTime(member.created_at)}</td>
      <td className="actions">
        {!isOwner && (
          <>
            <ConfirmButton
              label="Make owner"
              ariaLabel={`Make ${member.username} the owner`}
              question={`Make ${member.username} the owner? You become an editor.`}
              confirmLabel="Transfer ownership"
              compact
              busy={transfer.isPending}
              onConfirm={() =>
                transfer.mutate({
                  path: { project_id: projectId },
                  body: { user_id: member.user_id },
                })
              }
            />
            <ConfirmButton
              label="Remove"
              ariaLabel={`Remove ${member.username}`}
              question={`Remove ${member.username} from the project? The API keys they created here are revoked.`}
              confirmLabel="Remove collaborator"
              compact
              busy={remove.isPending}
              onConfirm={() => remove.mutate({ path })}
            />
          </>
        )}
        <ErrorText error={update.error ?? remove.error ?? transfer.error} />
      </td>
    </tr>
  );
}
