"""Migrations go up and down cleanly on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import backend.db.models  # noqa: F401
from backend.db.base import Base
from backend.db.migrate import downgrade, upgrade


def _fresh_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_test"))
    engine.dispose()
    # search_path puts every table of this test in its own schema.
    return url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dmigration_test"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    return _fresh_url(request, tmp_path)


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
