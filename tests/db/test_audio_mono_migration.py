"""Migration 0011: existing projects downmix WAV channels from now on, except those whose stored
WAVs already keep their channels as axes (switching them would refuse their next uploads)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backend.db.migrate import upgrade
from tests.utils.databases import private_postgres_database

_PROJECT = (
    "INSERT INTO projects (id, name, description, downmix_audio, is_public, created_at, "
    "updated_at) VALUES (:id, :name, '', false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
_SAMPLE = (
    "INSERT INTO samples (id, project_id, filename, label, category, kind, source_format, axes, "
    "shape, length, content_hash, created_at) VALUES (:id, :project, 'x.wav', 'a', 'training', "
    "'timeseries', :format, :axes, '[1, 1]', 1, :hash, CURRENT_TIMESTAMP)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url_at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
        upgrade(url, "0008")
        yield url
        return
    server_url: str = request.getfixturevalue("postgres_url")
    with private_postgres_database(server_url, prefix="mcuforge_mono", migrate=False) as url:
        upgrade(url, "0008")
        yield url


def test_projects_downmix_unless_their_wavs_keep_channels(url_at_0008: str) -> None:
    engine = create_engine(url_at_0008)
    mono = '[{"name": "audio", "units": "wav"}]'
    stereo = '[{"name": "ch0", "units": "wav"}, {"name": "ch1", "units": "wav"}]'
    csv = '[{"name": "accX", "units": ""}, {"name": "accY", "units": ""}]'
    with engine.begin() as connection:
        for project_id, name in enumerate(("empty", "mono", "stereo", "sensor"), start=1):
            connection.execute(text(_PROJECT), {"id": project_id, "name": name})
        for sample_id, project, source_format, axes in [
            (1, 2, "wav", mono),
            (2, 3, "wav", mono),
            (3, 3, "wav", stereo),
            (4, 4, "csv", csv),
        ]:
            connection.execute(
                text(_SAMPLE),
                {"id": sample_id, "project": project, "format": source_format, "axes": axes,
                 "hash": f"h{sample_id}"},
            )
    upgrade(url_at_0008, "0011")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, downmix_audio FROM projects")).all()
    assert {name: bool(downmix) for name, downmix in rows} == {
        "empty": True,
        "mono": True,
        "stereo": False,
        "sensor": True,
    }
    engine.dispose()
