"""The audio blocks' fixed-point path built for the Cortex-M3 (no FPU) and run under QEMU
(mps2-an385): there the frame scan, the split step and the mel sums take their Thumb-2
assembly (MF_DSP_FIXED_ASM in mf_dsp_fixed.cpp), which the host parity tests never compile. Its
features must be those of the same build with MF_DSP_FIXED_NO_ASM (the C++ beside each loop,
which the host tests check against the Python blocks), bit for bit, and within the parity
tests' bound of the Python block."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tests.dsp.test_cpp_on_cortex_m4f import audio_case

M3_FIXED_POINT = 2  # bench/dsp_device.py's row: cortex-m3 (fixed point)


@pytest.mark.toolchain
@pytest.mark.parametrize("block_name", ["mfe", "mfcc", "spectrogram"])
def test_m3_assembly_gives_the_bits_of_the_cpp(block_name: str, tmp_path: Path) -> None:
    case = audio_case(block_name)
    core = case.bench.CORES[M3_FIXED_POINT]
    assert "cortex-m3" in core.name and not core.fpu
    without_asm = dataclasses.replace(core, defines=(*core.defines, "-DMF_DSP_FIXED_NO_ASM"))
    (tmp_path / "asm").mkdir()
    (tmp_path / "cpp").mkdir()
    run = case.bench.run_on(block_name, case.params, case.stream, core, tmp_path / "asm")
    reference = case.bench.run_on(block_name, case.params, case.stream, without_asm,
                                  tmp_path / "cpp")
    np.testing.assert_array_equal(run.features.view(np.uint32), reference.features.view(np.uint32))
    case.assert_within_parity_bound(run.features)
