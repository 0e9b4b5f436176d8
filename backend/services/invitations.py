"""Invitations to sign up: made by an administrator (any policy) or a project owner (only under
MCUFORGE_SIGNUP=invite), single-use, expiring; the link's token is shown once, its hash kept.

An invitation may carry a project and a role: the new account joins that project on sign-up.
Signing up with one gives the account the invited e-mail address.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db.models import Invitation, Project, ProjectMember, ProjectRole, User
from backend.db.models.common import utcnow
from backend.schemas.invitations import InvitationCreated, InvitationPublic
from backend.services.accounts import as_utc
from backend.services.errors import Conflict, Gone, InvalidRequest, NotFound, ServiceError
from backend.services.secrets import INVITATION_PREFIX, new_secret, secret_hash
from backend.settings import settings


class OwnersMayNotInvite(ServiceError):
    status_code = 403


def signup_path(token: str) -> str:
    """Where the link leads in the web app; the UI puts its own origin before it."""
    return f"/signup?invitation={token}"


def create_invitation(
    session: Session,
    email: str,
    *,
    created_by: User,
    lifetime: timedelta,
    project: Project | None = None,
    role: ProjectRole | None = None,
) -> tuple[str, Invitation]:
    """A new invitation; returns (token, row). Only the token's hash is stored."""
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        where = " to the project" if project else ""
        raise Conflict(
            f"an account with the e-mail address {email} already exists; add it{where} as a "
            f"member instead"
        )
    if role == ProjectRole.owner:
        raise InvalidRequest(
            "an invitation makes an editor or a viewer; ownership moves by transfer"
        )
    token = new_secret(INVITATION_PREFIX)
    row = Invitation(
        email=email,
        token_hash=secret_hash(token),
        project_id=project.id if project else None,
        role=(role or ProjectRole.viewer) if project else None,
        created_by_id=created_by.id,
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.commit()
    return token, row


def invite(
    session: Session,
    email: str,
    *,
    created_by: User,
    project: Project | None = None,
    role: ProjectRole | None = None,
) -> InvitationCreated:
    """An invitation for the server's lifetime, as the API answers it: the link's token is in
    this answer only."""
    token, row = create_invitation(
        session,
        email,
        created_by=created_by,
        lifetime=timedelta(hours=settings.invitation_lifetime_hours),
        project=project,
        role=role,
    )
    return InvitationCreated(
        **InvitationPublic.model_validate(row).model_dump(), token=token, path=signup_path(token)
    )


def list_pending(session: Session, *, project: Project | None = None) -> list[Invitation]:
    """Invitations neither used, revoked nor expired; of one project, or all of them."""
    query = select(Invitation).where(
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    if project is not None:
        query = query.where(Invitation.project_id == project.id)
    return list(session.scalars(query.order_by(Invitation.id)))


def revoke(session: Session, invitation_id: int, *, project: Project | None = None) -> None:
    """Revoke a pending invitation (of `project` when given); its link stops working."""
    row = session.get(Invitation, invitation_id)
    if row is None or (project is not None and row.project_id != project.id):
        where = f" in project {project.id}" if project else ""
        raise NotFound(f"invitation {invitation_id} does not exist{where}")
    if row.used_at is not None:
        raise Conflict(f"invitation {invitation_id} was already used; it cannot be revoked")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()


def claimable(session: Session, token: str) -> Invitation:
    """The invitation of a link's token, if it can still be used; else 404 or 410 saying why."""
    row = session.scalar(select(Invitation).where(Invitation.token_hash == secret_hash(token)))
    if row is None:
        raise NotFound("this invitation link is unknown; check that it was copied whole")
    if row.used_at is not None:
        raise Gone("this invitation link was already used; each link signs up one account")
    if row.revoked_at is not None:
        raise Gone("this invitation was revoked; ask for a new one")
    if as_utc(row.expires_at) <= utcnow():
        raise Gone("this invitation link has expired; ask for a new one")
    return row


def claim(session: Session, invitation: Invitation, user: User) -> None:
    """Use the invitation up for `user` (flushed, not committed) and add them to its project.

    The update is conditional, so two sign-ups racing with one link cannot both succeed.
    """
    used = session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone("this invitation link was already used; each link signs up one account")
    project = session.get(Project, invitation.project_id) if invitation.project_id else None
    if project is not None:
        role = ProjectRole(invitation.role or ProjectRole.viewer)
        session.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
    session.flush()
