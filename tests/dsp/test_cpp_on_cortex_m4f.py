"""The audio blocks' C++ twins built for the Cortex-M4F and run under QEMU (mps2-an386): the
hard-float build takes the FFT's VFP assembly (mf_dsp_fft_vfp.h), which the host parity tests
never compile, so its features are checked against the Python blocks here. The harness is
bench/dsp_device.py's, the instruction counts its business."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from dsp_blocks.registry import get_block
from tests.conftest import require

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dsp_device.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dsp_device", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("dsp_device", module)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class AudioCase:
    """One block's platform defaults on the bench's clip: what to stream to the device and the
    Python block's features of the first window."""

    bench: ModuleType
    params: Any
    stream: np.ndarray
    expected: np.ndarray

    def assert_within_parity_bound(self, features: np.ndarray) -> None:
        # The parity tests' bound (1e-3 of the range); the devices are ~1e-6 to 1e-4 of it today.
        assert features.shape == self.expected.shape
        feature_range = float(self.expected.max() - self.expected.min())
        np.testing.assert_allclose(features, self.expected, rtol=0, atol=1e-3 * feature_range)


def audio_case(block_name: str) -> AudioCase:
    """The case for `block_name`, skipped (failed under CI) without the ARM toolchain, QEMU or
    the shared clip."""
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    bench = _bench()
    require(bench.CLIP.is_file(), f"{bench.CLIP} is missing")
    clip = bench.load_clip()
    block = get_block(block_name)
    params = block.defaults_for(
        window_length=bench.WINDOW_LENGTH, sample_rate_hz=bench.SAMPLE_RATE_HZ, n_axes=1
    )
    expected = block.extract(
        clip[None, : bench.WINDOW_LENGTH, None], sample_rate_hz=bench.SAMPLE_RATE_HZ, params=params
    ).ravel()
    stream = clip[: bench.WINDOW_LENGTH + bench.slice_samples(block_name)]
    return AudioCase(bench, params, stream, expected)


@pytest.mark.toolchain
@pytest.mark.parametrize("block_name", ["mfe", "mfcc", "spectrogram"])
def test_m4f_features_match_the_python_block(block_name: str, tmp_path: Path) -> None:
    case = audio_case(block_name)
    run = case.bench.run_on(block_name, case.params, case.stream, case.bench.CORES[0], tmp_path)
    case.assert_within_parity_bound(run.features)
