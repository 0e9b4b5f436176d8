"""The audio blocks' fixed-point path built for the Cortex-M3 (no FPU) and run under QEMU
(mps2-an385): there the frame scan, the split step and the mel sums take their Thumb-2
assembly (MF_DSP_FIXED_ASM in mf_dsp_fixed.cpp), which the host parity tests never compile. Its
features must be those of the same build with MF_DSP_FIXED_NO_ASM (the C++ beside each loop,
which the host tests check against the Python blocks), bit for bit, and within the parity
tests' bound of the Python block."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from dsp_blocks.registry import get_block
from tests.conftest import require
from tests.dsp.test_cpp_on_cortex_m4f import _bench

M3_FIXED_POINT = 2  # bench/dsp_device.py's row: cortex-m3 (fixed point)


@pytest.mark.toolchain
@pytest.mark.parametrize("block_name", ["mfe", "mfcc", "spectrogram"])
def test_m3_assembly_gives_the_bits_of_the_cpp(block_name: str, tmp_path: Path) -> None:
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    bench = _bench()
    require(bench.CLIP.is_file(), f"{bench.CLIP} is missing")
    clip = bench.load_clip()
    block = get_block(block_name)
    params = block.defaults_for(
        window_length=bench.WINDOW_LENGTH, sample_rate_hz=bench.SAMPLE_RATE_HZ, n_axes=1
    )
    stream = clip[: bench.WINDOW_LENGTH + bench.slice_samples(block_name)]
    core = bench.CORES[M3_FIXED_POINT]
    assert "cortex-m3" in core.name and not core.fpu
    without_asm = dataclasses.replace(core, defines=(*core.defines, "-DMF_DSP_FIXED_NO_ASM"))
    (tmp_path / "asm").mkdir()
    (tmp_path / "cpp").mkdir()
    run = bench.run_on(block_name, params, stream, core, tmp_path / "asm")
    reference = bench.run_on(block_name, params, stream, without_asm, tmp_path / "cpp")
    np.testing.assert_array_equal(run.features.view(np.uint32), reference.features.view(np.uint32))
    expected = block.extract(
        clip[None, : bench.WINDOW_LENGTH, None], sample_rate_hz=bench.SAMPLE_RATE_HZ, params=params
    ).ravel()
    feature_range = float(expected.max() - expected.min())
    np.testing.assert_allclose(run.features, expected, rtol=0, atol=1e-3 * feature_range)
