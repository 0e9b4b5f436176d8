"""WAV decoding: the shared clips, every bit depth and layout, and every malformed file."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import soundfile

from backend.ingest import Axis, parse_upload
from tests.ingest.factories import (
    WAVE_FORMAT_PCM,
    chunk,
    fmt_body,
    make_wav,
    riff,
)

MONO_CLIPS = ["yes_1000ms.wav", "no_1000ms.wav", "noise_1000ms.wav", "silence_1000ms.wav"]


@pytest.mark.parametrize("clip", MONO_CLIPS)
def test_shared_mono_clips_match_soundfile(shared_audio, clip: str) -> None:
    path = shared_audio / clip
    sample = parse_upload(clip, path.read_bytes())
    reference, rate_hz = soundfile.read(path, dtype="int16")
    assert sample.kind == "timeseries"
    assert sample.source_format == "wav"
    assert sample.values.dtype == np.float32
    assert sample.values.shape == (16000, 1)
    assert sample.length == 16000
    assert rate_hz == 16000
    assert sample.sample_rate_hz == pytest.approx(16000.0)
    assert sample.interval_ms == pytest.approx(0.0625)
    assert sample.duration_ms == pytest.approx(1000.0)
    assert sample.axes == (Axis("audio", "wav"),)
    np.testing.assert_array_equal(sample.values[:, 0], reference.astype(np.float32))
    assert sample.label is None and sample.device_name is None


def test_shared_stereo_clip_has_two_axes_or_one_when_downmixed(shared_audio) -> None:
    path = shared_audio / "marvin_617de221_0.wav"
    reference, _ = soundfile.read(path, dtype="int16")
    assert reference.ndim == 2 and reference.shape[1] == 2

    stereo = parse_upload(path.name, path.read_bytes())
    assert stereo.axes == (Axis("ch0", "wav"), Axis("ch1", "wav"))
    np.testing.assert_array_equal(stereo.values, reference.astype(np.float32))

    mono = parse_upload(path.name, path.read_bytes(), downmix=True)
    assert mono.axes == (Axis("audio", "wav"),)
    assert mono.values.shape == (reference.shape[0], 1)
    np.testing.assert_allclose(mono.values[:, 0], reference.mean(axis=1), atol=1e-3)
    assert mono.content_hash != stereo.content_hash


def test_values_are_read_only(shared_audio) -> None:
    sample = parse_upload("yes.wav", (shared_audio / "yes_1000ms.wav").read_bytes())
    with pytest.raises(ValueError):
        sample.values[0, 0] = 1.0


# Raw samples of each depth and the int16-range value each must become.
RAW_AND_EXPECTED = {
    8: (np.array([0, 1, 128, 200, 255]), np.array([-32768, -32512, 0, 18432, 32512])),
    16: (np.array([-32768, -1, 0, 1, 32767]), np.array([-32768, -1, 0, 1, 32767])),
    24: (
        np.array([-8388608, -256, 0, 256, 8388607]),
        np.array([-32768, -1, 0, 1, 8388607 / 256]),
    ),
    32: (
        np.array([-2147483648, -65536, 0, 65536, 2147483647]),
        np.array([-32768, -1, 0, 1, 2147483647 / 65536]),
    ),
}


@pytest.mark.parametrize("extensible", [False, True])
@pytest.mark.parametrize("bits", [8, 16, 24, 32])
def test_integer_pcm_is_scaled_to_the_int16_range(bits: int, extensible: bool) -> None:
    raw, expected = RAW_AND_EXPECTED[bits]
    data = make_wav(raw, bits=bits, sample_rate_hz=8000, extensible=extensible)
    sample = parse_upload(f"tone.{bits}.wav", data)
    assert sample.values.shape == (5, 1)
    np.testing.assert_allclose(sample.values[:, 0], expected.astype(np.float32), rtol=1e-7)
    assert sample.sample_rate_hz == pytest.approx(8000.0)
    assert sample.interval_ms == pytest.approx(0.125)


@pytest.mark.parametrize("extensible", [False, True])
@pytest.mark.parametrize("bits", [32, 64])
def test_float_wav_is_scaled_by_32768(bits: int, extensible: bool) -> None:
    raw = np.array([-1.0, -0.5, 0.0, 0.25, 0.999969482421875])
    sample = parse_upload("f.wav", make_wav(raw, bits=bits, is_float=True, extensible=extensible))
    np.testing.assert_array_equal(sample.values[:, 0], (raw * 32768).astype(np.float32))


def test_24_bit_matches_soundfile(tmp_path, rng) -> None:
    raw = rng.integers(-(2**23), 2**23, size=(300, 3))
    data = make_wav(raw, bits=24, sample_rate_hz=44100)
    sample = parse_upload("three.wav", data)
    path = tmp_path / "three.wav"
    path.write_bytes(data)
    reference, rate_hz = soundfile.read(path, dtype="int32")  # soundfile left-justifies 24 bits
    assert rate_hz == 44100
    np.testing.assert_allclose(sample.values, reference / 65536.0, rtol=1e-6)
    assert [axis.name for axis in sample.axes] == ["ch0", "ch1", "ch2"]


def test_multichannel_is_deinterleaved_and_downmixed(rng) -> None:
    raw = rng.integers(-1000, 1000, size=(50, 4))
    sample = parse_upload("quad.wav", make_wav(raw))
    np.testing.assert_array_equal(sample.values, raw.astype(np.float32))
    mixed = parse_upload("quad.wav", make_wav(raw), downmix=True)
    np.testing.assert_allclose(mixed.values[:, 0], raw.mean(axis=1), rtol=1e-6)


def test_unknown_chunks_and_odd_padding_are_skipped() -> None:
    raw = np.arange(-5, 5)
    odd_chunk = chunk(b"LIST", b"INFOabc")  # 7 bytes + 1 pad byte
    sample = parse_upload("x.wav", make_wav(raw, extra_chunks=(odd_chunk,)))
    np.testing.assert_array_equal(sample.values[:, 0], raw)


def test_a_trailing_partial_frame_is_ignored() -> None:
    fmt = fmt_body(WAVE_FORMAT_PCM, 2, 16000, 16)
    data = riff(chunk(b"fmt ", fmt), chunk(b"data", struct.pack("<hhh", 1, 2, 3)))
    sample = parse_upload("partial.wav", data)
    np.testing.assert_array_equal(sample.values, [[1, 2]])


def test_float_and_16_bit_encodings_of_the_same_audio_are_duplicates() -> None:
    raw = np.array([-32768, -3, 0, 7, 32767])
    as_int16 = parse_upload("a.wav", make_wav(raw, bits=16))
    as_float = parse_upload("b.wav", make_wav(raw / 32768.0, bits=32, is_float=True))
    as_24_bit = parse_upload("c.wav", make_wav(raw * 256, bits=24))
    assert as_int16.content_hash == as_float.content_hash == as_24_bit.content_hash
    other_rate = parse_upload("d.wav", make_wav(raw, bits=16, sample_rate_hz=8000))
    assert other_rate.content_hash != as_int16.content_hash


# --- malformed files ---------------------------------------------------------------------------


def _pcm16(channels: int = 1, rate_hz: int = 16000) -> bytes:
    return chunk(b"fmt ", fmt_body(WAVE_FORMAT_PCM, channels, rate_hz, 16))


def test_not_riff(assert_rejected) -> None:
    assert_rejected("noise.wav", b"this is not audio at all", "not a WAV file", "RIFF/WAVE")


def test_riff_but_not_wave(assert_rejected) -> None:
    assert_rejected("movie.wav", b"RIFF\x04\x00\x00\x00AVI ", "not a WAV file")


def test_missing_fmt_chunk(assert_rejected) -> None:
    data = riff(chunk(b"data", b"\x00\x01" * 4))
    assert_rejected("nofmt.wav", data, "no fmt chunk")


def test_missing_data_chunk(assert_rejected) -> None:
    assert_rejected("nodata.wav", riff(_pcm16()), "no data chunk")


def test_truncated_data_chunk(assert_rejected) -> None:
    data = riff(_pcm16(), chunk(b"data", b"\x00\x01" * 10, declared_bytes=32000))
    assert_rejected("cut.wav", data, "truncated", "declares 32000 bytes", "only 20 bytes")


def test_truncated_fmt_chunk(assert_rejected) -> None:
    data = b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00"
    assert_rejected("cutfmt.wav", data, "fmt chunk is truncated")


def test_fmt_chunk_too_short(assert_rejected) -> None:
    data = riff(chunk(b"fmt ", b"\x01\x00\x01\x00"), chunk(b"data", b"\x00\x00"))
    assert_rejected("short.wav", data, "fmt chunk is 4 bytes; at least 16")


def test_compressed_format_tag(assert_rejected) -> None:
    fmt = fmt_body(0x0055, 1, 16000, 16)  # MPEG layer 3
    data = riff(chunk(b"fmt ", fmt), chunk(b"data", b"\x00\x00"))
    assert_rejected("mp3inwav.wav", data, "unsupported WAV format tag 0x0055", "supported: PCM")


def test_unknown_extensible_subformat(assert_rejected) -> None:
    fmt = bytearray(fmt_body(WAVE_FORMAT_PCM, 1, 16000, 16, extensible=True))
    fmt[-1] ^= 0xFF
    data = riff(chunk(b"fmt ", bytes(fmt)), chunk(b"data", b"\x00\x00"))
    assert_rejected("odd.wav", data, "unsupported WAV sub-format GUID")


@pytest.mark.parametrize(("tag", "bits"), [(1, 12), (1, 64), (3, 16), (1, 4)])
def test_unsupported_bit_depth(assert_rejected, tag: int, bits: int) -> None:
    fmt = fmt_body(tag, 1, 16000, bits, block_align=max(1, bits // 8))
    data = riff(chunk(b"fmt ", fmt), chunk(b"data", b"\x00" * 16))
    assert_rejected("depth.wav", data, f"unsupported bit depth: {bits}-bit")


def test_zero_frames_is_empty(assert_rejected) -> None:
    assert_rejected("silent.wav", riff(_pcm16(), chunk(b"data", b"")), "empty", "no audio frames")


@pytest.mark.parametrize("rate_hz", [0, 4_000_000])
def test_zero_or_absurd_sample_rate(assert_rejected, rate_hz: int) -> None:
    data = riff(_pcm16(rate_hz=rate_hz), chunk(b"data", b"\x00\x00"))
    assert_rejected("rate.wav", data, f"sample rate is {rate_hz} Hz", "between 1 Hz and")


def test_zero_channels(assert_rejected) -> None:
    data = riff(_pcm16(channels=0), chunk(b"data", b"\x00\x00"))
    assert_rejected("nochan.wav", data, "0 channels")


def test_inconsistent_block_align(assert_rejected) -> None:
    fmt = fmt_body(WAVE_FORMAT_PCM, 2, 16000, 16, block_align=3)
    data = riff(chunk(b"fmt ", fmt), chunk(b"data", b"\x00" * 12))
    assert_rejected("align.wav", data, "block align is 3 bytes", "take 4 bytes per frame")


def test_nan_in_float_wav(assert_rejected) -> None:
    raw = np.array([0.0, 0.5, np.nan, 0.1])
    data = make_wav(raw, bits=32, is_float=True)
    assert_rejected("nan.wav", data, "NaN or infinite", "frame 2")


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
@pytest.mark.parametrize("channels", [1, 3])
def test_files_written_by_libsndfile_match_its_reading(tmp_path, rng, subtype, channels) -> None:
    # An encoder we did not write: libsndfile, the library behind soundfile.
    signal = rng.uniform(-0.9, 0.9, size=(200, channels))
    path = tmp_path / "lib.wav"
    soundfile.write(path, signal, 22050, subtype=subtype)
    sample = parse_upload("lib.wav", path.read_bytes())
    reference, _ = soundfile.read(path, dtype="float64", always_2d=True)
    np.testing.assert_allclose(sample.values, reference * 32768.0, rtol=1e-6, atol=1e-6)
    assert sample.sample_rate_hz == pytest.approx(22050.0)
    assert len(sample.axes) == channels
