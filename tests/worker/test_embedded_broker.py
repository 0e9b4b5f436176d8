"""The embedded broker keeps a taken message on disk until it is acknowledged, and gives the
messages of a consumer that died (SIGKILL) back to the queue, so their jobs are not lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.worker.worker_process import REPO_ROOT
from worker.celery_app import embedded_broker_folders, make_celery_app
from worker.embedded_broker import restore_orphaned_messages

pytestmark = pytest.mark.timeout(60)
QUEUE = "broker-test"

# Takes one message without acknowledging it, then dies the way the OOM killer kills.
TAKE_AND_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from worker.celery_app import make_celery_app

    app = make_celery_app(redis_url=None, data_dir=Path(sys.argv[1]), queue_name=sys.argv[2])
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
