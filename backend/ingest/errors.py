"""The one error type of ingestion: a file that cannot be accepted, and why, in words for
the user."""

from __future__ import annotations

_MAX_SHOWN_NAME_CHARS = 80
_MAX_SHOWN_VALUE_CHARS = 40
MAX_REASON_CHARS = 600


def shown_name(filename: str) -> str:
    """The file name as it is safe to print: control characters escaped, long names shortened."""
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in filename
    )
    if len(escaped) > _MAX_SHOWN_NAME_CHARS:
        escaped = escaped[: _MAX_SHOWN_NAME_CHARS - 3] + "..."
    return escaped


def shown_value(value: object) -> str:
    """A value from a file as it is safe to quote in an error: short, one line, never the whole of
    a 100 kB integer or a nested list (whose repr could be huge, or fail: Python refuses to print
    integers of more than 4300 digits, and recursion on deep nesting)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if abs(value) < 10**_MAX_SHOWN_VALUE_CHARS:
            return str(value)
        digits = int(abs(value).bit_length() * 0.30103) + 1  # log10(2); no decimal conversion
        return f"an integer of about {digits} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        text = repr(value[: _MAX_SHOWN_VALUE_CHARS + 1])
        return text if len(value) <= _MAX_SHOWN_VALUE_CHARS else text[:-1] + "..." + text[-1]
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"an object with {len(value)} fields"
    return f"a value of type {type(value).__name__}"


class IngestError(ValueError):
    """A file that cannot be accepted.

    str() is a user-facing sentence naming the file and the problem.
    """

    filename: str
    reason: str

    def __init__(self, filename: str, reason: str) -> None:
        if len(reason) > MAX_REASON_CHARS:
            # The last guard: whatever a message quotes from the file, the answer stays short.
            reason = reason[: MAX_REASON_CHARS - 3] + "..."
        self.filename = filename
        self.reason = reason
        super().__init__(f'Cannot accept "{shown_name(filename)}": {reason}')

    def __reduce__(self) -> tuple[type[IngestError], tuple[str, str]]:
        # Keeps the error picklable (Celery ships exceptions between processes).
        return (type(self), (self.filename, self.reason))
