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

MAX_IMAGE_SIDE_PIXELS = 4096
MAX_IMAGE_PIXELS = MAX_IMAGE_SIDE_PIXELS * MAX_IMAGE_SIDE_PIXELS
# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; lowering it process-wide
# protects every image decoder in mcuforge, and no caller needs images larger than this.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_IMAGE_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

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


def _too_large(filename: str, width: int, height: int) -> IngestError:
    return IngestError(
        filename,
        f"the image is {width}x{height} pixels; the limit is "
        f"{MAX_IMAGE_SIDE_PIXELS}x{MAX_IMAGE_SIDE_PIXELS} (decompression bomb protection)",
    )


def _open(filename: str, data: bytes, image_format: Literal["png", "jpeg"]) -> Image.Image:
    name = _PILLOW_FORMAT[image_format]
    try:
        image = Image.open(io.BytesIO(data), formats=[name])
    except Image.DecompressionBombError:
        raise IngestError(
            filename,
            f"the image is larger than {MAX_IMAGE_SIDE_PIXELS}x{MAX_IMAGE_SIDE_PIXELS} pixels "
            "(decompression bomb protection)",
        ) from None
    except UnidentifiedImageError:
        # Pillow's own text names the in-memory buffer ("<_io.BytesIO object at 0x...>").
        raise IngestError(
            filename,
            f"not a readable {name} image: its header is damaged or not a {name} header",
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise IngestError(filename, f"not a readable {name} image: {_reason(error)}") from None
    width, height = image.size
    if width > MAX_IMAGE_SIDE_PIXELS or height > MAX_IMAGE_SIDE_PIXELS:
        raise _too_large(filename, width, height)
    if width == 0 or height == 0:
        raise IngestError(filename, f"the image is empty ({width}x{height} pixels)")
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
        # process-wide while it lasts; the side check in _open refuses those images anyway.)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _open(filename, data, image_format).verify()
            image = _open(filename, data, image_format)
            image.load()
            image = ImageOps.exif_transpose(image) or image
        except IngestError:
            raise
        except Image.DecompressionBombWarning:
            raise IngestError(
                filename,
                f"the image is larger than {MAX_IMAGE_SIDE_PIXELS}x{MAX_IMAGE_SIDE_PIXELS} "
                "pixels (decompression bomb protection)",
            ) from None
        except (OSError, SyntaxError, ValueError, struct.error) as error:
            raise IngestError(
                filename, f"the {name} image is damaged or truncated: {_reason(error)}"
            ) from None
    values, axes = _pixels(image)
    return make_sample(
        kind="image", values=values, axes=axes, interval_ms=None, source_format=image_format
    )
