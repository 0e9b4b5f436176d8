"""The board profiles a library is built and estimated for (deploy_targets.boards).

Like the DSP block catalogue, the list is the same for everyone and names no project, so anyone
may read it: anonymous visitors of a public project see its deployment page, which needs it."""

from __future__ import annotations

from fastapi import APIRouter

from backend.schemas.deployment import BoardsPublic
from backend.services import deployment as service

router = APIRouter(prefix="/boards", tags=["boards"])


@router.get("", response_model=BoardsPublic)
def read_boards() -> BoardsPublic:
    """Every board with its core, clock, RAM, flash, FPU and DSP extension; the deployment
    routes take its `name` as `board`."""
    boards = service.list_boards()
    return BoardsPublic(data=boards, count=len(boards))
