"""Liveness and readiness: is the database reachable, which broker and database are configured."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.api.deps import SessionDep
from backend.settings import settings
from worker.training.sandbox_policy import expert_mode, sandbox_probe

router = APIRouter(prefix="/health", tags=["health"])


class HealthPublic(BaseModel):
    status: str  # "ok" | "unavailable"
    database: str  # "sqlite" | "postgresql" | ...
    database_reachable: bool
    broker: str  # "embedded" | "redis"
    training_sandbox: str  # "bubblewrap" | "unavailable: <reason>"
    expert_mode: str  # "sandboxed" | "trusted" | "refused"


@router.get("", response_model=HealthPublic)
def read_health(session: SessionDep, response: Response) -> HealthPublic:
    """Whether the API can serve requests; 503 when its database cannot be reached."""
    try:
        session.execute(text("SELECT 1"))
        reachable = True
    except SQLAlchemyError:
        reachable = False
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthPublic(
        status="ok" if reachable else "unavailable",
        database=session.get_bind().dialect.name,
        database_reachable=reachable,
        broker="embedded" if settings.uses_embedded_broker else "redis",
        training_sandbox=sandbox_probe().describe(),
        expert_mode=expert_mode(),
    )
