"""schemathesis against the app's own OpenAPI document, in-process (ASGI, no server), as a
signed-in user who owns project 1: no request it generates gets a 5xx. Bounded to a few examples
per operation and SQLite so that it runs in seconds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from backend.api.routes.auth import login_limiter
from backend.app import create_app
from backend.db.models import ApiKeyScope, Project
from backend.db.session import get_sessionmaker
from backend.services import accounts, api_keys
from tests.utils.world import build_world
from worker.worker_heartbeats import record_heartbeat

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture
def signed_in(sqlite_database_url: str) -> Iterator[dict[str, str]]:
    """Bearer headers of `owner`, who owns a project (id 1 or so) with a sample and an impulse."""
    login_limiter.clear()
    world = build_world()
    with get_sessionmaker()() as session:
        owned = Project(name="schemathesis")
        session.add(owned)
        session.commit()
        _, _key = api_keys.create_api_key(
            session, owned, name="k", scope=ApiKeyScope.admin, created_by=None
        )
        token, _ = accounts.create_token(session, world.users["owner"], "schemathesis")
        # A worker is alive: otherwise /api/health rightly answers 503 (jobs cannot run).
        record_heartbeat(session, name="schemathesis@host", host="host", pid=1, queues=[],
                         active_jobs=0)
    yield {"Authorization": f"Bearer {token}"}
    login_limiter.clear()


@schema.exclude(path="/api/projects/{project_id}/jobs/{job_id}/stream").parametrize()
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_gets_a_server_error(case: Any, signed_in: dict[str, str]) -> None:
    response = case.call(headers=signed_in)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )
