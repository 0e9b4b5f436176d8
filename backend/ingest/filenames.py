"""File-name rules: which upload names are safe to store and show, their extension and label."""

from __future__ import annotations

import re

from backend.ingest.errors import IngestError
from backend.ingest.targets import DECIMAL_LABEL

MAX_FILENAME_BYTES = 255
# Extension -> source format. The order is the order the user is shown.
ACCEPTED_EXTENSIONS: dict[str, str] = {
    "wav": "wav",
    "csv": "csv",
    "json": "json",
    "cbor": "cbor",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
}
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F


def check_filename(filename: str) -> str:
    """Return the name unchanged, or raise IngestError("unsafe file name ...") naming the rule.

    A name is one path component that cannot escape a folder or confuse a terminal: not empty,
    at most 255 bytes in UTF-8, no '/', '\\', NUL or control characters, not only dots, and no
    Windows drive letter.
    """
    if not isinstance(filename, str) or filename == "":
        raise IngestError("", "unsafe file name: the name is empty")
    try:
        name_bytes = filename.encode("utf-8")
    except UnicodeEncodeError:
        raise IngestError(filename, "unsafe file name: it is not valid Unicode text") from None
    if len(name_bytes) > MAX_FILENAME_BYTES:
        raise IngestError(
            filename,
            f"unsafe file name: it is {len(name_bytes)} bytes long; "
            f"the limit is {MAX_FILENAME_BYTES} bytes",
        )
    if "\x00" in filename:
        raise IngestError(filename, "unsafe file name: it contains a NUL character")
    if any(_is_control(ch) for ch in filename):
        raise IngestError(filename, "unsafe file name: it contains control characters")
    if "/" in filename or "\\" in filename:
        # Covers absolute paths and '..' components too: a name is one component, never a path.
        raise IngestError(
            filename, "unsafe file name: it contains '/' or '\\'; send a file name, not a path"
        )
    if set(filename) == {"."}:
        raise IngestError(filename, "unsafe file name: a name made only of dots is not a file name")
    if _DRIVE_LETTER.match(filename):
        raise IngestError(filename, "unsafe file name: it starts with a Windows drive letter")
    return filename


def extension_of(filename: str) -> str:
    """Lower-case text after the last dot ("" when there is none)."""
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""


def accepted_extensions_text() -> str:
    return " ".join(f".{ext}" for ext in ACCEPTED_EXTENSIONS)


def source_format_for(filename: str) -> str:
    """The source format a checked name's extension selects, or IngestError listing them."""
    extension = extension_of(filename)
    if extension not in ACCEPTED_EXTENSIONS:
        found = f"extension '.{extension}'" if extension else "no extension"
        raise IngestError(
            filename,
            f"{found} is not supported; accepted extensions are {accepted_extensions_text()}",
        )
    return ACCEPTED_EXTENSIONS[extension]


def label_from_filename(filename: str) -> str:
    """The label a file name carries: the text before the first dot ("yes.a3f9.wav" -> "yes").

    A regression target keeps its decimals: a name VALUE.NAME.ext (NAME: one or more parts)
    whose first two parts make a decimal number (digits, one point, digits) has that number as
    its label ("1.08.n000.csv" -> "1.08", "-0.5.take2.a3f9.wav" -> "-0.5"). Without a NAME part
    the first-dot rule stays: "3.0042.wav" is class "3", and "1.08.csv" is "1" too.
    """
    check_filename(filename)
    parts = filename.split(".")
    # parts: VALUE, decimals, at least one NAME part, the extension.
    if len(parts) >= 4 and DECIMAL_LABEL.fullmatch(f"{parts[0].strip()}.{parts[1]}"):
        return f"{parts[0].strip()}.{parts[1]}"
    label = filename.split(".", 1)[0].strip()
    if not label:
        raise IngestError(
            filename,
            "the file name has no label: name files LABEL.ext or LABEL.anything.ext, "
            "e.g. yes.01.wav (a regression target with decimals: VALUE.NAME.ext, e.g. 1.08.n000.csv)",
        )
    return label
