"""Migrations go up and down cleanly on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

import backend.db.models  # noqa: F401
from backend.db.base import Base
from backend.db.migrate import alembic_config, downgrade, upgrade
from backend.services import secret_box
from backend.settings import settings
from tests.utils.databases import private_postgres_database

# The migration that encrypts project HMAC keys, and the one before it (wherever it is chained).
ENCRYPTION_REVISION = "0008"
ENCRYPTION_REVISION_PARENT = str(
    ScriptDirectory.from_config(alembic_config()).get_revision(ENCRYPTION_REVISION).down_revision
)


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


def _hmac_columns(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM projects WHERE name = 'signed'")).mappings().one()
    return {k: v for k, v in row.items() if k.startswith("hmac_key")}


def _member_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM project_members")).scalar_one())


def test_hmac_keys_are_encrypted_on_upgrade_and_decrypted_on_downgrade(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "secret_key", "the secret key of this server")
    upgrade(fresh_url, ENCRYPTION_REVISION_PARENT)
    engine = create_engine(fresh_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (name, description, hmac_key, downmix_audio, is_public, "
                "created_at, updated_at) VALUES ('signed', '', 'plain-key', false, false, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), ('unsigned', '', NULL, false, false, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        # A row that references the project: rebuilding `projects` (SQLite batch mode) would
        # delete it through ON DELETE CASCADE.
        connection.execute(
            text(
                "INSERT INTO users (username, email, password_hash, is_admin, created_at) "
                "VALUES ('alice', 'a@example.org', 'x', false, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO project_members (project_id, user_id, role, created_at) SELECT "
                "p.id, u.id, 'owner', CURRENT_TIMESTAMP FROM projects p, users u "
                "WHERE p.name = 'signed'"
            )
        )
    upgrade(fresh_url, ENCRYPTION_REVISION)
    assert _member_count(engine) == 1
    stored = _hmac_columns(engine)
    assert set(stored) == {"hmac_key_encrypted"}
    assert "plain-key" not in str(stored["hmac_key_encrypted"])
    assert secret_box.decrypt(str(stored["hmac_key_encrypted"])) == "plain-key"

    # Under another secret key the downgrade stops and changes nothing.
    monkeypatch.setattr(settings, "secret_key", "another secret key")
    with pytest.raises(RuntimeError, match="another MCUFORGE_SECRET_KEY"):
        downgrade(fresh_url, ENCRYPTION_REVISION_PARENT)
    assert _hmac_columns(engine) == stored

    monkeypatch.setattr(settings, "secret_key", "the secret key of this server")
    downgrade(fresh_url, ENCRYPTION_REVISION_PARENT)
    assert _hmac_columns(engine) == {"hmac_key": "plain-key"}
    assert _member_count(engine) == 1
    with engine.connect() as connection:
        unsigned = connection.execute(
            text("SELECT hmac_key FROM projects WHERE name = 'unsigned'")
        ).scalar_one()
    assert unsigned is None
    engine.dispose()
