"""Requests written for Edge Impulse's ingestion service, turned into ordinary uploads.

Firmware and scripts made for that service send `POST /api/{training,testing,anomaly}/data` (one
acquisition-format file as the body, named by `x-file-name`) or `.../files` (multipart, files in
the field `data`), authenticated by a project API key in `x-api-key`, with the options in
headers. This module reads those headers into the upload options of backend.services.uploads,
which parses, checks and stores the files exactly as the upload route does, and shapes the
answers the way that service's clients expect them.

Where the service's documentation is silent, we decided:
- `anomaly` data is testing data (samples a deployed device flagged, kept out of training); with
  no `x-label` its label is `anomaly`, so an anomaly model's test can count them;
- `x-no-label: 1` stores the samples under the label `unlabeled` (every sample has a label here);
- without `x-disallow-duplicates` a file whose content is already in the project is stored again,
  as the service does for compatibility; with it (any value but 0/false) it is refused (400).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import unquote

from starlette.datastructures import Headers

from backend.ingest.filenames import ACCEPTED_EXTENSIONS, extension_of
from backend.schemas.sample import UploadCategory, clean_label
from backend.schemas.upload import UploadResult
from backend.services.errors import InvalidRequest, ServiceError

IngestionCategory = Literal["training", "testing", "anomaly"]

ANOMALY_LABEL = "anomaly"
NO_LABEL = "unlabeled"
# Content types of a data route's body and the extension that selects its parser.
BODY_EXTENSIONS = {"application/json": "json", "application/cbor": "cbor"}
_FALSE_HEADER_VALUES = ("", "0", "false", "no", "off")


class MissingHeader(ServiceError):
    """The service answers 421 when a required header is missing (its documented code)."""

    status_code = 421


@dataclass(frozen=True)
class IngestionHeaders:
    label: str | None
    category: UploadCategory
    allow_duplicates: bool
    add_date_id: bool


def _flag(headers: Headers, name: str) -> bool:
    return headers.get(name, "").strip().lower() not in _FALSE_HEADER_VALUES


def _header_text(headers: Headers, name: str) -> str | None:
    """A header's text; clients of the service percent-encode non-ASCII values."""
    value = headers.get(name)
    if value is None:
        return None
    return unquote(value) if "%" in value else value


def read_headers(headers: Headers, category: IngestionCategory) -> IngestionHeaders:
    """The options of an ingestion request; InvalidRequest names the header and the rule."""
    label = _header_text(headers, "x-label")
    if label is not None and label.strip():
        try:
            label = clean_label(label)
        except ValueError as error:
            raise InvalidRequest(f"The x-label header is not valid: {error}.") from None
    else:
        label = None
    if _flag(headers, "x-no-label"):
        label = NO_LABEL
    if label is None and category == "anomaly":
        label = ANOMALY_LABEL
    return IngestionHeaders(
        label=label,
        category=UploadCategory.training if category == "training" else UploadCategory.testing,
        allow_duplicates=not _flag(headers, "x-disallow-duplicates"),
        add_date_id=_flag(headers, "x-add-date-id"),
    )


def media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def data_file_name(headers: Headers) -> str:
    """The name of the file a data route's body holds: x-file-name, with the extension of the
    body's Content-Type when the name lacks it ("idle.01" sent as JSON is "idle.01.json")."""
    name = _header_text(headers, "x-file-name")
    if name is None or not name.strip():
        raise MissingHeader("Missing header x-file-name: the name of the file the body holds.")
    name = name.strip()
    body_extension = BODY_EXTENSIONS.get(media_type(headers))
    if body_extension is None:
        if extension_of(name) in ACCEPTED_EXTENSIONS:
            return name  # e.g. a WAV or CSV body named by its extension
        raise InvalidRequest(
            f"Content-Type {media_type(headers) or '(none)'} is not accepted here: send "
            "application/json or application/cbor (the data acquisition format), "
            "multipart/form-data with the files in the field 'data', or an x-file-name ending "
            "in one of ." + " .".join(ACCEPTED_EXTENSIONS)
        )
    if extension_of(name) != body_extension:
        name = f"{name}.{body_extension}"
    return name


def with_date_id(filename: str, now: datetime | None = None) -> str:
    """`x-add-date-id`: a unique id after the name, before its extension
    (idle.json -> idle.20261205T160102Z-3fa2c1.json)."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    stem, dot, extension = filename.rpartition(".")
    unique = f"{moment}-{secrets.token_hex(3)}"
    return f"{stem}.{unique}.{extension}" if dot and stem else f"{filename}.{unique}"


def files_answer(result: UploadResult, status: int) -> tuple[dict[str, Any], int]:
    """The files routes' JSON: {success, files: [{success, fileName, sampleId | error}]}, 200 when
    at least one file was stored, else the upload's own refusal (400 for bad files, 413 when they
    were all too large)."""
    files: list[dict[str, Any]] = [
        {"success": True, "fileName": sample.filename, "sampleId": sample.id}
        for sample in result.accepted
    ]
    files += [
        {"success": False, "fileName": rejected.filename, "error": rejected.error}
        for rejected in result.rejected
    ]
    body: dict[str, Any] = {"success": not result.rejected, "files": files}
    if not result.accepted:
        body["error"] = result.detail
        return body, 413 if status == 413 else 400
    return body, 200


def data_answer(result: UploadResult, status: int) -> tuple[str, int]:
    """The data routes' text: the stored file's name (200), else why it was refused."""
    if result.accepted:
        return result.accepted[0].filename, 200
    reason = result.rejected[0].error if result.rejected else result.detail
    return reason, 413 if status == 413 else 400
