"""Fixtures of the DSP tests: the shared clips as float32 arrays and a per-session C++ builder."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.dsp.cpp_runner import CppBuilder


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples `(n_samples, n_channels)` in [-1, 1) and the sample rate, with the stdlib."""
    with wave.open(str(path)) as clip:
        assert clip.getsampwidth() == 2, f"{path} is not 16-bit PCM"
        raw = clip.readframes(clip.getnframes())
        samples = np.frombuffer(raw, dtype="<i2").reshape(-1, clip.getnchannels())
        return (samples / 32768.0).astype(np.float32), clip.getframerate()


@pytest.fixture(scope="session")
def audio_clips(shared_audio: Path) -> dict[str, np.ndarray]:
    """First channel of every shared clip, 16 kHz, one second each."""
    clips = {}
    for path in sorted(shared_audio.glob("*.wav")):
        samples, rate = read_wav(path)
        assert rate == 16000, f"{path.name} is {rate} Hz"
        clips[path.stem] = samples[:16000, 0]
    assert clips, f"no .wav in {shared_audio}"
    return clips


@pytest.fixture(scope="session")
def cpp_builder(tmp_path_factory: pytest.TempPathFactory) -> CppBuilder:
    return CppBuilder(tmp_path_factory.mktemp("dsp_cpp"))


def _fixed_builder(tmp_path_factory: pytest.TempPathFactory, products: str) -> CppBuilder:
    defines = ("-DMF_DSP_FIXED_POINT=1",)
    if products == "narrow-products":
        defines += ("-DMF_DSP_FIXED_NARROW_PRODUCTS=1",)
    return CppBuilder(tmp_path_factory.mktemp(f"dsp_cpp_fixed_{products}"), defines)


@pytest.fixture(scope="session")
def cpp_builder_fixed_wide(tmp_path_factory: pytest.TempPathFactory) -> CppBuilder:
    """The runtime built with its fixed-point audio path forced on (as on a core without an FPU),
    with 64-bit products (ARMv7-M: Cortex-M3/M4)."""
    return _fixed_builder(tmp_path_factory, "wide-products")


@pytest.fixture(scope="session")
def cpp_builder_fixed_narrow(tmp_path_factory: pytest.TempPathFactory) -> CppBuilder:
    """The same with the narrow products of an ARMv6-M core (Cortex-M0+; on any host through
    MF_DSP_FIXED_NARROW_PRODUCTS)."""
    return _fixed_builder(tmp_path_factory, "narrow-products")


@pytest.fixture(params=["wide", "narrow"])
def cpp_builder_fixed(request: pytest.FixtureRequest) -> CppBuilder:
    """Each fixed-point build in turn: both are held to the same tolerances."""
    builder: CppBuilder = request.getfixturevalue(f"cpp_builder_fixed_{request.param}")
    return builder
