"""Projects: create, list, read, update and delete (samples and jobs go with the project)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import Project, Sample
from backend.schemas.project import ProjectCreate, ProjectPublic, ProjectsPublic, ProjectUpdate
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


def _public(project: Project, sample_count: int) -> ProjectPublic:
    return ProjectPublic(
        id=project.id,
        name=project.name,
        description=project.description,
        downmix_audio=project.downmix_audio,
        hmac_key_set=project.hmac_key is not None,
        sample_count=sample_count,
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


def project_public(session: Session, project: Project) -> ProjectPublic:
    return _public(project, _sample_counts(session, [project.id]).get(project.id, 0))


def list_projects(
    session: Session, *, name: str | None = None, offset: int = 0, limit: int = 100
) -> ProjectsPublic:
    query = select(Project)
    if name is not None:
        query = query.where(Project.name == name)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    projects = list(session.scalars(query.order_by(Project.id).offset(offset).limit(limit)))
    counts = _sample_counts(session, [p.id for p in projects])
    return ProjectsPublic(data=[_public(p, counts.get(p.id, 0)) for p in projects], count=count)


def _refuse_taken_name(session: Session, name: str, except_id: int | None = None) -> None:
    # Names are unique so that `mcuforge upload --project NAME` means one project.
    taken = session.scalar(select(Project.id).where(Project.name == name))
    if taken is not None and taken != except_id:
        raise Conflict(f'A project named "{name}" already exists (id {taken}); choose another name.')


def create_project(session: Session, project_in: ProjectCreate) -> ProjectPublic:
    _refuse_taken_name(session, project_in.name)
    project = Project(**project_in.model_dump())
    session.add(project)
    session.commit()
    return _public(project, 0)


def update_project(session: Session, project: Project, project_in: ProjectUpdate) -> ProjectPublic:
    changes = project_in.model_dump(exclude_unset=True)
    for field in ("name", "description", "downmix_audio"):
        # null means "leave as is" for these; only hmac_key may be cleared.
        if field in changes and changes[field] is None:
            del changes[field]
    if "name" in changes:
        _refuse_taken_name(session, changes["name"], except_id=project.id)
    for field, value in changes.items():
        setattr(project, field, value)
    session.commit()
    return project_public(session, project)


def delete_project(session: Session, project: Project) -> None:
    # The foreign keys cascade in the database: samples, their data and jobs go too.
    session.delete(project)
    session.commit()
