"""Invitations into a project, made by its owner: only when MCUFORGE_SIGNUP is `invite` (an
administrator may always). The new account joins the project with the invited role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from backend.api.deps import CurrentUser, ProjectDep, SessionDep
from backend.schemas.invitations import (
    InvitationCreated,
    InvitationPublic,
    InvitationsPublic,
    ProjectInvitationCreate,
)
from backend.services import invitations as service
from backend.settings import settings

router = APIRouter(prefix="/projects/{project_id}/invitations", tags=["invitations"])

InvitationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=InvitationsPublic)
def read_project_invitations(session: SessionDep, project: ProjectDep) -> InvitationsPublic:
    """The project's invitations not yet used, revoked or expired."""
    rows = [InvitationPublic.model_validate(i) for i in service.list_pending(session, project=project)]
    return InvitationsPublic(data=rows, count=len(rows))


@router.post(
    "",
    response_model=InvitationCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "Owners may invite only when MCUFORGE_SIGNUP is invite."},
        409: {"description": "An account with this e-mail address exists: add it as a member."},
    },
)
def create_project_invitation(
    session: SessionDep, project: ProjectDep, user: CurrentUser, invitation_in: ProjectInvitationCreate
) -> InvitationCreated:
    """Invite an e-mail address into the project; the link is in this answer only."""
    if settings.signup != "invite" and not user.is_admin:
        raise service.OwnersMayNotInvite(
            "on this server (MCUFORGE_SIGNUP=closed) only administrators invite new accounts"
            if settings.signup == "closed"
            else "sign-up is open on this server: the person signs up, then you add them as a member"
        )
    return service.invite(
        session,
        invitation_in.email,
        created_by=user,
        project=project,
        role=invitation_in.role,
    )


@router.delete("/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_project_invitation(
    session: SessionDep, project: ProjectDep, invitation_id: InvitationId
) -> Response:
    """Revoke one of the project's pending invitations."""
    service.revoke(session, invitation_id, project=project)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
