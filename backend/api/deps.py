"""FastAPI dependencies as Annotated aliases; access to a project is checked here and only here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, status
from sqlalchemy.orm import Session

from backend.db.models import Project
from backend.db.session import get_sessionmaker


def get_db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


# Ids are database integers; larger numbers are bad input (422), never a database error.
ProjectId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The project's id.")]


def get_project(project_id: ProjectId, session: SessionDep) -> Project:
    """Resolve the project of a project-scoped route.

    Until accounts exist everyone may use every project; the teams work changes this one
    function (resolve the caller, check their role) and no route.
    """
    project = session.get(Project, project_id)
    if project is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"project {project_id} does not exist")
    return project


ProjectDep = Annotated[Project, Depends(get_project)]
