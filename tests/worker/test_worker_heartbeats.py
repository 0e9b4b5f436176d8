"""Worker heartbeat rows: one per worker, refreshed in place, listed while recent, removed at a
clean stop and pruned once a crashed worker's row is old."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from backend.db.models import WorkerHeartbeat
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from worker.worker_heartbeats import (
    CRASHED_WORKER_ROWS_KEPT_SECONDS,
    live_workers,
    prune_heartbeats,
    record_heartbeat,
    remove_heartbeat,
)


def beat(name: str, seconds_ago: float, active_jobs: int = 0) -> None:
    with get_sessionmaker()() as session:
        record_heartbeat(
            session,
            name=name,
            host="box",
            pid=7,
            queues=["mcuforge"],
            active_jobs=active_jobs,
            now=utcnow() - timedelta(seconds=seconds_ago),
        )


def names(seen_within_seconds: float) -> list[str]:
    with get_sessionmaker()() as session:
        workers = live_workers(session, seen_within_seconds=seen_within_seconds)
        return [worker.name for worker in workers]


def test_heartbeats_refresh_one_row_per_worker_and_only_recent_ones_are_live(
    database_url: str,
) -> None:
    beat("a@box", seconds_ago=100)
    beat("a@box", seconds_ago=1, active_jobs=1)
    beat("b@box", seconds_ago=50)

    assert names(seen_within_seconds=30) == ["a@box"]
    assert names(seen_within_seconds=60) == ["a@box", "b@box"]
    with get_sessionmaker()() as session:
        assert session.scalar(select(func.count()).select_from(WorkerHeartbeat)) == 2
        row = session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.name == "a@box")).one()
        assert row.active_jobs == 1 and row.started_at < row.last_seen_at


def test_a_clean_stop_removes_the_row_and_old_rows_are_pruned(database_url: str) -> None:
    beat("stopped@box", seconds_ago=0)
    beat("crashed@box", seconds_ago=CRASHED_WORKER_ROWS_KEPT_SECONDS + 60)
    beat("recent-crash@box", seconds_ago=120)

    with get_sessionmaker()() as session:
        remove_heartbeat(session, "stopped@box")
        assert prune_heartbeats(session) == 1

    assert names(seen_within_seconds=10**9) == ["recent-crash@box"]
