"""The embedded broker keeps a taken message on disk until it is acknowledged, and gives the
messages of a consumer that died (SIGKILL) back to the queue, so their jobs are not lost; on
both brokers a job whose worker died right after taking its message still runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.db.migrate import upgrade
from backend.db.models import JobState
from backend.db.session import get_sessionmaker, set_database_url
from backend.services.jobs import create_job, enqueue_job
from tests.utils.databases import private_postgres_database
from tests.worker.jobs_helpers import make_project, read_job, wait_for
from tests.worker.worker_process import REPO_ROOT, BrokerSetup, WorkerProcess
from worker.celery_app import embedded_broker_folders, make_celery_app
from worker.embedded_broker import restore_orphaned_messages

pytestmark = pytest.mark.timeout(120)
QUEUE = "broker-test"

# Takes one message without acknowledging it, then dies the way the OOM killer kills.
TAKE_AND_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from worker.celery_app import make_celery_app

    from backend.settings import settings

    app = make_celery_app(
        redis_url=settings.redis_url, data_dir=Path(sys.argv[1]), queue_name=sys.argv[2]
    )
    connection = app.connection_for_read()
    message = connection.default_channel.basic_get(sys.argv[2])
    print("took", message is not None, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def queued(folders: dict[str, Path]) -> list[str]:
    return [path.name for path in folders["data_folder_in"].iterdir() if path.suffix == ".msg"]


def taken(folders: dict[str, Path]) -> list[Path]:
    return [message for folder in folders["taken_folder"].glob("*/") for message in folder.iterdir()]


def test_a_dead_consumers_unacknowledged_message_goes_back_to_the_queue(tmp_path: Path) -> None:
    app = make_celery_app(redis_url=None, data_dir=tmp_path, queue_name=QUEUE)
    folders = embedded_broker_folders(tmp_path)
    app.send_task("mcuforge.worker.check", args=[7], queue=QUEUE)
    assert len(queued(folders)) == 1

    died = subprocess.run(
        [sys.executable, "-c", TAKE_AND_DIE, str(tmp_path), QUEUE],
        cwd=REPO_ROOT,
        env={key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert died.returncode == -9 and "took True" in died.stdout, died.stderr
    assert queued(folders) == [] and len(taken(folders)) == 1
    assert restore_orphaned_messages(folders) == 1
    assert len(queued(folders)) == 1 and taken(folders) == []
    assert list(folders["taken_folder"].iterdir()) == []  # its folder and lock are gone too
    with app.connection_for_read() as connection:
        message = connection.default_channel.basic_get(QUEUE)
        assert message is not None and message.payload == [[7], {}, message.payload[2]]
        message.ack()


def test_a_live_consumers_message_stays_taken_until_acknowledged(tmp_path: Path) -> None:
    app = make_celery_app(redis_url=None, data_dir=tmp_path, queue_name=QUEUE)
    folders = embedded_broker_folders(tmp_path)
    app.send_task("mcuforge.worker.check", args=[1], queue=QUEUE)
    app.send_task("mcuforge.worker.check", args=[2], queue=QUEUE)
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        first = channel.basic_get(QUEUE)
        second = channel.basic_get(QUEUE)
        assert first is not None and second is not None
        assert len(taken(folders)) == 2

        assert restore_orphaned_messages(folders) == 0  # our lock is held: we are alive

        first.ack()
        assert len(taken(folders)) == 1
        second.reject(requeue=True)
        assert taken(folders) == [] and len(queued(folders)) == 1
    # A clean close leaves no folder behind.
    assert list(folders["taken_folder"].iterdir()) == []


@pytest.fixture(
    params=[
        pytest.param("embedded", id="embedded-broker-sqlite"),
        pytest.param("redis", id="redis-postgres", marks=[pytest.mark.redis, pytest.mark.postgres]),
    ]
)
def broker_setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BrokerSetup]:
    if request.param == "embedded":
        database_url = f"sqlite:///{tmp_path / 'jobs.db'}"
        upgrade(database_url)
        set_database_url(database_url)
        yield BrokerSetup("embedded", database_url, None, tmp_path)
        return
    redis_url = request.getfixturevalue("redis_url")
    with private_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        set_database_url(database_url)
        # Redis gives back a dead consumer's message once it is this old (kombu checks every 10 s).
        visibility = {"MCUFORGE_REDIS_VISIBILITY_TIMEOUT_SECONDS": "2"}
        yield BrokerSetup("redis", database_url, redis_url, tmp_path, visibility)


def test_a_job_whose_worker_died_after_taking_its_message_still_runs(
    broker_setup: BrokerSetup, tmp_path: Path
) -> None:
    """The gap between taking the message and marking the job running: the job must not stay
    queued forever. The message goes back to the queue and the next worker runs the job."""
    queue = f"{QUEUE}-{uuid.uuid4().hex[:8]}"
    with get_sessionmaker()() as session:
        job = create_job(session, project_id=make_project(), kind="worker.check", params={"seconds": 0})
    enqueue_job(job, app=broker_setup.app(queue))
    died = subprocess.run(
        [sys.executable, "-c", TAKE_AND_DIE, str(tmp_path), queue],
        cwd=REPO_ROOT,
        env=broker_setup.environment(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert died.returncode == -9 and "took True" in died.stdout, died.stderr
    assert read_job(job.id).state == JobState.queued

    worker = WorkerProcess(broker_setup, queue, tmp_path / "worker.log").start()
    try:
        wait_for(
            lambda: read_job(job.id).state == JobState.succeeded,
            timeout_seconds=60,
            what="the job to succeed",
        )
    except AssertionError as error:
        raise AssertionError(f"{error}; worker output:\n{worker.log_tail()}") from None
    finally:
        worker.stop()
    if broker_setup.name == "embedded":
        assert "requeued 1 job message(s) taken by a worker that died" in worker.log_tail(20000)
