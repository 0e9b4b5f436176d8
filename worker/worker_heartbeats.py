"""Worker heartbeats in the database: each worker process refreshes its row every
MCUFORGE_WORKER_HEARTBEAT_SECONDS; the health route lists the rows seen within
MCUFORGE_WORKER_SEEN_WITHIN_SECONDS. The database is shared by every worker on every machine,
so this works for one embedded worker as well as for a fleet on Redis."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.db.models import WorkerHeartbeat
from backend.db.models.common import utcnow

# Rows of workers that crashed (no clean shutdown deleted them) are kept this long for the
# record, then pruned, so the table does not grow with every restart.
CRASHED_WORKER_ROWS_KEPT_SECONDS = 24 * 3600.0


def record_heartbeat(
    session: Session,
    *,
    name: str,
    host: str,
    pid: int,
    queues: list[str],
    active_jobs: int,
    now: datetime | None = None,
) -> None:
    """Insert or refresh the worker's row (one writer per name: the worker itself)."""
    now = now or utcnow()
    refreshed = session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.name == name)
        .values(last_seen_at=now, active_jobs=active_jobs, queues=queues, host=host, pid=pid)
        .execution_options(synchronize_session=False)
    )
    if refreshed.rowcount == 0:  # type: ignore[attr-defined]
        session.add(
            WorkerHeartbeat(
                name=name,
                host=host,
                pid=pid,
                queues=queues,
                active_jobs=active_jobs,
                started_at=now,
                last_seen_at=now,
            )
        )
    session.commit()


def remove_heartbeat(session: Session, name: str) -> None:
    """A worker stopping cleanly takes itself off the list at once."""
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))
    session.commit()


def prune_heartbeats(
    session: Session,
    *,
    older_than_seconds: float = CRASHED_WORKER_ROWS_KEPT_SECONDS,
    now: datetime | None = None,
) -> int:
    cutoff = (now or utcnow()) - timedelta(seconds=older_than_seconds)
    pruned = session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at < cutoff))
    session.commit()
    return int(pruned.rowcount)  # type: ignore[attr-defined]


def live_workers(
    session: Session, *, seen_within_seconds: float, now: datetime | None = None
) -> list[WorkerHeartbeat]:
    """Workers whose heartbeat is at most `seen_within_seconds` old, most recently seen first."""
    cutoff = (now or utcnow()) - timedelta(seconds=seen_within_seconds)
    return list(
        session.scalars(
            select(WorkerHeartbeat)
            .where(WorkerHeartbeat.last_seen_at >= cutoff)
            .order_by(WorkerHeartbeat.last_seen_at.desc(), WorkerHeartbeat.name)
        )
    )
