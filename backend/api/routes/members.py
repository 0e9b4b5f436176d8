"""Members of a project and their roles; only the owner (or an admin key) manages them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from backend.api.deps import ProjectDep, SessionDep
from backend.schemas.members import (
    MemberAdd,
    MemberPublic,
    MembersPublic,
    MemberUpdate,
    OwnershipTransfer,
)
from backend.services import members as service

router = APIRouter(prefix="/projects/{project_id}", tags=["members"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The member's user id.")]


@router.get("/members", response_model=MembersPublic)
def read_members(session: SessionDep, project: ProjectDep) -> MembersPublic:
    """List the project's members and their roles."""
    return service.list_members(session, project)


@router.post("/members", response_model=MemberPublic, status_code=status.HTTP_201_CREATED)
def add_member(session: SessionDep, project: ProjectDep, member_in: MemberAdd) -> MemberPublic:
    """Add an account, by username or email address, as an editor or a viewer."""
    return service.add_member(session, project, member_in.user, member_in.role)


@router.patch("/members/{user_id}", response_model=MemberPublic)
def update_member(
    session: SessionDep, project: ProjectDep, user_id: UserId, member_in: MemberUpdate
) -> MemberPublic:
    """Change a member's role between editor and viewer."""
    return service.update_member(session, project, user_id, member_in.role)


@router.delete("/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(session: SessionDep, project: ProjectDep, user_id: UserId) -> Response:
    """Remove a member (not the owner)."""
    service.remove_member(session, project, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/transfer", response_model=MembersPublic)
def transfer_ownership(
    session: SessionDep, project: ProjectDep, transfer: OwnershipTransfer
) -> MembersPublic:
    """Make another member the owner; the previous owner becomes an editor."""
    return service.transfer_ownership(session, project, transfer.user_id)
