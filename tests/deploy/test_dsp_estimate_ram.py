"""The DSP's RAM in the estimates: measured with a toolchain, its static buffers without one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploy_targets.estimate import ArmTools, estimate_library
from deploy_targets.sdk import DspSpec, ImpulseSpec
from deploy_targets.sdk.dsp_estimate import DSP_ESTIMATE_NAME, write_dsp_estimate_library
from dsp_blocks.registry import get_block
from tests.conftest import require

KEYWORD = ImpulseSpec("Keyword", ("audio",), 16000.0, 16000)
FUSION = ImpulseSpec("Fusion", ("accX", "accY", "accZ", "temp"), 50.0, 100)
NO_TOOLCHAIN = ArmTools(gxx="/nonexistent/arm-none-eabi-g++")


def _defaults(block: str, impulse: ImpulseSpec, n_axes: int) -> dict[str, object]:
    return get_block(block).defaults_for(
        window_length=impulse.window_length, sample_rate_hz=impulse.frequency_hz, n_axes=n_axes
    ).model_dump()


CASES = {
    "mfcc": (KEYWORD, [DspSpec("mfcc", _defaults("mfcc", KEYWORD, 1))]),
    "fusion": (
        FUSION,
        [
            DspSpec("spectral", _defaults("spectral", FUSION, 3), (0, 1, 2)),
            DspSpec("raw", {"scale_axes": 0.05}, (3,)),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_without_a_toolchain_the_dsp_ram_is_its_static_buffers(case: str, tmp_path: Path) -> None:
    impulse, blocks = CASES[case]
    library = write_dsp_estimate_library(impulse, blocks, tmp_path)
    estimate = estimate_library(library, DSP_ESTIMATE_NAME, "nano33ble", tools=NO_TOOLCHAIN)
    assert estimate.method == "mac-estimate"
    # At least the raw window (floats) is there: it was reported as 0 bytes before.
    assert estimate.ram_bytes is not None
    assert estimate.ram_bytes >= 4 * impulse.window_length * len(impulse.axes)


@pytest.mark.toolchain
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_static_buffers_are_what_the_toolchain_measures(case: str, tmp_path: Path) -> None:
    for tool in ("arm-none-eabi-g++", "arm-none-eabi-size", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    impulse, blocks = CASES[case]
    library = write_dsp_estimate_library(impulse, blocks, tmp_path)
    counted = estimate_library(library, DSP_ESTIMATE_NAME, "nano33ble", tools=NO_TOOLCHAIN)
    measured = estimate_library(library, DSP_ESTIMATE_NAME, "nano33ble")
    assert measured.method == "qemu"
    assert counted.ram_bytes is not None and measured.ram_bytes is not None
    # The measured .data + .bss adds a little libc state and alignment, nothing more.
    assert 0 <= measured.ram_bytes - counted.ram_bytes <= 256


def test_the_count_follows_the_path_the_core_compiles() -> None:
    """The float path's buffers on a core with an FPU, the fixed-point path's without one; the
    continuous mode's history is not part of one window's run."""
    from deploy_targets.sdk.dsp_estimate import static_buffer_bytes

    header = "\n".join([
        "#if !MF_DSP_FIXED_POINT",
        "static float fft_buffer[514];",
        "#else",
        "static int16_t spare[8];",
        "#endif",
        "#if MF_DSP_FIXED_POINT",
        "static int32_t fixed_buffer[514];",
        "#endif",
        "static int64_t column[50];",
        "static float mfcc_history[650];",
    ])
    assert static_buffer_bytes(header) == 514 * 4 + 50 * 8
    assert static_buffer_bytes(header, fixed_point=True) == 8 * 2 + 514 * 4 + 50 * 8
