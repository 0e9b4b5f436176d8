"""Can jobs run? The database answers, the broker answers, and a worker was seen recently.

Each check returns the problem in words (None when fine), so the health route can say why it
answers 503. Nothing here names a URL or a password: the route is public.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from backend.db.models import WorkerHeartbeat
from backend.settings import settings
from worker.worker_heartbeats import live_workers

# A health probe must answer quickly even when Redis hangs.
BROKER_PING_TIMEOUT_SECONDS = 1.0


def database_problem(session: Session) -> str | None:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        try:
            session.rollback()
        except SQLAlchemyError:
            pass  # the connection is gone; the session is closed with the request
        return f"the database cannot be reached ({type(exc).__name__})"
    return None


def broker_problem() -> str | None:
    """Redis: a PING within BROKER_PING_TIMEOUT_SECONDS. Embedded: its queue folder is writable."""
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=BROKER_PING_TIMEOUT_SECONDS,
            socket_connect_timeout=BROKER_PING_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        except (redis.RedisError, OSError) as exc:
            return (
                f"the broker (Redis) did not answer a PING within "
                f"{BROKER_PING_TIMEOUT_SECONDS:g} s ({type(exc).__name__})"
            )
        finally:
            client.close()
        return None
    from worker.celery_app import embedded_broker_folders

    queue_folder = embedded_broker_folders(settings.data_dir)["data_folder_in"]
    try:
        queue_folder.mkdir(parents=True, exist_ok=True)
        # A dot name: consumers only read `<name>.<queue>.msg`.
        with tempfile.NamedTemporaryFile(dir=queue_folder, prefix=".health-"):
            pass
    except OSError as exc:
        return f"the embedded broker's folder in the data directory is not writable ({exc.strerror})"
    return None


def no_worker_problem(seen_within_seconds: float) -> str:
    return f"no worker has been seen in the last {seen_within_seconds:g} s: jobs cannot run"


@dataclass
class HealthReport:
    database_reachable: bool
    broker_reachable: bool
    workers: list[WorkerHeartbeat] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_health(session: Session) -> HealthReport:
    problems = []
    database = database_problem(session)
    broker = broker_problem()
    workers: list[WorkerHeartbeat] = []
    for problem in (database, broker):
        if problem:
            problems.append(problem)
    if database is None:
        workers = live_workers(session, seen_within_seconds=settings.worker_seen_within_seconds)
        if not workers:
            problems.append(no_worker_problem(settings.worker_seen_within_seconds))
    return HealthReport(
        database_reachable=database is None,
        broker_reachable=broker is None,
        workers=workers,
        problems=problems,
    )
