"""Projects: create, list the caller's, read, rename or describe or publish, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from backend.api.deps import CurrentActor, CurrentUser, ProjectDep, SessionDep
from backend.schemas.project import ProjectCreate, ProjectPublic, ProjectsPublic, ProjectUpdate
from backend.services import projects as service

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=ProjectsPublic)
def read_projects(
    session: SessionDep,
    actor: CurrentActor,
    name: Annotated[str | None, Query(description="Only the project with exactly this name.")] = None,
    include_public: Annotated[
        bool, Query(description="Also list public projects of others.")
    ] = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ProjectsPublic:
    """List the caller's projects (an API key: its project), oldest first."""
    if actor.is_anonymous:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "sign in to list your projects; public ones are at /api/public/projects",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return service.list_projects(
        session, actor, name=name, include_public=include_public, offset=offset, limit=limit
    )


@router.post("", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
def create_project(
    session: SessionDep, user: CurrentUser, project_in: ProjectCreate
) -> ProjectPublic:
    """Create a project owned by the caller; each owner's project names are unique."""
    return service.create_project(session, project_in, user)


@router.get("/{project_id}", response_model=ProjectPublic)
def read_project(session: SessionDep, project: ProjectDep, actor: CurrentActor) -> ProjectPublic:
    """Read one project (with the caller's role in it)."""
    return service.project_public(session, project, actor.user)


@router.patch("/{project_id}", response_model=ProjectPublic)
def update_project(
    session: SessionDep, project: ProjectDep, actor: CurrentActor, project_in: ProjectUpdate
) -> ProjectPublic:
    """Rename, describe, publish or change the upload settings of a project (owner only)."""
    return service.update_project(session, project, project_in, actor.user)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(session: SessionDep, project: ProjectDep) -> Response:
    """Delete a project with its samples and jobs (owner only)."""
    service.delete_project(session, project)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
