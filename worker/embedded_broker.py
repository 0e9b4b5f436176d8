"""The embedded broker: kombu's filesystem transport, with messages written atomically.

kombu creates a message file under its final name and then writes it, so a consumer listing
the folder in between reads an empty file, fails to decode it and the message is lost. Here
the message is written under a name consumers ignore and renamed into place.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
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


class Transport(filesystem.Transport):
    Channel = Channel
