"""The one Celery app: Redis when REDIS_URL is set, else kombu's filesystem transport (no server).

Job state lives in our `jobs` table, not in a Celery result backend, so results are ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery

from backend.settings import settings

DEFAULT_QUEUE = "mcuforge"
# Named queues, so a deployment can give each kind of work its own workers (GPU machines take
# `train` and `tune`, small ones `dsp` and `build`). A worker started without --queue takes all.
TASK_QUEUES: dict[str, str] = {
    "mcuforge.features.generate": "dsp",
    "mcuforge.training.train": "train",
    "mcuforge.training.test": "train",
    "mcuforge.deployment.build": "build",
    "mcuforge.tuner.trial": "tune",
}
NAMED_QUEUES = ("dsp", "train", "build", "tune")
ALL_QUEUES = (DEFAULT_QUEUE, *NAMED_QUEUES)
# Modules whose import registers tasks on the app (see worker/registry.py to add a job kind).
TASK_MODULES = ["worker.tasks", "worker.lifecycle"]
# The embedded broker is polled; a short interval keeps a job's start latency low.
EMBEDDED_BROKER_POLL_SECONDS = 0.2


def embedded_broker_folders(data_dir: Path) -> dict[str, Path]:
    """Folders of the filesystem transport: producers and consumers share one message folder."""
    broker_dir = data_dir.resolve() / "broker"
    return {
        "data_folder_in": broker_dir / "messages",
        "data_folder_out": broker_dir / "messages",
        "control_folder": broker_dir / "control",
        "processed_folder": broker_dir / "processed",
        # Messages a worker took and has not acknowledged yet (see worker/embedded_broker.py).
        "taken_folder": broker_dir / "taken",
    }


def broker_config(redis_url: str | None, data_dir: Path) -> dict[str, Any]:
    """Celery settings that select the broker: Redis at `redis_url`, else the embedded one."""
    if redis_url:
        return {
            "broker_url": redis_url,
            "broker_transport": None,
            # A message taken by a worker that died is delivered again after this long (kombu's
            # default is an hour). A job still running when it comes back is skipped by
            # run_job's claim, so a long job is never run twice.
            "broker_transport_options": {
                "visibility_timeout": settings.redis_visibility_timeout_seconds,
                # Look for such messages every 10 s (kombu scans only every 10th look by default,
                # which would add up to 100 s).
                "unacked_restore_interval": 10,
                "unacked_restore_throttle": 1,
            },
            # Remote control (pidbox) lets operators inspect/revoke on a real broker.
            "worker_enable_remote_control": True,
        }
    folders = embedded_broker_folders(data_dir)
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport": "worker.embedded_broker:Transport",
        "broker_transport_options": {
            **{name: str(path) for name, path in folders.items()},
            "store_processed": False,
            "polling_interval": EMBEDDED_BROKER_POLL_SECONDS,
        },
        # Broadcast queues on a filesystem never get cleaned up when a worker dies; the
        # embedded set-up has one worker and needs no remote control.
        "worker_enable_remote_control": False,
    }


def make_celery_app(
    *, redis_url: str | None, data_dir: Path, queue_name: str = DEFAULT_QUEUE
) -> Celery:
    """Build a Celery app for one broker; the worker and the API each use `celery_app` below."""
    app = Celery("mcuforge")
    app.conf.update(
        broker_config(redis_url, data_dir),
        task_default_queue=queue_name,
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # How long a dead pool process's task waits for a result before it is requeued; we
        # keep no results, so waiting the default 10 s only delays the retry.
        worker_lost_wait=1.0,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_send_sent_event=False,
        worker_send_task_events=False,
    )
    if queue_name == DEFAULT_QUEUE:
        # Other app instances (tests, tools) send everything to their own queue instead.
        app.conf.task_routes = {task: {"queue": queue} for task, queue in TASK_QUEUES.items()}
    app.conf.include = TASK_MODULES
    return app


celery_app = make_celery_app(redis_url=settings.redis_url, data_dir=settings.data_dir)
