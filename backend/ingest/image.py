"""PNG and JPEG images via Pillow: checked to really be that format, bounded in size, and returned
as float32 pixels 0..255, RGB or grayscale."""

from __future__ import annotations

import io
import re
import struct
import warnings
from typing import Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.ingest.errors import IngestError
from backend.ingest.sample import Axis, ParsedSample, make_sample
from backend.settings import settings

# Pillow warns above Image.MAX_IMAGE_PIXELS and refuses above twice that (DecompressionBombError);
# lowering it process-wide to our limit protects every image decoder in mcuforge. parse_image
# also checks the size from the header itself, so the limit holds whatever Pillow's value is.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > settings.max_image_pixels:
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
# Pixels are stored as float32 (every reader of sample values expects it).
STORED_BYTES_PER_VALUE = 4

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
_PILLOW_FORMAT = {"png": "PNG", "jpeg": "JPEG"}
_MAGIC = {"png": PNG_MAGIC, "jpeg": JPEG_MAGIC}
_RGB_AXES = (Axis("r", "pixel"), Axis("g", "pixel"), Axis("b", "pixel"))
_GRAY_AXES = (Axis("gray", "pixel"),)
_GRAY_MODES = ("L", "1", "LA", "La")
_SIXTEEN_BIT_GRAY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_MAX_REASON_CHARS = 200


def _reason(error: Exception) -> str:
    """Pillow's message without the repr of our buffer in it, and cut short."""
    text = _OBJECT_REPR.sub("the file", str(error)).strip() or type(error).__name__
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 3] + "..."


def _pixel_limit_error(filename: str, size: str | None = None) -> IngestError:
    shown = f"{size} pixels" if size else "over the limit"
    return IngestError(
        filename,
        f"the image is {shown}; the limit is {settings.max_image_pixels} pixels "
        "(setting MCUFORGE_MAX_IMAGE_PIXELS, decompression bomb protection)",
    )


def _stored_channels(mode: str) -> int:
    return 1 if mode in _GRAY_MODES or mode in _SIXTEEN_BIT_GRAY_MODES else 3


def _check_size(filename: str, image: Image.Image) -> None:
    """The limits, from the header only: Image.open reads the size and mode, not the pixels."""
    width, height = image.size
    if width == 0 or height == 0:
        raise IngestError(filename, f"the image is empty ({width}x{height} pixels)")
    if width * height > settings.max_image_pixels:
        raise _pixel_limit_error(filename, f"{width}x{height} = {width * height}")
    decoded_bytes = width * height * _stored_channels(image.mode) * STORED_BYTES_PER_VALUE
    if decoded_bytes > settings.max_image_decoded_bytes:
        raise IngestError(
            filename,
            f"the image is {decoded_bytes} bytes once decoded ({width}x{height} pixels x "
            f"{_stored_channels(image.mode)} channels x {STORED_BYTES_PER_VALUE} bytes); the "
            f"limit is {settings.max_image_decoded_bytes} bytes (setting "
            "MCUFORGE_MAX_IMAGE_DECODED_BYTES)",
        )


def _open(filename: str, data: bytes, image_format: Literal["png", "jpeg"]) -> Image.Image:
    name = _PILLOW_FORMAT[image_format]
    try:
        image = Image.open(io.BytesIO(data), formats=[name])
    except Image.DecompressionBombError:
        raise _pixel_limit_error(filename) from None
    except UnidentifiedImageError:
        # Pillow's own text names the in-memory buffer ("<_io.BytesIO object at 0x...>").
        raise IngestError(
            filename,
            f"not a readable {name} image: its header is damaged or not a {name} header",
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise IngestError(filename, f"not a readable {name} image: {_reason(error)}") from None
    _check_size(filename, image)
    return image


def _pixels(image: Image.Image) -> tuple[np.ndarray, tuple[Axis, ...]]:
    if image.mode in _SIXTEEN_BIT_GRAY_MODES:
        # 16-bit grayscale PNG: scale 0..65535 to 0..255 rather than clip as convert("L") would.
        gray16 = np.asarray(image, dtype=np.float64)
        return (gray16 / 257.0).astype(np.float32)[:, :, np.newaxis], _GRAY_AXES
    if image.mode in _GRAY_MODES:
        gray = np.asarray(image.convert("L"), dtype=np.float32)
        return gray[:, :, np.newaxis], _GRAY_AXES
    if image.mode != "RGB":
        # Palette, RGBA, CMYK, YCbCr...: alpha is dropped, colours kept.
        image = image.convert("RGBA" if image.mode == "P" else image.mode).convert("RGB")
    return np.asarray(image, dtype=np.float32), _RGB_AXES


def parse_image(filename: str, data: bytes, image_format: Literal["png", "jpeg"]) -> ParsedSample:
    """Decode a PNG or JPEG into (height, width, channels) float32 pixels; EXIF rotation applied."""
    name = _PILLOW_FORMAT[image_format]
    if not data.startswith(_MAGIC[image_format]):
        raise IngestError(
            filename, f"not a {name} image: its first bytes are not the {name} signature"
        )
    with warnings.catch_warnings():
        # Between MAX_IMAGE_PIXELS and twice that Pillow only warns; we refuse. (The filter is
        # process-wide while it lasts; the header check in _open refuses those images anyway.)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _open(filename, data, image_format).verify()
            image = _open(filename, data, image_format)
            image.load()
            image = ImageOps.exif_transpose(image) or image
        except IngestError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _pixel_limit_error(filename) from None
        except (OSError, SyntaxError, ValueError, struct.error) as error:
            raise IngestError(
                filename, f"the {name} image is damaged or truncated: {_reason(error)}"
            ) from None
    values, axes = _pixels(image)
    return make_sample(
        kind="image", values=values, axes=axes, interval_ms=None, source_format=image_format
    )
