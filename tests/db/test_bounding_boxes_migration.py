"""Migration 0016: samples stored before it get an empty list of bounding boxes, which the
labelling list reads as unlabelled; the downgrade drops the column again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from backend.db.migrate import downgrade, upgrade
from tests.utils.databases import private_postgres_database

_PROJECT = (
    "INSERT INTO projects (id, name, description, downmix_audio, is_public, created_at, "
    "updated_at) VALUES (1, 'p', '', false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
_SAMPLE = (
    "INSERT INTO samples (id, project_id, filename, label, category, kind, source_format, axes, "
    "shape, length, content_hash, created_at) VALUES (1, 1, 'a.png', 'cat', 'training', "
    "'image', 'png', '[]', '[2, 2, 3]', 4, 'h1', CURRENT_TIMESTAMP)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url_before_0016(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
        upgrade(url, "0015")
        yield url
        return
    server_url: str = request.getfixturevalue("postgres_url")
    with private_postgres_database(server_url, prefix="mcuforge_boxes", migrate=False) as url:
        upgrade(url, "0015")
        yield url


def test_existing_samples_get_no_boxes_and_the_downgrade_drops_them(url_before_0016: str) -> None:
    engine = create_engine(url_before_0016)
    with engine.begin() as connection:
        connection.execute(text(_PROJECT))
        connection.execute(text(_SAMPLE))
    upgrade(url_before_0016, "0016")
    with engine.connect() as connection:
        (boxes,) = connection.execute(text("SELECT bounding_boxes FROM samples")).one()
        (unlabelled,) = connection.execute(
            text("SELECT count(*) FROM samples WHERE json_array_length(bounding_boxes) = 0")
        ).one()
    assert (json.loads(boxes) if isinstance(boxes, str) else boxes) == []
    assert unlabelled == 1
    downgrade(url_before_0016, "0015")
    columns = {column["name"] for column in inspect(engine).get_columns("samples")}
    assert "bounding_boxes" not in columns and "label" in columns
    engine.dispose()
