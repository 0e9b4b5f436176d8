"""Worker start-up and background duties: reap jobs of dead workers at start and periodically."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_ready

from backend.db.session import get_engine, get_sessionmaker
from backend.settings import settings
from worker.hardening import make_process_undumpable
from worker.job_reaper import reap_stale_jobs

logger = logging.getLogger(__name__)


def reap_once() -> list[int]:
    with get_sessionmaker()() as session:
        reaped = reap_stale_jobs(session)
    if reaped:
        logger.warning("marked jobs %s failed: their worker stopped", reaped)
    return reaped


def reap_interval_seconds() -> float:
    # Often enough that a dead worker's job fails soon after it goes stale, never a busy loop.
    return min(max(settings.job_stale_after_seconds / 4, 0.5), 30.0)


def _reap_forever(stop: threading.Event) -> None:
    while not stop.wait(reap_interval_seconds()):
        try:
            reap_once()
        except Exception:  # the database may be briefly unreachable; try again next round
            logger.warning("reaping stale jobs failed", exc_info=True)


_stop_reaper = threading.Event()


@worker_ready.connect
def _on_worker_ready(**_: Any) -> None:
    try:
        reap_once()
    except Exception:
        logger.warning("reaping stale jobs at start-up failed", exc_info=True)
    threading.Thread(
        target=_reap_forever, args=(_stop_reaper,), name="job-reaper", daemon=True
    ).start()


@worker_init.connect
def _on_worker_init(**_: Any) -> None:
    make_process_undumpable()


@worker_process_init.connect
def _on_pool_process_init(**_: Any) -> None:
    make_process_undumpable()
    # A forked pool process must not share the parent's database connections.
    get_engine().dispose(close=False)
