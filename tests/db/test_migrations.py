"""Migrations go up and down cleanly on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import backend.db.models  # noqa: F401
from backend.db.base import Base
from backend.db.migrate import downgrade, upgrade
from tests.utils.databases import private_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    server_url: str = request.getfixturevalue("postgres_url")
    with private_postgres_database(server_url, prefix="mcuforge_migration", migrate=False) as url:
        yield url


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(fresh_url: str) -> None:
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(fresh_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(fresh_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_migrations_match_the_models(fresh_url: str) -> None:
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == [], f"models changed without a migration: {differences}"
