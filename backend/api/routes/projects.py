"""Projects: create, list, read, rename or describe, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.api.deps import ProjectDep, SessionDep
from backend.schemas.project import ProjectCreate, ProjectPublic, ProjectsPublic, ProjectUpdate
from backend.services import projects as service

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=ProjectsPublic)
def read_projects(
    session: SessionDep,
    name: Annotated[str | None, Query(description="Only the project with exactly this name.")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ProjectsPublic:
    """List projects, oldest first."""
    return service.list_projects(session, name=name, offset=offset, limit=limit)


@router.post("", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
def create_project(session: SessionDep, project_in: ProjectCreate) -> ProjectPublic:
    """Create a project; names are unique."""
    return service.create_project(session, project_in)


@router.get("/{project_id}", response_model=ProjectPublic)
def read_project(session: SessionDep, project: ProjectDep) -> ProjectPublic:
    """Read one project."""
    return service.project_public(session, project)


@router.patch("/{project_id}", response_model=ProjectPublic)
def update_project(
    session: SessionDep, project: ProjectDep, project_in: ProjectUpdate
) -> ProjectPublic:
    """Rename, describe or change the upload settings of a project."""
    return service.update_project(session, project, project_in)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(session: SessionDep, project: ProjectDep) -> Response:
    """Delete a project with its samples and jobs."""
    service.delete_project(session, project)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
