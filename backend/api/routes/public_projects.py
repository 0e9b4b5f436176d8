"""Public projects: listed for everyone, anonymous included; any signed-in user may clone one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from backend.api.deps import CurrentUser, ProjectDep, SessionDep
from backend.schemas.jobs import JobPublic
from backend.schemas.project import ProjectsPublic
from backend.services import projects
from backend.services.public_projects import start_clone

router = APIRouter(prefix="/public/projects", tags=["public"])


@router.get("", response_model=ProjectsPublic)
def read_public_projects(
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ProjectsPublic:
    """List public projects, oldest first; no sign-in needed."""
    return projects.list_public_projects(session, offset=offset, limit=limit)


@router.post(
    "/{project_id}/clone",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses={503: {"description": "The job queue could not be reached; the job failed."}},
)
def clone_project(session: SessionDep, project: ProjectDep, user: CurrentUser) -> JobPublic:
    """Copy a project you can read (samples, impulses, settings; not members or keys) into a new
    project of your own. The answer is the `projects.clone` job, in the new project."""
    return JobPublic.model_validate(start_clone(session, project, user))
