"""Projects: create (the creator owns it), list the caller's, read, update and delete (samples
and jobs go with the project)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.db.models import Project, ProjectMember, ProjectRole, Sample, User
from backend.schemas.project import ProjectCreate, ProjectPublic, ProjectsPublic, ProjectUpdate
from backend.services.access import Actor
from backend.services.errors import Conflict


def _sample_counts(session: Session, project_ids: list[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    rows = session.execute(
        select(Sample.project_id, func.count())
        .where(Sample.project_id.in_(project_ids))
        .group_by(Sample.project_id)
    )
    return {project_id: count for project_id, count in rows}


def _roles(session: Session, user: User | None, project_ids: list[int]) -> dict[int, ProjectRole]:
    if user is None or not project_ids:
        return {}
    rows = session.execute(
        select(ProjectMember.project_id, ProjectMember.role).where(
            ProjectMember.user_id == user.id, ProjectMember.project_id.in_(project_ids)
        )
    )
    return {project_id: ProjectRole(role) for project_id, role in rows}


def _public(project: Project, sample_count: int, role: ProjectRole | None = None) -> ProjectPublic:
    return ProjectPublic(
        id=project.id,
        name=project.name,
        description=project.description,
        downmix_audio=project.downmix_audio,
        hmac_key_set=project.hmac_key is not None,
        sample_count=sample_count,
        is_public=project.is_public,
        role=role,
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


def project_public(session: Session, project: Project, user: User | None = None) -> ProjectPublic:
    return _public(
        project,
        _sample_counts(session, [project.id]).get(project.id, 0),
        _roles(session, user, [project.id]).get(project.id),
    )


def list_projects(
    session: Session,
    actor: Actor,
    *,
    name: str | None = None,
    include_public: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> ProjectsPublic:
    """The caller's projects (an API key: its own project), and public ones when asked."""
    query = select(Project)
    if actor.api_key is not None:
        query = query.where(Project.id == actor.api_key.project_id)
    else:
        assert actor.user is not None
        mine = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.user.id)
        visible = Project.id.in_(mine)
        query = query.where(or_(visible, Project.is_public) if include_public else visible)
    if name is not None:
        query = query.where(Project.name == name)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    projects = list(session.scalars(query.order_by(Project.id).offset(offset).limit(limit)))
    ids = [p.id for p in projects]
    counts = _sample_counts(session, ids)
    roles = _roles(session, actor.user, ids)
    return ProjectsPublic(
        data=[_public(p, counts.get(p.id, 0), roles.get(p.id)) for p in projects], count=count
    )


def list_public_projects(session: Session, *, offset: int = 0, limit: int = 100) -> ProjectsPublic:
    query = select(Project).where(Project.is_public)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    projects = list(session.scalars(query.order_by(Project.id).offset(offset).limit(limit)))
    counts = _sample_counts(session, [p.id for p in projects])
    return ProjectsPublic(data=[_public(p, counts.get(p.id, 0)) for p in projects], count=count)


def _owned_project_ids(owner_id: int):  # type: ignore[no-untyped-def]
    return select(ProjectMember.project_id).where(
        ProjectMember.user_id == owner_id, ProjectMember.role == ProjectRole.owner
    )


def _refuse_taken_name(
    session: Session, name: str, owner_id: int | None, except_id: int | None = None
) -> None:
    # Names are unique per owner, so that `mcuforge upload --project NAME` means one project
    # of the caller's, without revealing the names of other people's projects.
    query = select(Project.id).where(Project.name == name)
    if owner_id is not None:
        query = query.where(Project.id.in_(_owned_project_ids(owner_id)))
    taken = session.scalar(query)
    if taken is not None and taken != except_id:
        raise Conflict(
            f'A project named "{name}" already exists among yours (id {taken}); choose another name.'
        )


def unique_name(session: Session, name: str, owner_id: int) -> str:
    """`name`, or `name (2)`, `name (3)`... the first the owner does not use yet."""
    candidate, n = name, 1
    owned = _owned_project_ids(owner_id)
    while session.scalar(select(Project.id).where(Project.name == candidate, Project.id.in_(owned))):
        n += 1
        suffix = f" ({n})"
        candidate = name[: 100 - len(suffix)] + suffix
    return candidate


def create_project(session: Session, project_in: ProjectCreate, owner: User) -> ProjectPublic:
    _refuse_taken_name(session, project_in.name, owner.id)
    project = Project(**project_in.model_dump())
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=ProjectRole.owner))
    session.commit()
    return _public(project, 0, ProjectRole.owner)


def _owner_id(session: Session, project: Project) -> int | None:
    return session.scalar(
        select(ProjectMember.user_id).where(
            ProjectMember.project_id == project.id, ProjectMember.role == ProjectRole.owner
        )
    )


def update_project(
    session: Session, project: Project, project_in: ProjectUpdate, user: User | None = None
) -> ProjectPublic:
    changes = project_in.model_dump(exclude_unset=True)
    for field in ("name", "description", "downmix_audio", "is_public"):
        # null means "leave as is" for these; only hmac_key may be cleared.
        if field in changes and changes[field] is None:
            del changes[field]
    if "name" in changes:
        _refuse_taken_name(
            session, changes["name"], _owner_id(session, project), except_id=project.id
        )
    for field, value in changes.items():
        setattr(project, field, value)
    session.commit()
    return project_public(session, project, user)


def delete_project(session: Session, project: Project) -> None:
    # The foreign keys cascade in the database: samples, their data and jobs go too.
    session.delete(project)
    session.commit()
