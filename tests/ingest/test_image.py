"""PNG and JPEG images: pixel values, colour modes, orientation, and refused files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from backend.ingest import Axis, IngestError, parse_upload
from backend.settings import settings
from tests.ingest.factories import make_image

RGB_AXES = (Axis("r", "pixel"), Axis("g", "pixel"), Axis("b", "pixel"))
GRAY_AXES = (Axis("gray", "pixel"),)


def test_rgb_png_round_trips_exactly(rng) -> None:
    pixels = rng.integers(0, 256, size=(12, 20, 3))
    sample = parse_upload("cat.png", make_image(pixels))
    assert sample.kind == "image" and sample.source_format == "png"
    assert sample.axes == RGB_AXES
    assert sample.values.dtype == np.float32 and sample.values.shape == (12, 20, 3)
    np.testing.assert_array_equal(sample.values, pixels)
    assert sample.length == 240
    assert sample.interval_ms is None and sample.sample_rate_hz is None
    assert sample.duration_ms is None


def test_gray_png_stays_gray(rng) -> None:
    pixels = rng.integers(0, 256, size=(8, 6))
    sample = parse_upload("g.png", make_image(pixels))
    assert sample.axes == GRAY_AXES
    np.testing.assert_array_equal(sample.values[:, :, 0], pixels)


def test_palette_png_becomes_rgb() -> None:
    pixels = np.zeros((4, 4, 3), dtype=np.uint8)
    pixels[:2] = (255, 0, 0)
    pixels[2:] = (0, 128, 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels).quantize(colors=2, dither=Image.Dither.NONE).save(buffer, "PNG")
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).mode == "P"
    sample = parse_upload("pal.png", data)
    assert sample.axes == RGB_AXES
    np.testing.assert_array_equal(sample.values, pixels)


def test_rgba_png_drops_alpha(rng) -> None:
    rgba = rng.integers(0, 256, size=(5, 7, 4))
    sample = parse_upload("a.png", make_image(rgba))
    assert sample.axes == RGB_AXES
    np.testing.assert_array_equal(sample.values, rgba[:, :, :3])


def test_gray_with_alpha_stays_gray(rng) -> None:
    gray = rng.integers(0, 256, size=(5, 7))
    sample = parse_upload("la.png", make_image(gray, mode="LA"))
    assert sample.axes == GRAY_AXES
    np.testing.assert_array_equal(sample.values[:, :, 0], gray)


def test_16_bit_gray_png_is_scaled_to_0_255() -> None:
    gray16 = np.array([[0, 257, 65535], [32896, 1000, 514]], dtype=np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(gray16).save(buffer, format="PNG")
    sample = parse_upload("deep.png", buffer.getvalue())
    assert sample.axes == GRAY_AXES
    np.testing.assert_allclose(sample.values[:, :, 0], gray16 / 257.0, rtol=1e-6)


@pytest.mark.parametrize("extension", ["jpg", "jpeg", "JPG"])
def test_jpeg_matches_pillow_decoding(rng, extension: str) -> None:
    pixels = rng.integers(0, 256, size=(16, 16, 3))
    data = make_image(pixels, "JPEG", quality=95)
    sample = parse_upload(f"photo.{extension}", data)
    assert sample.source_format == "jpeg" and sample.axes == RGB_AXES
    np.testing.assert_array_equal(sample.values, np.asarray(Image.open(io.BytesIO(data))))


def test_gray_and_cmyk_jpeg(rng) -> None:
    gray = parse_upload("g.jpg", make_image(rng.integers(0, 256, size=(8, 8)), "JPEG"))
    assert gray.axes == GRAY_AXES and gray.values.shape == (8, 8, 1)
    cmyk = parse_upload("c.jpg", make_image(np.full((8, 8, 3), 200), "JPEG", mode="CMYK"))
    assert cmyk.axes == RGB_AXES and cmyk.values.shape == (8, 8, 3)


def test_exif_orientation_is_applied() -> None:
    pixels = np.zeros((10, 30, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = make_image(pixels, "JPEG", exif=exif)
    assert parse_upload("phone.jpg", data).values.shape == (30, 10, 3)


def test_same_pixels_are_duplicates_whatever_the_png_compression(rng) -> None:
    pixels = rng.integers(0, 256, size=(9, 9, 3))
    fast = parse_upload("a.png", make_image(pixels, compress_level=0))
    small = parse_upload("b.png", make_image(pixels, compress_level=9))
    assert fast.content_hash == small.content_hash
    pixels[0, 0, 0] ^= 1
    assert parse_upload("c.png", make_image(pixels)).content_hash != fast.content_hash


# --- refused files -----------------------------------------------------------------------------


def test_jpeg_named_png(assert_rejected) -> None:
    data = make_image(np.zeros((4, 4, 3)), "JPEG")
    assert_rejected(
        "photo.png", data, "not a PNG image", "its content is a JPEG image", "rename it to .jpg"
    )


def test_text_named_png(assert_rejected) -> None:
    assert_rejected("notes.png", b"hello, I am text", "not a PNG image")


def test_text_named_jpeg(assert_rejected) -> None:
    assert_rejected("notes.jpg", b"hello, I am text", "not a JPEG image")


def test_truncated_png(assert_rejected, rng) -> None:
    data = make_image(rng.integers(0, 256, size=(64, 64, 3)))
    assert_rejected("cut.png", data[: len(data) // 2], "PNG")


def test_corrupted_png_checksum(assert_rejected, rng) -> None:
    data = bytearray(make_image(rng.integers(0, 256, size=(8, 8, 3))))
    idat = data.find(b"IDAT")
    data[idat + 6] ^= 0xFF  # flip a compressed byte: the chunk CRC no longer matches
    assert_rejected("crc.png", bytes(data), "damaged or truncated")


def test_truncated_jpeg(assert_rejected, rng) -> None:
    data = make_image(rng.integers(0, 256, size=(64, 64, 3)), "JPEG")
    assert_rejected("cut.jpg", data[:300], "JPEG")


@pytest.mark.parametrize(("width", "height"), [(101, 100), (1, 10_001)])
def test_images_beyond_the_pixel_limit_are_refused_from_the_header(
    assert_rejected, monkeypatch, width, height
) -> None:
    monkeypatch.setattr(settings, "max_image_pixels", 10_000)
    data = make_image(np.zeros((height, width), dtype=np.uint8))
    assert_rejected(
        "huge.png",
        data,
        f"{width}x{height} = {width * height} pixels",
        "limit is 10000 pixels",
        "MCUFORGE_MAX_IMAGE_PIXELS",
    )


def test_the_pixel_limit_is_checked_before_decoding(monkeypatch) -> None:
    # A 4096x4096 PNG of zeros is a few kB; decoding it would take 16 MB (48 MB as RGB).
    monkeypatch.setattr(settings, "max_image_pixels", 1024 * 1024)
    data = make_image(np.zeros((4096, 4096), dtype=np.uint8))
    loads: list[object] = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loads.append(self))
    with pytest.raises(IngestError, match="MCUFORGE_MAX_IMAGE_PIXELS"):
        parse_upload("bomb.png", data)
    assert loads == []


def test_images_beyond_the_decoded_size_limit_are_refused(assert_rejected, monkeypatch) -> None:
    # 50x50 RGB is 50*50*3*4 = 30000 bytes as float32; gray is a third of that.
    monkeypatch.setattr(settings, "max_image_decoded_bytes", 20_000)
    assert_rejected(
        "big.png",
        make_image(np.zeros((50, 50, 3), dtype=np.uint8)),
        "30000 bytes once decoded",
        "MCUFORGE_MAX_IMAGE_DECODED_BYTES",
    )
    assert parse_upload(
        "gray.png", make_image(np.zeros((50, 50), dtype=np.uint8))
    ).values.shape == (
        50,
        50,
        1,
    )


def test_the_largest_allowed_image_is_accepted(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_image_pixels", 10_000)
    sample = parse_upload("wide.png", make_image(np.zeros((1, 10_000), dtype=np.uint8)))
    assert sample.values.shape == (1, 10_000, 1)
