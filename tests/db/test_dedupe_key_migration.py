"""Migration 0009 on data stored before it: duplicates already in a project (stored with
allow_duplicates, or by the race it closes) must not stop the unique index from being built;
the oldest copy of each content takes the key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from backend.db.migrate import downgrade, upgrade
from tests.utils.databases import private_postgres_database

_SAMPLE = (
    "INSERT INTO samples (id, project_id, filename, label, category, kind, source_format, axes, "
    "shape, length, content_hash, created_at) VALUES (:id, :project, :name, 'a', 'training', "
    "'timeseries', 'csv', '[]', '[1, 1]', 1, :hash, CURRENT_TIMESTAMP)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url_at_0006(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
        upgrade(url, "0006")
        yield url
        return
    server_url: str = request.getfixturevalue("postgres_url")
    with private_postgres_database(server_url, prefix="mcuforge_dedupe", migrate=False) as url:
        upgrade(url, "0006")
        yield url


def test_existing_duplicates_keep_their_rows_and_the_oldest_takes_the_key(url_at_0006: str) -> None:
    engine = create_engine(url_at_0006)
    with engine.begin() as connection:
        for project in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO projects (id, name, description, downmix_audio, created_at, "
                    "updated_at) VALUES (:id, :name, '', false, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"id": project, "name": f"p{project}"},
            )
        rows = [(1, 1, "h1"), (2, 1, "h1"), (3, 1, "h2"), (4, 2, "h1"), (5, 1, "h1")]
        for sample_id, project, digest in rows:
            connection.execute(
                text(_SAMPLE),
                {"id": sample_id, "project": project, "name": f"s{sample_id}", "hash": digest},
            )
    upgrade(url_at_0006)
    with engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT id, dedupe_key FROM samples")).all())
    assert keys == {1: "h1", 2: None, 3: "h2", 4: "h1", 5: None}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(_SAMPLE), {"id": 6, "project": 1, "name": "s6", "hash": "h1"})
        connection.execute(text("UPDATE samples SET dedupe_key = 'h1' WHERE id = 6"))
    downgrade(url_at_0006, "0006")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM samples")).scalar() == 5
    engine.dispose()
