"""Project members: list, add by username or email, change role, remove, transfer ownership.

A project has exactly one owner: roles change to or from owner only through a transfer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Project, ProjectMember, ProjectRole, User
from backend.schemas.members import MemberPublic, MembersPublic
from backend.services.accounts import find_user
from backend.services.errors import Conflict, InvalidRequest, NotFound


def _public(member: ProjectMember, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id,
        username=user.username,
        email=user.email,
        role=ProjectRole(member.role),
        created_at=member.created_at,
    )


def list_members(session: Session, project: Project) -> MembersPublic:
    rows = session.execute(
        select(ProjectMember, User)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project.id)
        .order_by(ProjectMember.created_at, User.id)
    ).all()
    return MembersPublic(data=[_public(m, u) for m, u in rows], count=len(rows))


def _refuse_owner_role(role: ProjectRole) -> None:
    if role == ProjectRole.owner:
        raise InvalidRequest(
            "a project has exactly one owner: use the ownership transfer to make someone owner"
        )


def add_member(session: Session, project: Project, user_ref: str, role: ProjectRole) -> MemberPublic:
    _refuse_owner_role(role)
    user = find_user(session, user_ref)
    if user is None:
        raise NotFound(f'no account has the username or email address "{user_ref}"')
    if session.get(ProjectMember, (project.id, user.id)) is not None:
        raise Conflict(f"{user.username} is already a member of this project")
    member = ProjectMember(project_id=project.id, user_id=user.id, role=role)
    session.add(member)
    session.commit()
    return _public(member, user)


def _member(session: Session, project: Project, user_id: int) -> tuple[ProjectMember, User]:
    member = session.get(ProjectMember, (project.id, user_id))
    user = session.get(User, user_id) if member else None
    if member is None or user is None:
        raise NotFound(f"user {user_id} is not a member of project {project.id}")
    return member, user


def update_member(session: Session, project: Project, user_id: int, role: ProjectRole) -> MemberPublic:
    _refuse_owner_role(role)
    member, user = _member(session, project, user_id)
    if member.role == ProjectRole.owner:
        raise InvalidRequest(
            "the owner's role changes only by transferring ownership to another member"
        )
    member.role = role
    session.commit()
    return _public(member, user)


def remove_member(session: Session, project: Project, user_id: int) -> None:
    member, _user = _member(session, project, user_id)
    if member.role == ProjectRole.owner:
        raise InvalidRequest(
            "the owner cannot be removed; transfer ownership first or delete the project"
        )
    session.delete(member)
    session.commit()


def owner_of(session: Session, project: Project) -> ProjectMember | None:
    return session.scalar(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id, ProjectMember.role == ProjectRole.owner
        )
    )


def transfer_ownership(session: Session, project: Project, user_id: int) -> MembersPublic:
    """The member becomes the owner; the previous owner stays as an editor."""
    member, _user = _member(session, project, user_id)
    previous = owner_of(session, project)
    if previous is not None and previous.user_id != member.user_id:
        previous.role = ProjectRole.editor
    member.role = ProjectRole.owner
    session.commit()
    return list_members(session, project)
