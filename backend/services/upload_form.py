"""Read a multipart upload with the size and count limits enforced while it streams in.

Each file's bytes go to its own spooled temporary file: kept in memory up to SPOOL_MEMORY_BYTES,
then in an anonymous file on disk (unlinked at once, so nothing is left behind even if the process
dies). The memory of a request then does not grow with its size: the files are read back one at a
time when they are parsed and stored. A file over the per-file limit is drained and remembered as
too large, not kept.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from backend.services.errors import InvalidRequest, PayloadTooLarge

FORM_FIELDS = ("label", "value", "category", "allow_duplicates")
FILES_FIELD = "files"
MAX_FIELD_BYTES = 1024
# Files up to this size stay in memory (most sensor files); larger ones are written to disk.
SPOOL_MEMORY_BYTES = 1024 * 1024


@dataclass
class UploadedFile:
    filename: str
    size_bytes: int = 0  # every byte received, also those not kept past the limit
    _spool: IO[bytes] = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES),
        repr=False,
    )

    def too_large(self, max_file_bytes: int) -> bool:
        return self.size_bytes > max_file_bytes

    def append(self, chunk: bytes) -> None:
        self._spool.write(chunk)

    def discard(self) -> None:
        """Drop the bytes kept so far (the file is over the limit; only its size matters now)."""
        self._spool.seek(0)
        self._spool.truncate()

    def read(self) -> bytes:
        """The whole file, then its spool is closed: each file is read once, when it is parsed."""
        self._spool.seek(0)
        data = self._spool.read()
        self.close()
        return data

    def close(self) -> None:
        self._spool.close()


@dataclass
class UploadForm:
    files: list[UploadedFile]
    fields: dict[str, str]

    def close(self) -> None:
        for upload in self.files:
            upload.close()


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    file: UploadedFile | None = None
    text: bytearray = field(default_factory=bytearray)


class _FormCollector:
    """The parser's callbacks: each part becomes a file or a short text field."""

    def __init__(
        self,
        *,
        max_file_bytes: int,
        max_files: int,
        files_field: str = FILES_FIELD,
        form_fields: tuple[str, ...] = FORM_FIELDS,
    ) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.files_field = files_field
        self.form_fields = form_fields
        self.files: list[UploadedFile] = []
        self.fields: dict[str, str] = {}
        self.part: _Part | None = None
        self.open_parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()

    def on_part_begin(self) -> None:
        self.part = _Part()
        self.open_parts += 1

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        assert self.part is not None
        self.part.headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        part = self.part
        assert part is not None
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise InvalidRequest("Every part of the multipart body needs a Content-Disposition name.")
        part.name = options[b"name"].decode("utf-8", errors="replace")
        if b"filename" in options:
            if part.name != self.files_field:
                raise InvalidRequest(
                    f'A file was sent in the form field "{part.name}"; send files in '
                    f'"{self.files_field}".'
                )
            if len(self.files) >= self.max_files:
                raise PayloadTooLarge(
                    f"This upload has more than {self.max_files} files; the limit is "
                    f"{self.max_files} files per request: send them in several requests."
                )
            # Invalid UTF-8 becomes U+FFFD so that every name can be shown in the answer.
            part.file = UploadedFile(options[b"filename"].decode("utf-8", errors="replace"))
            self.files.append(part.file)
        elif part.name == self.files_field:
            raise InvalidRequest(f'The form field "{self.files_field}" must hold files, not text.')
        elif part.name not in self.form_fields:
            optional = (
                f" and optionally {', '.join(repr(f) for f in self.form_fields)}"
                if self.form_fields
                else ""
            )
            raise InvalidRequest(
                f'Unknown form field "{part.name}"; an upload takes "{self.files_field}"{optional}.'
            )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        assert part is not None
        chunk = data[start:end]
        if part.file is not None:
            part.file.size_bytes += len(chunk)
            # Past the limit the bytes are counted (to say how large it was) but not kept.
            if part.file.size_bytes <= self.max_file_bytes:
                part.file.append(chunk)
            elif part.file.size_bytes - len(chunk) <= self.max_file_bytes:
                part.file.discard()
            return
        part.text += chunk
        if len(part.text) > MAX_FIELD_BYTES:
            raise InvalidRequest(
                f'The form field "{part.name}" is longer than {MAX_FIELD_BYTES} bytes.'
            )

    def on_part_end(self) -> None:
        part = self.part
        assert part is not None
        self.open_parts -= 1
        if part.file is None:
            if part.name in self.fields:
                raise InvalidRequest(f'The form field "{part.name}" was sent more than once.')
            self.fields[part.name] = part.text.decode("utf-8", errors="replace")
        self.part = None

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }


