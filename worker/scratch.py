"""Scratch folders of jobs, under `<MCUFORGE_DATA_DIR>/scratch/`, named after their job.

A worker killed mid-job (SIGKILL, OOM) cannot remove its scratch folder, and /tmp would keep
it until reboot. Here each folder is `job-<id>-<purpose>-<random>`, and a worker starting up
(and its reaper, periodically) removes the folders of jobs that are not running. A job running
on another worker of the same machine keeps its folder.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Job, JobState
from backend.settings import settings

logger = logging.getLogger(__name__)

SCRATCH_NAME = re.compile(r"^job-(?P<job_id>\d+)-")


def scratch_root(data_dir: Path | None = None) -> Path:
    root = (data_dir or settings.data_dir).resolve() / "scratch"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


@contextmanager
def job_scratch_dir(job_id: int, purpose: str, data_dir: Path | None = None) -> Iterator[Path]:
    """A fresh folder for the job's files, removed when the block ends (however it ends)."""
    with tempfile.TemporaryDirectory(
        prefix=f"job-{job_id}-{purpose}-", dir=scratch_root(data_dir)
    ) as folder:
        yield Path(folder)


def remove_stale_scratch(session: Session, data_dir: Path | None = None) -> list[str]:
    """Remove scratch folders whose job is not running (finished, failed, gone); their names.

    Folders not named by us are left alone.
    """
    root = scratch_root(data_dir)
    owners: dict[Path, int] = {}
    for entry in root.iterdir():
        match = SCRATCH_NAME.match(entry.name)
        if match:
            owners[entry] = int(match["job_id"])
    if not owners:
        return []
    running = set(
        session.scalars(
            select(Job.id).where(
                Job.id.in_(set(owners.values())), Job.state == JobState.running
            )
        )
    )
    removed = []
    for entry, job_id in sorted(owners.items()):
        if job_id in running:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed
