"""Text that a file carries into the database (device names and types, sensor names and units,
CSV column names): checked to be storable and printable before anything is stored.

PostgreSQL refuses NUL in text, and neither database can store a lone UTF-16 surrogate (JSON's
"\\ud800"), so such text would fail at commit with a database error instead of a message about
the file; other control characters would corrupt listings, CSV exports and terminals.
"""

from __future__ import annotations

import re

from backend.ingest.errors import IngestError, shown_value

# C0 and C1 control characters (NUL, tab, new line, escape...) and lone surrogates.
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_AXIS_NAME_CHARS = 100
MAX_DEVICE_TEXT_CHARS = 255  # the width of the device_name and device_type columns


def _describe(ch: str) -> str:
    if ch == "\x00":
        return "a NUL character (\\u0000)"
    if "\ud800" <= ch <= "\udfff":
        return f"a lone surrogate (\\u{ord(ch):04x}), which is not valid Unicode text"
    return f"a control character (\\u{ord(ch):04x})"


def checked_text(filename: str, where: str, value: str, *, max_chars: int) -> str:
    """`value` unchanged, or IngestError naming the field (`where`) and what is wrong with it."""
    if len(value) > max_chars:
        raise IngestError(
            filename, f"{where} is {len(value)} characters long; the limit is {max_chars}"
        )
    match = _UNSTORABLE.search(value)
    if match:
        raise IngestError(
            filename,
            f"{where} {shown_value(value)} contains {_describe(match.group())} at position "
            f"{match.start() + 1}; names and metadata must be printable text",
        )
    return value
