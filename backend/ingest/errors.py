"""The one error type of ingestion: a file that cannot be accepted, and why, in words for
the user."""

from __future__ import annotations

_MAX_SHOWN_NAME_CHARS = 80


def shown_name(filename: str) -> str:
    """The file name as it is safe to print: control characters escaped, long names shortened."""
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in filename
    )
    if len(escaped) > _MAX_SHOWN_NAME_CHARS:
        escaped = escaped[: _MAX_SHOWN_NAME_CHARS - 3] + "..."
    return escaped


class IngestError(ValueError):
    """A file that cannot be accepted.

    str() is a user-facing sentence naming the file and the problem.
    """

    filename: str
    reason: str

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f'Cannot accept "{shown_name(filename)}": {reason}')

    def __reduce__(self) -> tuple[type[IngestError], tuple[str, str]]:
        # Keeps the error picklable (Celery ships exceptions between processes).
        return (type(self), (self.filename, self.reason))
