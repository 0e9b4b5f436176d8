"""Worker start-up and background duties: reap jobs of dead workers at start and periodically,
give back embedded-broker messages taken by dead workers, clean stale scratch folders, and
write this worker's heartbeat row (read by the health route)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown
from celery.worker import state as worker_state

from backend.db.session import get_engine, get_sessionmaker
from backend.settings import settings
from worker.hardening import make_process_undumpable
from worker.job_reaper import reap_stale_jobs
from worker.scratch import remove_stale_scratch
from worker.worker_heartbeats import prune_heartbeats, record_heartbeat, remove_heartbeat

logger = logging.getLogger(__name__)

# Prune crashed workers' heartbeat rows once every this many beats.
PRUNE_EVERY_BEATS = 100


def reap_once() -> list[int]:
    with get_sessionmaker()() as session:
        reaped = reap_stale_jobs(session)
    if reaped:
        logger.warning("marked jobs %s failed: their worker stopped", reaped)
    return reaped


def restore_lost_messages() -> int:
    """Embedded broker only: requeue messages that a dead worker took but never acknowledged."""
    if not settings.uses_embedded_broker:
        return 0  # Redis redelivers them itself after MCUFORGE_REDIS_VISIBILITY_TIMEOUT_SECONDS
    from worker.celery_app import embedded_broker_folders
    from worker.embedded_broker import restore_orphaned_messages

    restored = restore_orphaned_messages(embedded_broker_folders(settings.data_dir))
    if restored:
        logger.warning("requeued %d job message(s) taken by a worker that died", restored)
    return restored


def clean_scratch() -> list[str]:
    with get_sessionmaker()() as session:
        removed = remove_stale_scratch(session)
    if removed:
        logger.info("removed scratch folders of jobs no longer running: %s", removed)
    return removed


def reap_interval_seconds() -> float:
    # Often enough that a dead worker's job fails soon after it goes stale, never a busy loop.
    return min(max(settings.job_stale_after_seconds / 4, 0.5), 30.0)


def _reap_forever(stop: threading.Event) -> None:
    while not stop.wait(reap_interval_seconds()):
        try:
            reap_once()
            restore_lost_messages()
            clean_scratch()
        except Exception:  # the database may be briefly unreachable; try again next round
            logger.warning("reaping stale jobs failed", exc_info=True)


class WorkerHeartbeatThread(threading.Thread):
    """Writes this worker's heartbeat row every MCUFORGE_WORKER_HEARTBEAT_SECONDS."""

    def __init__(self, name: str, queues: list[str]) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_name = name
        self.queues = queues
        self.stopping = threading.Event()

    def beat(self) -> None:
        with get_sessionmaker()() as session:
            record_heartbeat(
                session,
                name=self.worker_name,
                host=socket.gethostname(),
                pid=os.getpid(),
                queues=self.queues,
                active_jobs=len(worker_state.active_requests),
            )

    def run(self) -> None:
        beats = 0
        while True:
            try:
                self.beat()
                if beats % PRUNE_EVERY_BEATS == 0:
                    with get_sessionmaker()() as session:
                        prune_heartbeats(session)
            except Exception:  # a database hiccup must not end the heartbeat; try again
                logger.warning("writing the worker heartbeat failed", exc_info=True)
            beats += 1
            if self.stopping.wait(settings.worker_heartbeat_seconds):
                return

    def stop_and_remove(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        try:
            with get_sessionmaker()() as session:
                remove_heartbeat(session, self.worker_name)
        except Exception:
            logger.warning("removing the worker heartbeat failed", exc_info=True)


_stop_reaper = threading.Event()
_heartbeat: WorkerHeartbeatThread | None = None


def _consumed_queues(consumer: Any) -> list[str]:
    try:
        return sorted(queue.name for queue in consumer.task_consumer.queues)
    except AttributeError:
        return sorted(consumer.app.amqp.queues.consume_from)


@worker_ready.connect
def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    global _heartbeat
    try:
        reap_once()
        restore_lost_messages()
        clean_scratch()
    except Exception:
        logger.warning("reaping stale jobs at start-up failed", exc_info=True)
    threading.Thread(
        target=_reap_forever, args=(_stop_reaper,), name="job-reaper", daemon=True
    ).start()
    name = getattr(sender, "hostname", None) or f"mcuforge-{os.getpid()}@{socket.gethostname()}"
    _heartbeat = WorkerHeartbeatThread(name, _consumed_queues(sender) if sender else [])
    _heartbeat.start()


@worker_shutdown.connect
def _on_worker_shutdown(**_: Any) -> None:
    _stop_reaper.set()
    if _heartbeat is not None:
        _heartbeat.stop_and_remove()


@worker_init.connect
def _on_worker_init(**_: Any) -> None:
    make_process_undumpable()


@worker_process_init.connect
def _on_pool_process_init(**_: Any) -> None:
    make_process_undumpable()
    # A forked pool process must not share the parent's database connections.
    get_engine().dispose(close=False)
