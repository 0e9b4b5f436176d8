"""Fixtures of the security tests: an app on SQLite, the world of actors, an embedded broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import worker.celery_app
from backend.api.routes.auth import login_limiter
from backend.app import create_app
from tests.utils.world import World, build_world
from worker.celery_app import make_celery_app


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs that routes start go to an embedded broker of our own (nothing runs them)."""
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


@pytest.fixture
def app(sqlite_database_url: str) -> Iterator[FastAPI]:
    login_limiter.clear()
    yield create_app()
    login_limiter.clear()


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    """A client with no credentials of its own; tests pass each actor's headers."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def world(sqlite_database_url: str) -> World:
    return build_world()
