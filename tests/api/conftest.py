"""The API client, signed in (session cookie + CSRF header), on a migrated empty database
(SQLite and the local PostgreSQL); and a factory of more signed-in clients for other actors."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend.api.routes.auth import login_limiter
from backend.app import create_app
from tests.utils.api import sign_up


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:
    login_limiter.clear()
    yield create_app()
    login_limiter.clear()


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """`new_client("bob")`: another browser, signed up as `bob` (the first one is the admin)."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        test_client = TestClient(app)
        test_client.__enter__()
        clients.append(test_client)
        sign_up(test_client, username)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def client(new_client: Callable[[str], TestClient]) -> TestClient:
    """Signed in as `alice`, the server's first account, hence also its administrator."""
    return new_client("alice")