def _boundary(content_type: str | None, files_field: str) -> bytes:
    media_type, options = parse_options_header(content_type or "")
    if media_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise InvalidRequest(
            "An upload is a multipart/form-data request with the files in the field "
            f'"{files_field}"; this request is {content_type or "without a Content-Type"}.'
        )
    return options[b"boundary"]


async def read_upload_form(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    max_file_bytes: int,
    max_files: int,
    max_request_bytes: int,
    files_field: str = FILES_FIELD,
    form_fields: tuple[str, ...] = FORM_FIELDS,
) -> UploadForm:
    """Parse the multipart body; PayloadTooLarge or InvalidRequest when the request as a whole is
    refused. The caller closes the form (UploadForm.close) when done with it. files_field and
    form_fields name the parts (the ingestion service's clients send files in "data")."""
    boundary = _boundary(content_type, files_field)
    too_large = (
        f"The upload request is larger than the limit of {max_request_bytes} bytes; "
        "send the files in several requests."
    )
    if content_length is not None and content_length.isdigit():
        if int(content_length) > max_request_bytes:
            raise PayloadTooLarge(too_large)
    collector = _FormCollector(
        max_file_bytes=max_file_bytes,
        max_files=max_files,
        files_field=files_field,
        form_fields=form_fields,
    )
    form = UploadForm(files=collector.files, fields=collector.fields)
    try:
        await _read_body(collector, boundary, body, max_request_bytes, too_large)
    except BaseException:
        form.close()
        raise
    return form


async def _read_body(
    collector: _FormCollector,
    boundary: bytes,
    body: AsyncIterator[bytes],
    max_request_bytes: int,
    too_large: str,
) -> None:
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    received_bytes = 0
    try:
        async for chunk in body:
            received_bytes += len(chunk)
            # Content-Length may be absent (chunked) or lie; the limit holds on what arrives.
            if received_bytes > max_request_bytes:
                raise PayloadTooLarge(too_large)
            parser.write(chunk)
        parser.finalize()
    except FormParserError as error:
        raise InvalidRequest(f"The request body is not valid multipart/form-data ({error}).") from None
    if collector.open_parts or (received_bytes and not collector.files and not collector.fields):
        raise InvalidRequest("The multipart body is truncated: it ends before its closing boundary.")
    if not collector.files:
        raise InvalidRequest(
            f'The upload has no files; send one or more in the form field "{collector.files_field}".'
        )


async def read_single_file(
    filename: str,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    max_file_bytes: int,
) -> UploadForm:
    """A request whose whole body is one file (the ingestion service's data routes), as a form of
    that one file: spooled like a multipart part, PayloadTooLarge past max_file_bytes."""
    too_large = (
        f"The request body is larger than the limit of {max_file_bytes} bytes per file "
        "(MCUFORGE_MAX_UPLOAD_FILE_BYTES)."
    )
    if content_length is not None and content_length.isdigit():
        if int(content_length) > max_file_bytes:
            raise PayloadTooLarge(too_large)
    upload = UploadedFile(filename)
    form = UploadForm(files=[upload], fields={})
    try:
        async for chunk in body:
            upload.size_bytes += len(chunk)
            if upload.size_bytes > max_file_bytes:
                raise PayloadTooLarge(too_large)
            upload.append(chunk)
    except BaseException:
        form.close()
        raise
    if upload.size_bytes == 0:
        form.close()
        raise InvalidRequest("The request body is empty; send the file as the body.")
    return form
