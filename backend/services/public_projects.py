"""Cloning a public project: the caller's new project now, its contents copied by a job."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.db.models import Job, Project, ProjectMember, ProjectRole, User
from backend.services import jobs
from backend.services.projects import unique_name


def start_clone(session: Session, source: Project, user: User) -> Job:
    """Create the caller's empty copy and queue the `projects.clone` job that fills it."""
    target = Project(
        name=unique_name(session, source.name, user.id),
        description=source.description,
        downmix_audio=source.downmix_audio,
    )
    session.add(target)
    session.flush()
    session.add(ProjectMember(project_id=target.id, user_id=user.id, role=ProjectRole.owner))
    session.commit()
    job = jobs.create_job(
        session,
        project_id=target.id,
        kind="projects.clone",
        params={
            "source_project_id": source.id,
            "target_project_id": target.id,
            "requested_by_user_id": user.id,
        },
    )
    jobs.enqueue_job(job)
    return job
