"""Invitations made by administrators (under every sign-up policy): create (the link is shown
once), list the pending ones, revoke. Administrators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from backend.api.deps import AdminUser, SessionDep
from backend.db.models import Project
from backend.schemas.invitations import (
    AdminInvitationCreate,
    InvitationCreated,
    InvitationPublic,
    InvitationsPublic,
)
from backend.services import invitations as service
from backend.services.errors import InvalidRequest, NotFound

router = APIRouter(prefix="/admin/invitations", tags=["admin-invitations"])

InvitationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=InvitationsPublic)
def read_invitations(session: SessionDep, _admin: AdminUser) -> InvitationsPublic:
    """Invitations not yet used, revoked or expired, of every project and none."""
    rows = [InvitationPublic.model_validate(i) for i in service.list_pending(session)]
    return InvitationsPublic(data=rows, count=len(rows))


@router.post(
    "",
    response_model=InvitationCreated,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "An account with this e-mail address exists."}},
)
def create_invitation(
    session: SessionDep, admin: AdminUser, invitation_in: AdminInvitationCreate
) -> InvitationCreated:
    """Invite an e-mail address, optionally into a project; the link is in this answer only."""
    project = None
    if invitation_in.project_id is not None:
        project = session.get(Project, invitation_in.project_id)
        if project is None:
            raise NotFound(f"project {invitation_in.project_id} does not exist")
    elif invitation_in.role is not None:
        raise InvalidRequest("a role needs a project_id: it is the new account's role there")
    return service.invite(
        session,
        invitation_in.email,
        created_by=admin,
        project=project,
        role=invitation_in.role,
    )


@router.delete("/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invitation(
    session: SessionDep, _admin: AdminUser, invitation_id: InvitationId
) -> Response:
    """Revoke a pending invitation: its link stops working."""
    service.revoke(session, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
