"""Job scratch folders live under the data directory, named by job; a starting worker removes
those of jobs that are not running and keeps a running job's (another worker may own it)."""

from __future__ import annotations

from pathlib import Path

from backend.db.models import Job, JobState
from backend.db.session import get_sessionmaker
from tests.worker.jobs_helpers import make_project
from worker.scratch import job_scratch_dir, remove_stale_scratch, scratch_root


def add_job(state: JobState) -> int:
    with get_sessionmaker()() as session:
        job = Job(project_id=make_project(), kind="worker.check", state=state, params={})
        session.add(job)
        session.commit()
        return job.id


def test_a_scratch_folder_is_under_the_data_dir_named_by_its_job_and_removed_after(
    tmp_path: Path,
) -> None:
    with job_scratch_dir(12, "train", data_dir=tmp_path) as folder:
        (folder / "model.keras").write_bytes(b"weights")
        assert folder.parent == tmp_path.resolve() / "scratch"
        assert folder.name.startswith("job-12-train-")
    assert not folder.exists()


def test_stale_folders_are_removed_and_a_running_jobs_folder_is_kept(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    running = add_job(JobState.running)
    failed = add_job(JobState.failed)
    queued = add_job(JobState.queued)
    root = scratch_root(tmp_path)
    keep = root / f"job-{running}-train-abc"
    stale = [root / f"job-{failed}-train-def", root / f"job-{queued}-train-ghi", root / "job-999999-x-1"]
    for folder in [keep, *stale]:
        (folder / "run").mkdir(parents=True)
        (folder / "run" / "log.txt").write_text("left by a killed worker")
    foreign = root / "not-ours"
    foreign.mkdir()

    with get_sessionmaker()() as session:
        removed = remove_stale_scratch(session, data_dir=tmp_path)

    assert sorted(removed) == sorted(folder.name for folder in stale)
    assert keep.is_dir() and (keep / "run" / "log.txt").exists()
    assert not any(folder.exists() for folder in stale)
    assert foreign.is_dir()
