"""Fixtures every test folder may use: the shared material, and services that CI must have."""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

# Keep TensorFlow quiet and small on the 2-core machines tests run on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
# Beside the checkout (/work/main -> /work/shared); MCUFORGE_SHARED_DIR points elsewhere (worktrees).
SHARED_DIR = Path(os.environ.get("MCUFORGE_SHARED_DIR") or REPO_ROOT.parent / "shared")
IN_CI = bool(os.environ.get("CI"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test gets a node id of its own. pytest-xdist (`make test` runs two processes) hands
    out and reports tests by node id, so tests sharing one would silently run once: under pytest
    9.2, schemathesis names each API operation's test `test_...[GET /api/...]` but leaves them all
    its function's id (108 operations ran as 1). Such tests take their full name as their id;
    collection stops if any id is still shared (say, a later pytest stores ids elsewhere)."""
    from _pytest.nodeid import NodeId

    shared = Counter(item.nodeid for item in items)
    for item in items:
        if shared[item.nodeid] > 1 and item.parent is not None and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
    still_shared = [nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1]
    if still_shared:
        raise pytest.UsageError(f"tests sharing a node id would run once: {still_shared[:5]}")


def require(condition: bool, reason: str) -> None:
    """Skip when something optional is missing locally; fail in CI, where it must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require(SHARED_DIR.is_dir(), f"{SHARED_DIR} (the shared models and audio) is absent")
    return SHARED_DIR


@pytest.fixture(scope="session")
def shared_audio(shared_dir: Path) -> Path:
    return shared_dir / "audio"


@pytest.fixture(scope="session")
def shared_models(shared_dir: Path) -> Path:
    return shared_dir / "models"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    require(_port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432 is not running")
    return os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def redis_url() -> str:
    require(_port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379 is not running")
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


# --- databases -------------------------------------------------------------------------------
# Each backend is migrated once per session; tests get empty tables (truncated between tests).


def _empty_all_tables(url: str) -> None:
    from sqlalchemy import text

    import backend.db.models  # noqa: F401
    from backend.db.base import Base
    from backend.db.session import get_engine

    engine = get_engine()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if url.startswith("postgresql"):
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(scope="session")
def _migrated_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from backend.db.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def _migrated_postgres_url(postgres_url: str) -> Iterator[str]:
    from tests.utils.databases import private_postgres_database

    # A database of this session's own: other test runs on the same server never touch it.
    with private_postgres_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database that every session in the process now uses."""
    from backend.db.session import set_database_url

    url: str = request.getfixturevalue(f"_migrated_{request.param}_url")
    set_database_url(url)
    _empty_all_tables(url)
    return url


@pytest.fixture
def sqlite_database_url(_migrated_sqlite_url: str) -> str:
    """Like database_url, SQLite only: for tests whose subject does not depend on the database."""
    from backend.db.session import set_database_url

    set_database_url(_migrated_sqlite_url)
    _empty_all_tables(_migrated_sqlite_url)
    return _migrated_sqlite_url


# --- accounts --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def open_signup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests sign up as many accounts as they need, as on a server with MCUFORGE_SIGNUP=open;
    the sign-up policy tests (tests/api/routes/test_signup_policy.py) set each policy themselves.
    The default, `closed`, is pinned there too."""
    from backend.settings import settings

    monkeypatch.setattr(settings, "signup", "open")
