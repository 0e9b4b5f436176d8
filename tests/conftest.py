"""Fixtures every test folder may use: the shared material, and services that CI must have."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest

# Keep TensorFlow quiet and small on the 2-core machines tests run on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
IN_CI = bool(os.environ.get("CI"))


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
