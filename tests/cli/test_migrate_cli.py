"""`mcuforge migrate` moves the configured database up to head, one step down, and to base."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from tests.cli.conftest import server_environment


def _migrate(data_dir: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate", *args],
        cwd=data_dir,
        env=server_environment(data_dir),
        check=True,
        capture_output=True,
        timeout=120,
    )


def _tables(data_dir: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{data_dir / 'mcuforge.db'}")
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_migrate_up_and_down(tmp_path: Path) -> None:
    _migrate(tmp_path)
    assert {"projects", "samples", "sample_data", "jobs", "job_logs"} <= _tables(tmp_path)
    _migrate(tmp_path, "downgrade", "base")
    assert _tables(tmp_path) <= {"alembic_version"}
    _migrate(tmp_path, "upgrade", "head")
    assert "samples" in _tables(tmp_path)
