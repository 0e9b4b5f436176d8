"""parse_upload: check the name and size, pick the parser by extension, and make sure the bytes
really are that format."""

from __future__ import annotations

from backend.ingest.acquisition import parse_acquisition_cbor, parse_acquisition_json
from backend.ingest.csv_format import parse_csv
from backend.ingest.errors import IngestError
from backend.ingest.filenames import check_filename, source_format_for
from backend.ingest.image import JPEG_MAGIC, PNG_MAGIC, parse_image
from backend.ingest.sample import ParsedSample
from backend.ingest.wav import parse_wav

_FORMAT_NAMES = {
    "wav": "a WAV file",
    "csv": "a CSV file",
    "json": "a JSON file",
    "cbor": "a CBOR file",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
}
_EXTENSION_FOR = {
    "wav": ".wav",
    "csv": ".csv",
    "json": ".json",
    "cbor": ".cbor",
    "png": ".png",
    "jpeg": ".jpg",
}


def sniff_format(data: bytes) -> str | None:
    """The format the first bytes announce (None when they announce none we know)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    # Only the head is looked at: uploads can be hundreds of MB.
    if data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "json"
    if data and 0xA0 <= data[0] <= 0xBF and b"payload" in data[:4096]:
        return "cbor"
    return None


def _check_content_matches(filename: str, source_format: str, data: bytes) -> None:
    """Refuse a file whose bytes are plainly another known format than its extension says."""
    sniffed = sniff_format(data)
    if sniffed is None or sniffed == source_format:
        return
    if source_format == "csv" and sniffed == "json":
        return  # a CSV cannot start with '{' sensibly, but let the CSV parser say why
    raise IngestError(
        filename,
        f"not {_FORMAT_NAMES[source_format]}: its content is {_FORMAT_NAMES[sniffed]}; "
        f"rename it to {_EXTENSION_FOR[sniffed]} or upload the right file",
    )


def parse_upload(
    filename: str,
    data: bytes,
    *,
    hmac_key: str | None = None,
    downmix: bool = False,
    max_bytes: int | None = None,
) -> ParsedSample:
    """Turn the bytes of one uploaded file into a validated sample, or raise IngestError.

    hmac_key: the project's key; when given (None or "" means none), acquisition files must carry
    a valid HMAC-SHA256 signature. downmix: average the channels of a multi-channel WAV into one 'audio' axis.
    max_bytes: refuse larger files.
    """
    check_filename(filename)
    source_format = source_format_for(filename)
    data = bytes(data) if not isinstance(data, bytes) else data
    if len(data) == 0:
        raise IngestError(filename, "the file is empty (0 bytes)")
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(
            filename, f"the file is {len(data)} bytes; the limit is {max_bytes} bytes"
        )
    _check_content_matches(filename, source_format, data)
    try:
        return _parse_as(source_format, filename, data, hmac_key=hmac_key, downmix=downmix)
    except RecursionError:
        # The JSON and CBOR decoders stop deep nesting themselves; this keeps any other
        # recursion one file's error rather than the whole upload's 500.
        raise IngestError(filename, "the file is nested too deeply to be read") from None


def _parse_as(
    source_format: str, filename: str, data: bytes, *, hmac_key: str | None, downmix: bool
) -> ParsedSample:
    if source_format == "wav":
        return parse_wav(filename, data, downmix=downmix)
    if source_format == "csv":
        return parse_csv(filename, data)
    if source_format == "json":
        return parse_acquisition_json(filename, data, hmac_key=hmac_key or None)
    if source_format == "cbor":
        return parse_acquisition_cbor(filename, data, hmac_key=hmac_key or None)
    if source_format == "png":
        return parse_image(filename, data, "png")
    return parse_image(filename, data, "jpeg")
