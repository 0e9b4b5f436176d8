"""The embedded broker: kombu's filesystem transport, with messages written atomically and kept
on disk until acknowledged.

kombu creates a message file under its final name and then writes it, so a consumer listing
the folder in between reads an empty file, fails to decode it and the message is lost. Here
the message is written under a name consumers ignore and renamed into place.

kombu also deletes a message file the moment a worker takes it, so a worker killed before it
acknowledged the message (acks_late: after the job ran) loses it and its job stays queued
forever. Here a taken message moves into a folder of the taking channel,
`broker/taken/<pid>-<id>/`, guarded by an flock held while that process lives; acknowledging
deletes the file. `restore_orphaned_messages` (run by every worker at start and periodically)
moves the messages of folders whose lock is free (their process died, however it died) back
into the queue, so another worker runs the job; `run_job`'s conditional claim makes a
second delivery of an already finished or running job harmless.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from pathlib import Path
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on `path`, or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def restore_orphaned_messages(folders: dict[str, Path]) -> int:
    """Move messages taken by channels whose process is gone back into the queue; their count."""
    taken_root = folders["taken_folder"]
    queue_folder = folders["data_folder_in"]
    restored = 0
    if not taken_root.is_dir():
        return 0
    for taken in sorted(taken_root.iterdir()):
        if not taken.is_dir():
            continue
        lock_path = taken.with_name(taken.name + LOCK_SUFFIX)
        fd = _try_lock(lock_path)
        if fd is None:
            continue  # its consumer is alive
        try:
            for message in sorted(taken.iterdir()):
                os.replace(message, queue_folder / message.name)
                restored += 1
            taken.rmdir()
            lock_path.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not give back the messages in %s", taken, exc_info=True)
        finally:
            os.close(fd)
    return restored


class Channel(filesystem.Channel):
    _taken_folder: str | None = None
    _taken_lock_fd: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._taken_files: dict[str, str] = {}  # delivery tag -> the message file we hold

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        # Same name scheme as kombu (time-ordered, then the queue), so consumers sort it alike.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final_path = os.path.join(self.data_folder_out, name)
        # A leading dot: kombu matches `<anything>.<queue>.msg` on the text after the first dot.
        partial_path = os.path.join(self.data_folder_out, f".{name}.partial")
        try:
            with open(partial_path, "wb") as partial:
                partial.write(str_to_bytes(dumps(payload)))
            os.replace(partial_path, final_path)
        except OSError as exc:
            raise ChannelError(f"cannot add message {final_path!r} to the queue folder") from exc

    def _own_taken_folder(self) -> str:
        """This channel's folder of taken messages; locked before it exists, so a restorer
        never mistakes it for a dead consumer's."""
        if self._taken_folder is None:
            root = Path(self.transport_options["taken_folder"])
            root.mkdir(parents=True, exist_ok=True)
            folder = root / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
            fd = _try_lock(folder.with_name(folder.name + LOCK_SUFFIX))
            if fd is None:  # cannot happen with a fresh random name
                raise ChannelError(f"the lock of {folder} is already held")
            folder.mkdir()
            self._taken_lock_fd, self._taken_folder = fd, str(folder)
        return self._taken_folder

    def _get(self, queue: str) -> Any:
        if "taken_folder" not in self.transport_options:
            return super()._get(queue)
        queue_find = f"{queue}.msg"
        for filename in sorted(os.listdir(self.data_folder_in)):
            # only messages of this queue; `.partial` files are still being written
            if filename.partition(".")[2] != queue_find:
                continue
            taken_path = os.path.join(self._own_taken_folder(), filename)
            try:
                os.replace(os.path.join(self.data_folder_in, filename), taken_path)
            except OSError:
                continue  # another consumer took it first
            try:
                with open(taken_path, "rb") as taken:
                    payload = loads(bytes_to_str(taken.read()))
            except (OSError, ValueError) as exc:
                raise ChannelError(f"cannot read message {taken_path!r}") from exc
            tag = payload.get("properties", {}).get("delivery_tag")
            if tag is None:
                os.remove(taken_path)  # nothing could acknowledge it: behave like kombu
            else:
                self._taken_files[tag] = taken_path
            return payload
        raise filesystem.Empty()

    def _forget_taken(self, delivery_tag: str) -> None:
        path = self._taken_files.pop(delivery_tag, None)
        if path is not None:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple=multiple)
        self._forget_taken(delivery_tag)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)
        self._forget_taken(delivery_tag)

    def _restore(self, message: Any) -> None:
        # Requeued (a rejection with requeue, or unacknowledged at a clean close): the queue
        # has a fresh copy, so ours must go.
        super()._restore(message)
        self._forget_taken(message.delivery_tag)

    def close(self) -> None:
        super().close()
        if self._taken_folder is not None and self._taken_lock_fd is not None:
            folder = Path(self._taken_folder)
            try:
                folder.rmdir()  # only when empty; otherwise a restorer gives its messages back
                folder.with_name(folder.name + LOCK_SUFFIX).unlink(missing_ok=True)
            except OSError:
                pass
            os.close(self._taken_lock_fd)
            self._taken_folder, self._taken_lock_fd = None, None


class Transport(filesystem.Transport):
    Channel = Channel
